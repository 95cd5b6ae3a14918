// Subcommand registry: each cmd_<name>.cpp registers itself with
// HWNAS_COMMAND, so adding a command touches one file.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace hwnas {

/// Adds one subcommand (options + callback) to the app.
using CommandSetup = void (*)(CLI::App& app);

struct CommandEntry {
  int order;  ///< position in --help
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(int order, CommandSetup setup) { command_registry().push_back({order, setup}); }
};

/// The command line this process was started with (argv), for commands
/// that re-run themselves.
std::vector<std::string>& program_args();

/// The YAML text of every option of `cmd` with its resolved value (flags,
/// config file, preset or default) under the command's name, written to
/// each run directory as config.yaml; --config reads it back to the same
/// settings. The agent token is left out.
std::string resolved_config_yaml(const CLI::App& cmd);

}  // namespace hwnas

#define HWNAS_COMMAND_CAT2(a, b) a##b
#define HWNAS_COMMAND_CAT(a, b) HWNAS_COMMAND_CAT2(a, b)
#define HWNAS_COMMAND(order, fn) \
  static ::hwnas::CommandRegistrar HWNAS_COMMAND_CAT(hwnas_cmd_, __LINE__)(order, fn)
