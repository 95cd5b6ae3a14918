// Option groups shared by several subcommands, declared once.
#pragma once

#include <CLI/CLI.hpp>

#include "run/context.h"
#include "train/trainer.h"

namespace hwnas {

/// --space, --dataset, --run-dir, --threads, --seed, --valid-per-class
void add_common_options(CLI::App* cmd, CommonOptions* o);

/// Training hyper-parameters under an optional prefix ("" or "retrain-").
void add_train_options(CLI::App* cmd, TrainOptions* o, const std::string& prefix = "");

}  // namespace hwnas
