// hwnas: one binary, subcommands. Every user-facing failure becomes one line
// on stderr and a non-zero exit; no stack traces.
#include <c10/util/Exception.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cli/config_file.h"
#include "core/error.h"
#include "core/strings.h"
#include "nn/execution.h"

namespace hwnas {

std::vector<std::string>& program_args() {
  static std::vector<std::string> args;
  return args;
}

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> entries;
  return entries;
}

}  // namespace hwnas

int main(int argc, char** argv) {
  hwnas::keep_freed_memory();
  CLI::App app{"hwnas: hardware-aware neural architecture search.\n"
               "Finds the most accurate network that runs within a latency budget on a target device."};
  app.require_subcommand(1);
  // Every option shows its default in --help and config.yaml; --config may
  // follow the command's name (hwnas run --config runs/X/config.yaml).
  app.option_defaults()->always_capture_default();
  app.fallthrough();
  // A key no option of the command knows is an error, not silently dropped.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.config_formatter(std::make_shared<hwnas::YamlConfig>());
  app.set_config("--config", "", "YAML config file (flags given on the command line win)");
  app.set_version_flag("--version", "hwnas 0.1.0");
  hwnas::program_args().assign(argv, argv + argc);
  auto entries = hwnas::command_registry();
  std::sort(entries.begin(), entries.end(),
            [](const hwnas::CommandEntry& a, const hwnas::CommandEntry& b) { return a.order < b.order; });
  for (const hwnas::CommandEntry& e : entries) e.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse run.bogus" for a key no option knows.
    const std::string what = e.what(), marker = "able to parse ";
    const size_t at = what.find(marker);
    if (at == std::string::npos) std::cerr << "hwnas: error: config: " << what << "\n";
    else std::cerr << "hwnas: error: config: '" << what.substr(at + marker.size())
                   << "' is not an option of that command\n";
    return 1;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hwnas::Error& e) {
    std::cerr << "hwnas: error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "hwnas: error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const YAML::Exception& e) {
    std::cerr << "hwnas: error: config: " << e.what() << "\n";
    return 1;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "hwnas: error: json: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hwnas: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
