// The HSCoNAS pipeline, `hwnas run`: profile the target, fit LUT + bias,
// train the supernet, shrink the space progressively, search under the
// latency budget T, retrain the best arch from scratch, measure it on the
// target, and report - in one resumable run directory.
#pragma once

#include <string>
#include <vector>

#include "eval/accuracy.h"
#include "latency/profiler.h"
#include "search/coordinate_ascent.h"
#include "search/op_scoring.h"
#include "run/context.h"
#include "run/hw_evrsnas.h"
#include "train/diff_search.h"
#include "train/trainer.h"

namespace hwnas {

struct PipelineOptions {
  std::string method = "hsconas";  ///< the method: a list of stages (method_names())
  CommonOptions common;
  std::string target = "local:threads=1,batch=1";  ///< where latency is measured
  std::string token;                               ///< remote agent token
  double latency_ms = 0;       ///< budget T; 0 = latency_of_median x the median predicted latency of the space
  double latency_of_median = 1;
  /// Several budgets (run/front.h: "1.5ms", "0.9x"): the method runs once
  /// per budget, and the front stage compares the picks with the baselines.
  std::vector<std::string> budgets;
  std::string objective = "hsconas";  ///< HSCoNAS Eq. 2 (beta default in objective.h)
  // Hardware model
  ProfileOptions profile;
  int bias_archs = 20;         ///< M archs measured end to end for B (Eq. 4)
  // Supernet and shrinking (HSCoNAS IV-A: 100 epochs, then 15 + 15 fine-tune)
  TrainOptions supernet;
  TrainOptions finetune1, finetune2;
  bool shrink = true;
  int shrink_samples = 100;    ///< N of Definition 1
  std::vector<int> shrink_stage1 = {19, 18, 17, 16};  ///< 0-based: layers 20..17
  std::vector<int> shrink_stage2 = {15, 14, 13, 12};  ///< layers 16..13
  SupernetEvalOptions eval;
  // Search (Algorithm 1)
  std::string strategy = "evolution:G=20,K=20,P=50,pc=0.25,pm=0.25";
  // HURRICANE (--method hurricane): operator scoring, then coordinate ascent
  // whose per-iteration search is `strategy`.
  OpScoringOptions scoring;
  CoordinateAscentOptions ascent;
  // HW-EvRSNAS (--method hw-evrsnas): the reference and the RMI proxy, and
  // the device's latency of every arch as FILE:COLUMN.
  HwEvrsnasOptions rmi;
  std::string latency_table;
  // LightNAS / SurgeNAS (--method lightnas|surgenas): the differentiable
  // search (its method field follows --method), and the latency model it
  // differentiates: lut+bias (linear in the one-hot), or mlp / gnn trained
  // on `predictor_archs` archs measured end to end.
  DiffSearchOptions diff;
  std::string diff_latency = "lut+bias";
  int predictor_archs = 1000;
  int predictor_test_archs = 200;  ///< held-out archs the learned model is scored on
  // LightNAS stage 2 (thesis section 4.2, Alg. 2): the LightNet's width per
  // layer among `width_factors`, searched by `width_search` (a strategy;
  // empty = stage 2 off) on the training proxy `width_proxy`
  // (eval/training_proxy.h), under a table of the LightNet's ops at every
  // width profiled on the target.
  std::string width_search;
  std::string width_proxy = "bte:epochs=3,images=1024,batch=64,lr=0.1";
  std::vector<double> width_factors = {0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0};
  // Domino (--method domino, thesis chapter 5): the accuracy predictor is
  // meta-trained (MAML) on `proxy_pairs` graft masks trained with
  // `proxy_train`, adapted with `real_pairs` trained like the finals (both
  // on search-train, scored on search-valid); `test_pairs` more real ones
  // score it against an MLP fitted on the real pairs alone (0 = not scored).
  int proxy_pairs = 60;
  TrainOptions proxy_train;
  int real_pairs = 10;
  int test_pairs = 0;
  /// Domino-Pro (thesis Fig. 5.17): the pick is also retrained with its
  /// grafted blocks this many times wider inside (the domino space's
  /// graft_expand), which fold to the same conv; 1 = off.
  int graft_widen = 1;
  /// Calibration (not in HSCoNAS): this many archs near the budget trained
  /// stand-alone (calibrate_train; the presets train them like re-ranking
  /// candidates) and scored on search-valid; the search then sees the
  /// supernet's accuracy through a ridge fit on them (search/calibration.h).
  /// 0 = the supernet's as it is.
  int calibrate = 0;
  TrainOptions calibrate_train;
  /// Latency check (not in HSCoNAS): the search's best `latency_check`
  /// candidates are timed on the target and the one that scores best with
  /// its measured latency is the pick. When the model is off on them (their
  /// median gap, Eq. 4's B, differs from the model's B by over 2.5% of T), B
  /// is refitted on them, near the solution rather than on uniform samples,
  /// and the search runs again: at most `latency_rounds` searches in all.
  /// 0 = trust the latency model.
  int latency_check = 0;
  int latency_rounds = 2;
  /// Widening (HSCoNAS's channel scaling, section III-B, after the search):
  /// the search's pick, or each re-ranking candidate, gets its widths raised
  /// while the search's latency model keeps it within T (search/widen.h).
  /// With the latency check, a widened arch is timed, and one that misses T
  /// by over 2.5% is widened again from the original with B refitted on it.
  bool widen = false;
  // Re-ranking (not in HSCoNAS): the search's best `rerank` candidates, at
  // least `rerank_apart` operators from each other, and `rerank_random` archs
  // drawn uniformly among those predicted within [0.90 T, 0.95 T] (widened
  // to T after; [0.95 T, T] without widening), trained
  // stand-alone on search-train and scored on search-valid; the objective
  // picks among them.
  int rerank = 0;              ///< the search's candidates; 0 or 1 = its pick alone
  int rerank_apart = 3;
  /// Uniform candidates beside the search's: at the default's training scale
  /// the supernet ranks no better than chance near T, and a short
  /// stand-alone training ranks better (docs/benchmarks/pipeline.md).
  int rerank_random = 0;
  TrainOptions rerank_train;
  // Retraining and baselines
  TrainOptions retrain;
  int retrain_seeds = 1;       ///< trainings per final network (seeds seed..seed+N-1)
  /// Archs drawn uniformly among those predicted within [0.95 T, T],
  /// retrained and measured exactly like the pick (0 = none).
  int random_baseline = 0;
  std::vector<double> baseline_widths = {0.5, 1.0};  ///< uniform-width ShuffleNetV2 baselines
  /// MobileNetV2 baselines (width scales the expansion; x1 = expansion 6, far
  /// slower than the space's nets, so the defaults are narrow).
  std::vector<double> mbv2_widths = {0.1, 0.2};
  /// Test images on which each exported ONNX model is checked against
  /// LibTorch (run/export_stage.h); 0 = no export stage.
  int export_images = 1000;
  bool resume = false;
  /// Another run directory whose latency table, supernet and baselines this
  /// run starts from (same space, data, target and training settings: each
  /// stage's settings check refuses a mismatch), so a second budget costs
  /// only shrinking, search and retraining of the searched net. Any method.
  std::string reuse;
};

/// The settings that follow from others once the options are resolved
/// (the presets in presets/*.yaml fill the options themselves): both
/// fine-tuning stages train like --finetune-* with the supernet's batch size.
void finish_options(PipelineOptions* o);

/// Refuses bad LightNAS / SurgeNAS options before any work (hwnas::Error).
void check_diff_options(const PipelineOptions& o);

/// Runs (or resumes) method o.method; prints progress to stderr and the
/// summary to stdout; writes everything under o.common.run_dir.
void run_pipeline(const PipelineOptions& o);
/// The methods run_pipeline knows.
std::vector<std::string> method_names();
/// HSCoNAS as stages (run/hsconas.cpp).
void run_hsconas(const PipelineOptions& o);
/// HURRICANE as stages (run/hurricane_method.cpp).
void run_hurricane_method(const PipelineOptions& o);
/// HW-EvRSNAS as stages (run/hw_evrsnas_method.cpp).
void run_hw_evrsnas_method(const PipelineOptions& o);
/// LightNAS and SurgeNAS as stages (run/diff_method.cpp).
void run_diff_method(const PipelineOptions& o);
/// Domino as stages (run/domino_method.cpp).
void run_domino_method(const PipelineOptions& o);

}  // namespace hwnas
