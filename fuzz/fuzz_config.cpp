// YAML config files (--config FILE): read refuses (hwnas::Error, or
// YAML::Exception, which the CLI reports as "config: ...") or gives option
// items with names.
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "cli/config_file.h"
#include "fuzz/fuzz.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(fuzz::text(data, size));
  try {
    for (const CLI::ConfigItem& item : parse_config_yaml(in))
      fuzz::require(!item.name.empty() || !item.inputs.empty(), "config: an item with neither name nor value");
  } catch (const Error&) {
  } catch (const YAML::Exception&) {
  }
  return 0;
}
