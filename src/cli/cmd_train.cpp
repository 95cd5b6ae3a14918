// hwnas train: trains the weight-sharing supernet (SPOS / HSCoNAS single-path
// sampling with dynamic channel scaling) into a run directory; resumable.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/io.h"
#include "nn/network.h"
#include "run/supernet_stage.h"

namespace hwnas {
namespace {

struct Args {
  CommonOptions common;
  TrainOptions train;
  bool resume = false;
};

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train the weight-sharing supernet of a space");
  auto* a = new Args();
  a->train.epochs = 5;
  a->train.lr = 0.25;
  add_common_options(cmd, &a->common);
  add_train_options(cmd, &a->train);
  cmd->add_flag("--resume", a->resume, "Continue an interrupted training in --run-dir");
  cmd->callback([a, cmd] {
    a->train.seed = a->common.exec.seed;
    auto ws = open_workspace(a->common);
    ws->run->write("config.yaml", resolved_config_yaml(*cmd));
    const SupernetResult r = train_supernet_stage(*ws, a->train, "supernet", a->resume);
    std::printf("supernet trained: %lld steps, %.1f min this call, %.0f images/s, last-epoch loss %.3f, "
                "train acc %.1f%% (single sampled paths)\n",
                static_cast<long long>(r.stats.steps), r.stats.seconds / 60, r.stats.images_per_s(),
                r.stats.last_loss, r.stats.last_accuracy);
    std::printf("weights: %s\n", ws->run->file("supernet.pt").c_str());
  });
}

}  // namespace
HWNAS_COMMAND(20, setup);
}  // namespace hwnas
