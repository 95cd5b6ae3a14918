// YAML config files (--config FILE): top-level keys are global options, a
// map under a command's name holds that command's options; flags given on
// the command line win. The same form is written to every run directory as
// config.yaml (resolved_config_yaml in cli/command.h).
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <vector>

namespace hwnas {

/// Reads a config file into CLI11's items (parents = the command path).
/// Throws hwnas::Error for a top level that is not a mapping, nesting deeper
/// than any command path or more items than any command has, and
/// YAML::Exception for text that is not YAML.
std::vector<CLI::ConfigItem> parse_config_yaml(std::istream& in);

/// CLI11's config formatter for the form above.
class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool, bool, std::string) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override { return parse_config_yaml(in); }
};

}  // namespace hwnas
