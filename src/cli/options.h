// Option groups shared by several subcommands, declared once.
#pragma once

#include <CLI/CLI.hpp>

#include "run/context.h"
#include "train/trainer.h"

namespace hwnas {

/// --space, --dataset, --run-dir, --threads, --seed, --valid-per-class
void add_common_options(CLI::App* cmd, CommonOptions* o);

/// A switch with an off form ("--widen,!--no-widen") bound to `field`; its
/// default (the field's value now) is recorded, so config.yaml and --help
/// state it: a flag left unset reads back as its default.
CLI::Option* add_switch(CLI::App* cmd, const std::string& names, bool* field, const std::string& help);

/// Training hyper-parameters under an optional prefix ("" or "retrain-").
void add_train_options(CLI::App* cmd, TrainOptions* o, const std::string& prefix = "");

}  // namespace hwnas
