#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

namespace {

// Beyond these a file is not a config (command paths are two levels deep;
// the largest command has about 100 options): refusing early also keeps a
// self-referencing alias from recursing without end.
constexpr int kMaxConfigDepth = 8;
constexpr size_t kMaxConfigItems = 10000;

void flatten(const YAML::Node& node, std::vector<std::string> parents, std::vector<CLI::ConfigItem>* out) {
  HWNAS_CHECK(parents.size() < kMaxConfigDepth, "config file: nested deeper than ", kMaxConfigDepth, " levels under '",
              join(parents, "."), "'");
  for (const auto& kv : node) {
    HWNAS_CHECK(kv.first.IsScalar(), "config file: keys must be option names",
                parents.empty() ? "" : " (under '" + join(parents, ".") + "')");
    const std::string key = kv.first.as<std::string>();
    HWNAS_CHECK(!key.empty(), "config file: an empty option name",
                parents.empty() ? "" : " (under '" + join(parents, ".") + "')");
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
      if (v.size() == 0)
        continue;  // an empty list is the option left unset (config.yaml writes
                   // it so)
      for (const auto& e : v) {
        HWNAS_CHECK(e.IsScalar(), "config file: '", key, "' must be a value or a list of values");
        item.inputs.push_back(e.as<std::string>());
      }
    } else if (!v.IsNull()) {
      item.inputs.push_back(v.as<std::string>());
    }
    out->push_back(item);
    HWNAS_CHECK(out->size() <= kMaxConfigItems, "config file: more than ", kMaxConfigItems, " options");
  }
}

}  // namespace

std::vector<CLI::ConfigItem> parse_config_yaml(std::istream& in) {
  std::vector<CLI::ConfigItem> items;
  YAML::Node root = YAML::Load(in);
  if (root.IsNull()) return items;
  HWNAS_CHECK(root.IsMap(), "config file: top level must be a mapping of option: value");
  flatten(root, {}, &items);
  return items;
}

std::string YamlConfig::to_config(const CLI::App* app, bool, bool, std::string) const {
  return resolved_config_yaml(*app);
}

std::string resolved_config_yaml(const CLI::App& cmd) {
  // Nested under the command's path below the program: run:, rmi: reference:.
  std::vector<std::string> path;
  for (const CLI::App* c = &cmd; c->get_parent() != nullptr; c = c->get_parent())
    path.insert(path.begin(), c->get_name());
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
      values = split(d.substr(1, d.size() - 2),
                     ',');  // a list's default reads "[a,b]"
    } else if (!list) {
      values = {d};  // "" for an option that is off until given (--latency, --reuse)
    }
    out << YAML::Key << name << YAML::Value;
    if (!list)
      out << values.front();
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
