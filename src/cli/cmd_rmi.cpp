// hwnas rmi: HW-EvRSNAS (RMI proxy against a reference model, penalty
// objective, GA) on a trainable space (nb201).
//   rmi reference  trains the reference model (default: the space's largest
//                  arch, nor_conv_3x3 everywhere) into the run directory
//   rmi score      RMI of given or random archs; with --standalone-epochs also
//                  trains each from scratch and reports Kendall's tau-b
//                  between RMI and stand-alone accuracy
//   rmi search     GA + penalty objective (Eq. 4, 5) + a tabular latency model
// score and search train the reference first when the run directory has none.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/spaces/nb201.h"
#include "core/strings.h"
#include "core/tables.h"
#include "eval/rmi.h"
#include "run/run_dir.h"
#include "run/hw_evrsnas.h"
#include "run/supernet_stage.h"
#include "search/objective.h"
#include "search/strategy.h"

namespace hwnas {
namespace {

using nlohmann::json;

/// Options of every rmi subcommand: data, space, the reference and the proxy.
struct RmiArgs : HwEvrsnasOptions {
  CommonOptions common;
  bool resume = false;
};

void add_rmi_args(CLI::App* cmd, RmiArgs* a) {
  a->common.space = "nb201:C=8,N=1,in_channels=1,in_size=28";
  a->common.run_dir = "runs/rmi";
  add_common_options(cmd, &a->common);
  cmd->add_option("--reference-arch", a->reference_arch,
                  "Reference model arch text, or 'largest' (nor_conv_3x3 on every edge)")
      ->capture_default_str();
  add_train_options(cmd, &a->reference_train, "ref-");
  cmd->add_flag("--resume", a->resume, "Continue an interrupted reference training");
  cmd->add_option("--beta", a->rmi.beta, "HW-EvRSNAS Eq. 3 weight of the RMI loss term")
      ->capture_default_str();
  cmd->add_option("--rmi-steps", a->rmi.steps,
                  "N_train: SGD steps on the single batch per candidate (paper: 100)")
      ->capture_default_str();
  cmd->add_option("--rmi-lr", a->rmi.lr, "Candidate learning rate")->capture_default_str();
  cmd->add_option("--rmi-weight-decay", a->rmi.weight_decay, "Candidate weight decay")
      ->capture_default_str();
  cmd->add_option("--rmi-batch-size", a->batch_size, "Images in the single RMI batch")
      ->capture_default_str();
}

void finish_args(RmiArgs* a) {
  a->reference_train.seed = a->common.exec.seed;
  a->rmi.seed = a->common.exec.seed;
  HWNAS_CHECK(a->batch_size >= 2, "--rmi-batch-size must be >= 2, got ", a->batch_size);
}

// ------------------------------------------------------------- reference

void setup_reference(CLI::App* rmi) {
  auto* cmd = rmi->add_subcommand("reference", "Train the reference model (or report the one there)");
  auto* a = new RmiArgs();
  add_rmi_args(cmd, a);
  cmd->callback([a, cmd] {
    finish_args(a);
    auto ws = open_workspace(a->common);
    ws->run->write("rmi_reference.config.yaml", resolved_config_yaml(*cmd));
    const Reference r = reference_stage(*ws, *a, a->resume, /*reuse_any=*/false);
    std::printf("reference %s\n", ws->space->format(r.arch).c_str());
    std::printf("test accuracy %.2f%% (%lld parameters); weights %s\n", r.test_accuracy,
                static_cast<long long>(count_parameters(*r.net)),
                ws->run->file(std::string(kReferenceName) + ".pt").c_str());
  });
}

// ----------------------------------------------------------------- score

struct ScoreArgs {
  RmiArgs rmi;
  std::vector<std::string> archs;
  int random = 0;
  ScoreOptions score;
  std::string accuracy_table;  ///< FILE:COLUMN to rank against as well
};

void setup_score(CLI::App* rmi) {
  auto* cmd = rmi->add_subcommand(
      "score", "RMI of archs; with --standalone-epochs, Kendall tau vs stand-alone accuracy");
  auto* a = new ScoreArgs();
  add_rmi_args(cmd, &a->rmi);
  TrainOptions& st = a->score.standalone;
  st.epochs = 0;
  st.batch_size = 128;
  st.lr = 0.1;
  st.weight_decay = 5e-4;
  st.limit = 10000;
  cmd->add_option("--arch", a->archs, "Arch text to score (repeatable)");
  cmd->add_option("--random", a->random, "Score N distinct uniformly sampled archs (seeded)")
      ->capture_default_str();
  cmd->add_option("--standalone-epochs", st.epochs,
                  "Also train each arch from scratch for E epochs on search-train (0 = no)")
      ->capture_default_str();
  cmd->add_option("--standalone-limit", st.limit,
                  "Stand-alone training uses the first N search-train images (0 = all)")
      ->capture_default_str();
  cmd->add_option("--standalone-lr", st.lr, "Stand-alone learning rate (cosine to 0)")
      ->capture_default_str();
  cmd->add_option("--standalone-batch-size", st.batch_size, "Stand-alone mini-batch size")
      ->capture_default_str();
  cmd->add_option("--standalone-valid", a->score.valid_images,
                  "Search-valid images the stand-alone accuracy is measured on (0 = all)")
      ->capture_default_str();
  cmd->add_option("--accuracy-table", a->accuracy_table,
                  "Also rank against tabulated accuracies (FILE:COLUMN, e.g. "
                  "data/nb201/accuracy.csv:cifar10_valid)");
  cmd->add_option("--out", a->score.out,
                  "CSV in the run directory; rows already there (same settings) are reused")
      ->capture_default_str();
  cmd->callback([a, cmd] {
    finish_args(&a->rmi);
    HWNAS_CHECK(a->archs.empty() != (a->random == 0), "rmi score needs either --arch A (repeatable) or --random N");
    HWNAS_CHECK(a->random >= 0, "--random must be >= 0, got ", a->random);
    TrainOptions& st = a->score.standalone;
    st.seed = a->rmi.common.exec.seed;
    st.augment = false;
    if (st.epochs > 0) st.validate();
    auto ws = open_workspace(a->rmi.common);
    ws->run->write("rmi_score.config.yaml", resolved_config_yaml(*cmd));
    const Reference ref = reference_stage(*ws, a->rmi, a->rmi.resume, /*reuse_any=*/true);
    auto proxy = make_proxy(*ws, a->rmi, ref);

    const std::vector<Arch> archs = archs_to_score(*ws->space, a->archs, a->random, a->rmi.common.exec.seed);

    const std::vector<ScoreRow> rows =
        score_archs(*ws, a->rmi, ref, *proxy, archs, a->score, [&](size_t i, const ScoreRow& row) {
          std::printf("%3zu/%zu  rmi %.4f  (%.1fs)%s  %s\n", i + 1, archs.size(), row.rmi.rmi, row.rmi.seconds,
                      std::isnan(row.accuracy) ? ""
                                               : str_cat("  stand-alone acc ", format_number(row.accuracy), "% (",
                                                         format_number(row.train_seconds), "s)")
                                                     .c_str(),
                      row.arch.c_str());
          std::fflush(stdout);
        });
    const ScoreSummary sum = summarize_scores(*ws->space, rows, a->accuracy_table);
    std::printf("reference %s (test accuracy %.2f%%); proxy %s\n", ws->space->format(ref.arch).c_str(),
                ref.test_accuracy, proxy->describe().c_str());
    std::printf("RMI cost %.2f s per arch (mean over %zu)\n", sum.rmi_seconds_mean, rows.size());
    if (!std::isnan(sum.tau_standalone))
      std::printf("Kendall tau-b (RMI vs stand-alone accuracy, %d archs): %.3f\n", sum.trained, sum.tau_standalone);
    if (!std::isnan(sum.tau_table))
      std::printf("Kendall tau-b (RMI vs %s, %zu archs): %.3f\n", a->accuracy_table.c_str(), rows.size(), sum.tau_table);
    if (!std::isnan(sum.tau_table_standalone))
      std::printf("Kendall tau-b (stand-alone accuracy vs %s, %d archs): %.3f\n", a->accuracy_table.c_str(),
                  sum.trained, sum.tau_table_standalone);
    std::printf("scores: %s\n", ws->run->file(a->score.out).c_str());
  });
}

// ---------------------------------------------------------------- search

struct SearchArgs {
  RmiArgs rmi;
  std::string latency_table;
  std::string latency;  ///< budget Omega, with units
  std::string strategy = "ga:N=8,G=4";
  std::string objective = "penalty";
  int max_evals = 0;
};

void setup_search(CLI::App* rmi) {
  auto* cmd = rmi->add_subcommand("search", "HW-EvRSNAS: GA over the RMI proxy with the latency penalty");
  auto* a = new SearchArgs();
  add_rmi_args(cmd, &a->rmi);
  cmd->add_option("--latency-table", a->latency_table,
                  "Latency (ms) per arch as FILE:COLUMN, e.g. data/nb201/latency.csv:raspi4_ms")
      ->required();
  cmd->add_option("--latency", a->latency, "Latency budget Omega, e.g. 20ms")->required();
  cmd->add_option("--strategy", a->strategy, "Search strategy (HW-EvRSNAS: ga:N=20,G=100)")
      ->capture_default_str();
  cmd->add_option("--objective", a->objective,
                  "Objective; T defaults to --latency (HW-EvRSNAS: penalty, Eq. 4, 5)")
      ->capture_default_str();
  cmd->add_option("--max-evals", a->max_evals, "Cap on distinct evaluations (0 = none)")
      ->capture_default_str();
  cmd->callback([a, cmd] {
    finish_args(&a->rmi);
    const std::unique_ptr<Strategy> strategy = make_strategy(a->strategy);
    const std::unique_ptr<Objective> objective = make_objective_for_budget(a->objective, parse_duration_ms(a->latency));
    auto ws = open_workspace(a->rmi.common);
    const TableLatency latency(a->latency_table, *ws->space);
    ws->run->write("rmi_search.config.yaml", resolved_config_yaml(*cmd));
    const Reference ref = reference_stage(*ws, a->rmi, a->rmi.resume, /*reuse_any=*/true);
    auto proxy = make_proxy(*ws, a->rmi, ref);
    std::fprintf(stderr, "hwnas: %s, %s, %s, latency %s\n", strategy->describe().c_str(),
                 objective->describe().c_str(), proxy->describe().c_str(), latency.describe().c_str());

    SearchOptions so;
    so.seed = a->rmi.common.exec.seed;
    so.max_evals = a->max_evals;
    const std::string csv = ws->run->file("rmi_search.csv");
    const auto t0 = std::chrono::steady_clock::now();
    const History h = search_with_proxy(*ws->space, *proxy, latency, *strategy, *objective, so, csv);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int best = h.best_feasible_index();
    const double per_candidate = proxy->evaluations() > 0 ? proxy->seconds() / proxy->evaluations() : 0;
    json out{{"strategy", strategy->describe()},
             {"objective", objective->describe()},
             {"evaluator", proxy->describe()},
             {"latency_model", latency.describe()},
             {"reference", ws->space->format(ref.arch)},
             {"reference_test_accuracy", ref.test_accuracy},
             {"evaluations", h.size()},
             {"search_seconds", wall},
             {"rmi_seconds_per_candidate", per_candidate}};
    if (best >= 0) {
      const SearchRecord& r = h.at(best);
      out["arch"] = r.arch_text;
      out["rmi"] = r.accuracy;
      out["latency_ms"] = r.latency_ms;
      out["fitness"] = r.score;
      if (ws->space->family == "nb201") out["nb201_index"] = nb201_index(r.arch);
      std::printf("best arch %s\n", r.arch_text.c_str());
      std::printf("RMI %.4f, latency %.3f ms (budget %.3f ms), fitness %.4f\n", r.accuracy, r.latency_ms,
                  objective->target_ms(), r.score);
    } else {
      std::printf("no evaluated arch meets the budget %.3f ms\n", objective->target_ms());
    }
    std::printf("%d archs in %.1f s: %.2f s per candidate (RMI proxy)\n", h.size(), wall, per_candidate);
    ws->run->write("rmi_best.json", out.dump(2));
    std::printf("search log %s, result %s\n", csv.c_str(), ws->run->file("rmi_best.json").c_str());
  });
}

void setup(CLI::App& app) {
  auto* rmi = app.add_subcommand("rmi", "HW-EvRSNAS: RMI proxy against a reference model");
  rmi->require_subcommand(1);
  setup_reference(rmi);
  setup_score(rmi);
  setup_search(rmi);
}

}  // namespace
HWNAS_COMMAND(55, setup);
}  // namespace hwnas
