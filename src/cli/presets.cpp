#include "cli/presets.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "core/error.h"
#include "core/io.h"
#include "core/strings.h"

namespace hwnas {
namespace {

bool is_file_name(const std::string& name) {
  auto ends = [&](const std::string& s) { return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  return ends(".yaml") || ends(".yml");
}

/// Fills the unset options of `cmd` from the keys of `map`.
void fill(CLI::App* cmd, const YAML::Node& map, const std::string& origin) {
  HWNAS_CHECK(map.IsMap(), origin, ": must be a mapping of option: value");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (key == "methods" || key == "extends") continue;
    CLI::Option* opt = cmd->get_option_no_throw("--" + key);
    HWNAS_CHECK(opt != nullptr, origin, ": '", key, "' is not an option of hwnas ", cmd->get_name());
    if (opt->count() > 0) continue;  // set by the user, or by a more specific section
    std::vector<std::string> values;
    if (kv.second.IsSequence()) {
      for (const auto& e : kv.second) values.push_back(e.as<std::string>());
    } else {
      HWNAS_CHECK(kv.second.IsScalar(), origin, ": '", key, "' must be a value or a list");
      values.push_back(kv.second.as<std::string>());
    }
    for (const std::string& v : values) opt->add_result(v);
    opt->run_callback();
  }
}

}  // namespace

std::string preset_text(const std::string& name) {
  if (is_file_name(name)) return read_file(name);
  std::vector<std::string> names;
  for (const auto& [n, text] : builtin_presets()) {
    if (n == name) return text;
    names.push_back(n);
  }
  HWNAS_CHECK(false, "unknown preset '", name, "' (", join(names, ", "), ", or a FILE.yaml)");
  return "";
}

void apply_preset(CLI::App* cmd, const std::string& name, const std::string& method) {
  std::set<std::string> seen;
  for (std::string current = name; !current.empty();) {
    HWNAS_CHECK(seen.insert(current).second, "preset ", name, ": extends itself through ", current);
    const std::string origin = "preset " + current;
    YAML::Node root;
    try {
      root = YAML::Load(preset_text(current));
    } catch (const YAML::Exception& e) {
      HWNAS_CHECK(false, origin, ": ", e.what());
    }
    if (root.IsNull()) break;
    HWNAS_CHECK(root.IsMap(), origin, ": must be a mapping of option: value");
    if (root["methods"]) {
      HWNAS_CHECK(root["methods"].IsMap(), origin, ": 'methods' must map method names to options");
      if (root["methods"][method]) fill(cmd, root["methods"][method], origin + ", method " + method);
    }
    fill(cmd, root, origin);
    current = root["extends"] ? root["extends"].as<std::string>() : std::string();
  }
}

}  // namespace hwnas
