// hwnas run: the whole HSCoNAS pipeline in one command and one run directory.
#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/presets.h"
#include "core/error.h"
#include "core/strings.h"
#include "latency/target.h"
#include "run/front.h"
#include "run/pipeline.h"
#include "search/objective.h"

namespace hwnas {
namespace {

struct Args {
  PipelineOptions p;
  std::string preset = "default";
  std::string latency;
  std::string min_time;
  std::string statistic;
  std::string profile_warmup;
  bool fold = false;
};

/// LightNAS / SurgeNAS: the differentiable search (train/diff_search.h).
void add_diff_search_options(CLI::App* cmd, PipelineOptions* p) {
  DiffSearchOptions& d = p->diff;
  cmd->add_option("--search-epochs", d.epochs, "lightnas/surgenas: search epochs");
  cmd->add_option("--search-freeze-epochs", d.freeze_epochs, "lightnas/surgenas: first epochs train the weights only");
  cmd->add_option("--search-batch-size", d.batch_size, "lightnas/surgenas: images per step");
  cmd->add_option("--search-limit", d.limit, "lightnas/surgenas: search-train images per epoch (0 = all)");
  cmd->add_option("--search-lr", d.lr, "lightnas/surgenas: weights' SGD learning rate, cosine to 0");
  cmd->add_option("--alpha-lr", d.alpha_lr, "lightnas/surgenas: Adam learning rate of the architecture logits");
  cmd->add_option("--paths", d.paths, "lightnas/surgenas: ordered paths per weight step (0 = one per op)");
  cmd->add_option("--phi", d.phi, "lightnas/surgenas: identity-mapping regulariser at the start, linear to 0 (0 = off)");
  cmd->add_option("--phi-until", d.phi_until, "lightnas/surgenas: share of the search over which phi falls to 0");
  cmd->add_option("--tau", d.tau, "lightnas/surgenas: Gumbel temperature when the logits start to learn");
  cmd->add_option("--tau-decay", d.tau_decay, "lightnas: temperature tau * exp(-decay * progress) (the code's: 8)");
  cmd->add_option("--alpha-halve-every", d.alpha_halve_every,
                  "lightnas/surgenas: epochs between halvings of alpha's rate (-1: the code's 20 of 90, 0: never)");
  cmd->add_option("--settle-epochs", d.settle_epochs,
                  "lightnas: last epochs in which alpha's rate shrinks to |LAT/T - 1| inside the window (-1: 10 of 90)");
  cmd->add_option("--settle-window", d.settle_window, "lightnas: that window, as a share of T (the code's: 0.006)");
  cmd->add_option("--tau-end", d.tau_end, "surgenas: temperature at the last epoch (linear decay)");
  cmd->add_option("--lambda-lr", d.lambda_lr, "lightnas: learning rate of lambda's gradient ascent");
  cmd->add_option("--beta", d.beta, "surgenas: fixed weight of the predicted latency (per ms) in the loss");
  cmd->add_option("--diff-latency", p->diff_latency, "lightnas/surgenas: latency model the search differentiates: "
                  "lut+bias, mlp[:k=v,...] or gnn[:k=v,...] (fitted on archs measured on the target)")->capture_default_str();
  cmd->add_option("--predictor-archs", p->predictor_archs, "lightnas/surgenas: archs measured to fit mlp / gnn")
      ->capture_default_str();
  cmd->add_option("--predictor-test-archs", p->predictor_test_archs,
                  "lightnas/surgenas: further archs measured to score mlp / gnn against lut+bias")->capture_default_str();
  cmd->add_option("--width-search", p->width_search,
                  "lightnas stage 2: strategy searching the LightNet's width per layer, e.g. "
                  "evolution:G=4,P=12,K=6,pc=0.5,pm=0.5,init=0.97,near=0.97 (empty = stage 2 off)");
  cmd->add_option("--width-proxy", p->width_proxy,
                  "lightnas stage 2: training proxy, bte|tse[:epochs=E,images=N,batch=B,lr=R]")->capture_default_str();
  cmd->add_option("--width-factors", p->width_factors, "lightnas stage 2: width factors a layer may take")
      ->capture_default_str();
}

/// Domino: the pairs its accuracy predictor learns from.
void add_domino_options(CLI::App* cmd, PipelineOptions* p) {
  cmd->add_option("--proxy-pairs", p->proxy_pairs, "domino: graft masks trained briefly (--proxy-*) to meta-train on")
      ->capture_default_str();
  add_train_options(cmd, &p->proxy_train, "proxy-");
  cmd->add_option("--real-pairs", p->real_pairs, "domino: graft masks trained like the finals to adapt the predictor")
      ->capture_default_str();
  cmd->add_option("--test-pairs", p->test_pairs,
                  "domino: more masks trained like the finals to score the predictor (0 = not scored)")
      ->capture_default_str();
  cmd->add_option("--graft-widen", p->graft_widen,
                  "domino: also retrain the pick with its grafted blocks N times wider inside (Domino-Pro: the same "
                  "folded cost); 1 = off")
      ->capture_default_str();
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "The whole pipeline: profile the target, train the supernet, shrink, search under the latency "
             "budget, retrain, measure, report");
  auto* a = new Args();
  PipelineOptions& p = a->p;
  add_common_options(cmd, &p.common);
  cmd->add_option("--method", p.method, "hsconas (Algorithm 1 after progressive shrinking) | hurricane (operator "
                                        "scoring, coordinate ascent) | hw-evrsnas (RMI proxy, penalty, GA) | "
                                        "lightnas (differentiable, lambda learned to hit T) | surgenas (one-level, beta) | "
                                        "domino (graft masks, MAML accuracy predictor, folded)")
      ->capture_default_str();
  cmd->add_option("--iterations", p.ascent.iterations, "hurricane: coordinate-ascent iterations I")
      ->capture_default_str();
  cmd->add_option("--split", p.ascent.split, "hurricane: layers 1..t form the earlier group")->capture_default_str();
  cmd->add_option("--latency-table", p.latency_table,
                  "hw-evrsnas: latency (ms) of every arch on the device, FILE:COLUMN (data/nb201/latency.csv:raspi4_ms)");
  cmd->add_option("--reference-arch", p.rmi.reference_arch,
                  "hw-evrsnas: the reference model's arch, or 'largest' (nor_conv_3x3 on every edge)")
      ->capture_default_str();
  cmd->add_option("--rmi-steps", p.rmi.rmi.steps, "hw-evrsnas: SGD steps on the single batch per candidate");
  cmd->add_option("--rmi-batch-size", p.rmi.batch_size, "hw-evrsnas: images in the single RMI batch");
  add_train_options(cmd, &p.rmi.reference_train, "ref-");
  add_diff_search_options(cmd, &p);
  add_domino_options(cmd, &p);
  cmd->add_option("--preset", a->preset,
                  "Fills every option not given: default (< 20 min on 2 cores), long (finals 10 epochs x 3 seeds), "
                  "paper (HSCoNAS's settings), smoke (seconds), or FILE.yaml (presets/ holds the built-in ones)")
      ->capture_default_str();
  cmd->add_option("--latency", a->latency,
                  "Latency budget T with units (3ms, 800us), or a multiple of the space's median predicted latency "
                  "(0.9x); default: the median");
  cmd->add_option("--budgets", p.budgets,
                  "Several budgets, e.g. 1.5ms,2ms,2.5ms or 0.8x,1x,1.2x: one search per budget (each in "
                  "RUN_DIR/T<budget>, reusing the first's table, supernet and baselines), then the picks against "
                  "the baselines as a front (front.md)")
      ->delimiter(',');
  cmd->add_option("--target", p.target, "local[:threads=N,batch=B,clock=wall|cpu,fold=1] | opencv[:threads=N,batch=B] | remote://HOST:PORT[?runtime=opencv] | table:FILE")
      ->capture_default_str();
  cmd->add_flag("--fold", a->fold,
                "Time ops and networks with BatchNorm folded into the convolutions, as deployed (the target's fold=1)");
  cmd->add_option("--token", p.token, "Token of a remote agent")->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--objective", p.objective, "hsconas[:beta=B] (Eq. 2) | hard | penalty")->capture_default_str();
  cmd->add_option("--strategy", p.strategy, "Search strategy (preset: evolution, Algorithm 1)");
  cmd->add_option("--bias-archs", p.bias_archs, "M archs measured end to end to fit B (Eq. 4)");
  cmd->add_option("--repetitions", p.profile.repetitions, "Timed repetitions per measurement");
  cmd->add_option("--min-time", a->min_time, "Minimum time of one timed repetition, e.g. 2ms");
  cmd->add_option("--statistic", a->statistic, "Summary of the repetitions that latencies use: min or median");
  cmd->add_option("--profile-warmup", a->profile_warmup, "Untimed run before each timing, e.g. 20ms");
  add_train_options(cmd, &p.supernet);
  cmd->add_option("--finetune-epochs", p.finetune1.epochs, "Supernet fine-tuning epochs after each shrinking stage");
  cmd->add_option("--finetune-lr1", p.finetune1.lr, "Fine-tuning learning rate after stage 1");
  cmd->add_option("--finetune-lr2", p.finetune2.lr, "Fine-tuning learning rate after stage 2");
  cmd->add_option("--finetune-limit", p.finetune1.limit, "Fine-tune on the first N images only (0 = all)");
  cmd->add_option("--shrink-samples", p.shrink_samples, "N archs per subspace for its quality Q (Definition 1)");
  add_switch(cmd, "--shrink,!--no-shrink", &p.shrink, "Progressive space shrinking (--no-shrink skips it)");
  cmd->add_option("--bn-images", p.eval.bn_images, "Search-train images for BN recalibration per candidate");
  cmd->add_option("--valid-images", p.eval.valid_images, "Search-valid images per candidate (0 = all)");
  cmd->add_option("--calibrate", p.calibrate,
                  "Calibrate the supernet's accuracy with N short stand-alone trainings of archs near the budget, "
                  "trained as --calibrate-* sets (0 = off)");
  add_train_options(cmd, &p.calibrate_train, "calibrate-");
  cmd->add_option("--latency-check", p.latency_check,
                  "Time the search's best N archs on the target and pick by measured latency; when the model is "
                  "off on them by over 2.5% of T, refit B on them and search again (0 = off)");
  cmd->add_option("--latency-rounds", p.latency_rounds, "Searches at most, with --latency-check")->capture_default_str();
  add_switch(cmd, "--widen,!--no-widen", &p.widen,
                "Raise the widths of the search's pick (or of each re-ranking candidate) while it stays within T "
                "(default preset: on)");
  cmd->add_option("--rerank", p.rerank,
                  "Re-rank the search's best N archs by a short stand-alone training (0 = take the search's pick)");
  cmd->add_option("--rerank-apart", p.rerank_apart, "Operators each re-ranking candidate differs from the others in")
      ->capture_default_str();
  cmd->add_option("--rerank-random", p.rerank_random,
                  "Re-ranking candidates drawn uniformly among the archs predicted within [0.90 T, 0.95 T] and "
                  "widened to T (with --widen; else [0.95 T, T]), beside the search's (0 = none)")
      ->capture_default_str();
  add_train_options(cmd, &p.rerank_train, "rerank-");
  add_train_options(cmd, &p.retrain, "retrain-");
  cmd->add_option("--baseline-widths", p.baseline_widths, "Width factors of the uniform ShuffleNetV2 baselines")
      ->delimiter(',');
  cmd->add_option("--mbv2-widths", p.mbv2_widths, "Width factors (of the expansion) of the MobileNetV2 baselines")
      ->delimiter(',');
  cmd->add_option("--retrain-seeds", p.retrain_seeds,
                  "Retrain every final network N times (seeds --seed .. --seed+N-1); the report gives the mean and sd")
      ->capture_default_str();
  cmd->add_option("--random-baseline", p.random_baseline,
                  "Also retrain and measure N archs drawn at random among those predicted within [0.95 T, T] "
                  "(and timed within [0.95 T, 0.98 T], with --latency-check): is the pick better than chance?");
  cmd->add_option("--export-images", p.export_images,
                  "Export every final network as ONNX (<name>.onnx), check it on OpenCV DNN against LibTorch on N test "
                  "images and time it on the other runtime; 0 = no export")
      ->capture_default_str();
  cmd->add_option("--reuse", p.reuse,
                  "Start from another run directory's latency table, supernet and baselines (a second budget T "
                  "without training the supernet again)");
  cmd->add_flag("--resume", p.resume, "Continue an interrupted run in --run-dir");
  cmd->callback([a, cmd] {
    PipelineOptions& p = a->p;
    apply_preset(cmd, a->preset, p.method);
    if (!a->latency.empty()) {
      HWNAS_CHECK(p.budgets.empty(), "--latency and --budgets: give one budget or several, not both");
      const Budget b = parse_budget(a->latency);
      p.latency_ms = b.ms;
      p.latency_of_median = b.of_median;
    }
    for (const std::string& t : p.budgets) parse_budget(t);  // a bad budget fails before any work
    if (!a->min_time.empty()) p.profile.min_time_ms = parse_duration_ms(a->min_time);
    if (!a->statistic.empty()) p.profile.statistic = parse_statistic(a->statistic);
    if (!a->profile_warmup.empty()) p.profile.warmup_ms = parse_duration_ms(a->profile_warmup);
    // Domino's grafted blocks pay only folded: its targets always fold.
    if (a->fold || p.method == "domino") p.target = target_with_fold(p.target);
    finish_options(&p);
    const std::vector<std::string> methods = method_names();
    HWNAS_CHECK(std::find(methods.begin(), methods.end(), p.method) != methods.end(), "unknown method '", p.method,
                "' (", join(methods, ", "), ")");
    make_objective_for_budget(p.objective, 1.0);  // a bad --objective fails before any work
    if (p.method == "lightnas" || p.method == "surgenas") check_diff_options(p);
    HWNAS_CHECK(p.rerank >= 0, "--rerank must be 0 or more (got ", p.rerank, ")");
    HWNAS_CHECK(p.rerank_random >= 0 && p.rerank_random <= 100, "--rerank-random must be in 0..100 (got ",
                p.rerank_random, ")");
    HWNAS_CHECK(p.calibrate == 0 || p.calibrate >= 4, "--calibrate needs 0 (off) or at least 4 archs (got ",
                p.calibrate, ")");
    HWNAS_CHECK(p.latency_check >= 0 && p.latency_check <= 100, "--latency-check must be in 0..100 (got ",
                p.latency_check, ")");
    HWNAS_CHECK(p.latency_rounds >= 1 && p.latency_rounds <= 10, "--latency-rounds must be in 1..10 (got ",
                p.latency_rounds, ")");
    HWNAS_CHECK(p.random_baseline >= 0 && p.random_baseline <= 100, "--random-baseline must be in 0..100 (got ",
                p.random_baseline, ")");
    HWNAS_CHECK(p.export_images >= 0, "--export-images must be >= 0 (got ", p.export_images, ")");
    HWNAS_CHECK(p.retrain_seeds >= 1, "--retrain-seeds must be at least 1 (got ", p.retrain_seeds, ")");
    if (p.method == "domino") {
      HWNAS_CHECK(p.proxy_pairs >= 20, "--proxy-pairs must be at least 20 (MAML tasks of 10 + 10), got ", p.proxy_pairs);
      HWNAS_CHECK(p.real_pairs >= 2, "--real-pairs must be at least 2, got ", p.real_pairs);
      HWNAS_CHECK(p.test_pairs == 0 || p.test_pairs >= 2, "--test-pairs must be 0 or at least 2, got ", p.test_pairs);
      HWNAS_CHECK(p.graft_widen >= 1 && p.graft_widen <= 8, "--graft-widen must be in 1..8, got ", p.graft_widen);
      p.proxy_train.validate();
    }
    {
      RunDir run(p.common.run_dir);
      run.write("config.yaml", resolved_config_yaml(*cmd));
    }
    run_pipeline(p);
  });
}

}  // namespace
HWNAS_COMMAND(5, setup);
}  // namespace hwnas
