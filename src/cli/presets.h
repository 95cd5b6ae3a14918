// Presets: YAML files of option values (presets/*.yaml, compiled into the
// binary, which also runs on devices without the repository). A preset
// fills every option the user did not set, through the same CLI11 options
// as the command line and --config, so config.yaml lists what it chose.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hwnas {

/// The built-in presets: name and YAML text (generated from presets/*.yaml).
const std::vector<std::pair<std::string, std::string>>& builtin_presets();

/// The YAML text of preset `name`: a built-in one, or the file `name` when
/// it ends in .yaml or .yml. Throws hwnas::Error naming the known presets.
std::string preset_text(const std::string& name);

/// Fills each option of `cmd` that the command line, --config and the
/// environment left unset from preset `name`: its `methods: <method>:`
/// section first, then its top level, then the preset it `extends`. Throws
/// hwnas::Error for an unknown preset or a key that is no option of `cmd`.
void apply_preset(CLI::App* cmd, const std::string& name, const std::string& method);

}  // namespace hwnas
