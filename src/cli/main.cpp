// hwnas: one binary, subcommands. Every user-facing failure becomes one line
// on stderr and a non-zero exit; no stack traces.
#include <c10/util/Exception.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

std::vector<std::string>& program_args() {
  static std::vector<std::string> args;
  return args;
}

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> entries;
  return entries;
}

namespace {

void flatten(const YAML::Node& node, std::vector<std::string> parents,
             std::vector<CLI::ConfigItem>* out) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (v.IsMap()) {
      std::vector<std::string> p = parents;
      p.push_back(key);
      flatten(v, p, out);
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key;
    if (v.IsSequence()) {
      if (v.size() == 0) continue;  // an empty list is the option left unset (config.yaml writes it so)
      for (const auto& e : v) item.inputs.push_back(e.as<std::string>());
    } else if (!v.IsNull()) {
      item.inputs.push_back(v.as<std::string>());
    }
    out->push_back(item);
  }
}

/// YAML config files for CLI11: top-level keys are global options, a map
/// under a subcommand's name holds that command's options. Flags win.
class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool, bool, std::string) const override {
    return resolved_config_yaml(*app);
  }
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override {
    std::vector<CLI::ConfigItem> items;
    YAML::Node root = YAML::Load(in);
    if (root.IsNull()) return items;
    if (!root.IsMap()) throw hwnas::Error("config file: top level must be a mapping of option: value");
    flatten(root, {}, &items);
    return items;
  }
};

}  // namespace

std::string resolved_config_yaml(const CLI::App& cmd) {
  // Nested under the command's path below the program: run:, rmi: reference:.
  std::vector<std::string> path;
  for (const CLI::App* c = &cmd; c->get_parent() != nullptr; c = c->get_parent()) path.insert(path.begin(), c->get_name());
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const std::string& p : path) out << YAML::Key << p << YAML::Value << YAML::BeginMap;
  for (const CLI::Option* opt : cmd.get_options()) {
    const std::string name = opt->get_single_name();
    // A secret stays out of files (it comes from the environment).
    if (name.empty() || name == "help" || name == "config" || name == "h" || name == "token") continue;
    std::vector<std::string> values;
    const std::string d = opt->get_default_str();
    const bool list = opt->get_items_expected_max() > 1;
    if (opt->get_expected_max() == 0) {
      // A flag: its value, named positively (--widen,!--no-widen is "widen").
      values = {opt->count() ? (opt->as<bool>() ? "true" : "false") : d.empty() ? "false" : d};
    } else if (opt->count()) {
      values = opt->results();
    } else if (list && d.size() >= 2 && d.front() == '[' && d.back() == ']') {
      values = split(d.substr(1, d.size() - 2), ',');  // a list's default reads "[a,b]"
    } else if (!list) {
      values = {d};  // "" for an option that is off until given (--latency, --reuse)
    }
    out << YAML::Key << name << YAML::Value;
    if (!list) out << values.front();
    else {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : values) out << v;
      out << YAML::EndSeq;
    }
  }
  for (size_t i = 0; i <= path.size(); ++i) out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace hwnas

int main(int argc, char** argv) {
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
