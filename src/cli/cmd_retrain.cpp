// hwnas retrain: trains one arch stand-alone from scratch on the full
// training set and reports its test accuracy.
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "run/supernet_stage.h"

namespace hwnas {
namespace {

struct Args {
  CommonOptions common;
  TrainOptions train;
  std::string arch = "largest";
  std::string name = "final";
  bool resume = false;
};

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("retrain", "Train one arch from scratch and test it");
  auto* a = new Args();
  a->train.epochs = 10;
  a->train.lr = 0.1;
  a->train.weight_decay = 4e-5;
  add_common_options(cmd, &a->common);
  add_train_options(cmd, &a->train);
  cmd->add_option("--arch", a->arch, "Arch text (see hwnas spaces), or 'largest'")->capture_default_str();
  cmd->add_option("--name", a->name, "Artifact name in the run directory (NAME.pt, NAME.json)")
      ->capture_default_str();
  cmd->add_flag("--resume", a->resume, "Continue an interrupted training");
  cmd->callback([a, cmd] {
    a->train.seed = a->common.exec.seed;
    auto ws = open_workspace(a->common);
    const Arch arch = a->arch == "largest" ? ws->space->largest() : ws->space->parse(a->arch);
    ws->run->write(a->name + ".config.yaml", resolved_config_yaml(*cmd));
    const RetrainResult r = retrain_stage(*ws, arch, a->train, a->name, a->resume);
    if (!r.stats.finished) return;
    std::printf("arch %s\n", ws->space->format(arch).c_str());
    std::printf("test accuracy %.2f%% after %d epochs (%.1f min, %lld parameters)\n", r.accuracy,
                a->train.epochs, r.stats.seconds / 60, static_cast<long long>(r.parameters));
  });
}

}  // namespace
HWNAS_COMMAND(40, setup);
}  // namespace hwnas
