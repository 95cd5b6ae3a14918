// hwnas eval: accuracy of archs with weights inherited from the trained
// supernet (BN recalibrated on search-train, scored on search-valid) and,
// optionally, how well that ranks the same archs trained stand-alone.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/predictors/metrics.h"
#include "eval/accuracy.h"
#include "run/supernet_stage.h"

namespace hwnas {
namespace {

struct Args {
  CommonOptions common;
  std::vector<std::string> archs;
  int random = 0;
  std::string weights = "supernet.pt";
  SupernetEvalOptions eval;
  TrainOptions standalone;
  bool compare = false;
};

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate archs with inherited supernet weights");
  auto* a = new Args();
  a->standalone.epochs = 2;
  a->standalone.lr = 0.1;
  add_common_options(cmd, &a->common);
  cmd->add_option("--arch", a->archs, "Arch text (repeatable)");
  cmd->add_option("--random", a->random, "Also evaluate N uniformly sampled archs")->capture_default_str();
  cmd->add_option("--weights", a->weights, "Supernet weights in the run directory")->capture_default_str();
  cmd->add_option("--bn-images", a->eval.bn_images, "Search-train images for BN recalibration")
      ->capture_default_str();
  cmd->add_option("--valid-images", a->eval.valid_images, "Search-valid images to score on (0 = all)")
      ->capture_default_str();
  cmd->add_flag("--standalone", a->compare,
                "Also train each arch stand-alone and report the rank correlation (Kendall tau)");
  add_train_options(cmd, &a->standalone, "standalone-");
  cmd->callback([a, cmd] {
    a->standalone.seed = a->common.exec.seed;
    auto ws = open_workspace(a->common);
    std::vector<Arch> archs;
    for (const std::string& t : a->archs) archs.push_back(ws->space->parse(t));
    Rng rng = derive_rng(a->common.exec.seed, Stage::kEval);
    for (int i = 0; i < a->random; ++i) archs.push_back(ws->space->sample(rng));
    HWNAS_CHECK(!archs.empty(), "nothing to evaluate: give --arch or --random N");
    std::shared_ptr<NetworkImpl> super = make_supernet(*ws->space);
    super->to(ws->device);
    load_module(*super, ws->run->file(a->weights));
    SupernetEvaluator ev(super, *ws->space, ws->split.search_train, ws->split.search_valid, ws->norm,
                         a->eval);
    std::vector<double> inherited, standalone;
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < archs.size(); ++i) {
      const double acc = ev.accuracy(archs[i]);
      inherited.push_back(acc);
      nlohmann::json row{{"arch", ws->space->format(archs[i])}, {"inherited_valid_accuracy", acc}};
      std::fprintf(stderr, "\r[%zu/%zu] inherited %.2f%%   ", i + 1, archs.size(), acc);
      if (a->compare) {
        const RetrainResult r = retrain_stage(*ws, archs[i], a->standalone, "standalone_" + std::to_string(i),
                                              false, true);
        standalone.push_back(r.accuracy);
        row["standalone_test_accuracy"] = r.accuracy;
        std::fprintf(stderr, "stand-alone %.2f%%", r.accuracy);
      }
      rows.push_back(row);
    }
    std::fprintf(stderr, "\n");
    std::printf("%-4s %9s %s  %s\n", "#", "inherited", a->compare ? "standalone" : "", "arch");
    for (size_t i = 0; i < archs.size(); ++i)
      std::printf("%-4zu %8.2f%% %s  %s\n", i + 1, inherited[i],
                  a->compare ? str_cat(standalone[i], "%").c_str() : "",
                  ws->space->format(archs[i]).c_str());
    const auto [mn, mx] = std::minmax_element(inherited.begin(), inherited.end());
    double mean = 0;
    for (double v : inherited) mean += v / inherited.size();
    std::printf("inherited-weight search-valid accuracy over %zu archs: mean %.2f%%, min %.2f%%, max %.2f%%\n",
                archs.size(), mean, *mn, *mx);
    nlohmann::json out{{"archs", rows}, {"mean", mean}, {"min", *mn}, {"max", *mx},
                       {"evaluator", ev.describe()}};
    if (a->compare && archs.size() >= 2) {
      const double tau = kendall_tau_b(inherited, standalone);
      std::printf("Kendall tau (inherited vs stand-alone %d-epoch test accuracy): %.3f\n",
                  a->standalone.epochs, tau);
      out["kendall_tau"] = tau;
    }
    ws->run->write("eval.json", out.dump(2));
  });
}

}  // namespace
HWNAS_COMMAND(30, setup);
}  // namespace hwnas
