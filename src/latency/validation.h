// Validation of latency models against end-to-end measurements: M archs to
// fit on (B of HSCoNAS Eq. 4, the learned predictors, the FLOPs baseline)
// and N further archs, sampled uniformly and disjoint from the fit set, that
// no model saw. Every model predicts the N held-out archs and is scored with
// FitMetrics (RMSE, MAPE, max error, Kendall tau, share within 5% / 10%).
// Either set can also be spread over depth and width (spread_arch): uniform
// samples all have about 17 layers at width 0.55, where the nets a search
// under a tight budget picks have fewer, wider ones. Every arch timed now is
// timed twice (the second pass in reverse order), keeping the lower.
//
// Arch measurements are cached in the table's "archs" section, so a rerun
// (or the bias archs of `hwnas profile`, which are the first fit archs of
// the same seed) is reused instead of measured again.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/predictors/metrics.h"
#include "core/search_space.h"
#include "latency/lut.h"
#include "latency/models.h"
#include "latency/target.h"

namespace hwnas {

/// The i-th fit arch (step 1) or held-out arch (step 2) of `seed`: uniform
/// samples drawn from derive_rng(seed, Stage::kProfile, step, i).
Arch validation_arch(const SearchSpace& space, uint64_t seed, int step, int i);
/// The i-th spread arch of a step: SearchSpace::sample_shaped over a grid of
/// skip share {0, .2, .4, .6} x width centre {1/6, 1/2, 5/6} x favoured op
/// (none or each non-skip op), cycling with i. Uniform archs cluster at one
/// depth and width; a latency model fitted or scored on them alone says
/// nothing about the shallow, wide nets a search under a tight budget picks.
Arch spread_arch(const SearchSpace& space, uint64_t seed, int step, int i);
/// `n` distinct fit archs of `seed` (the bias archs of hwnas profile are the first M).
std::vector<Arch> fit_archs(const SearchSpace& space, uint64_t seed, int n);
/// `n` distinct spread fit archs of `seed`, none in `exclude` (the spread
/// archs of hwnas profile are the first K).
std::vector<Arch> spread_fit_archs(const SearchSpace& space, uint64_t seed, int n, const std::vector<Arch>& exclude);
/// `n` distinct held-out archs of `seed`, uniform or spread, none of them in `exclude`.
std::vector<Arch> held_out_archs(const SearchSpace& space, uint64_t seed, int n, const std::vector<Arch>& exclude,
                                 bool spread = false);

struct ValidationOptions {
  int fit_archs = 100;   ///< M: archs the models are fitted on
  int test_archs = 100;  ///< N: held-out archs they are scored on
  int spread_fit_archs = 0;  ///< K spread archs added to the fit set (spread_fit_archs)
  bool spread_test = false;  ///< held-out archs spread (spread_arch) instead of uniform
  uint64_t seed = 0;
  std::vector<std::string> models = {"lut+bias", "lut+scale", "lut", "flops", "linear", "lasso", "bayesian-ridge", "gp", "mlp", "gnn"};
  OneHotMode one_hot = OneHotMode::kOpWidth;
  ProfileOptions profile;  ///< for the end-to-end measurements
  bool reuse = true;       ///< take arch timings already in the table
  void validate() const;
};

/// One model's predictions and scores on the held-out archs.
struct ModelScore {
  std::string name;      ///< as asked for ("lut+bias")
  std::string describe;  ///< the fitted model ("lut+bias(B=-0.01ms)")
  std::vector<double> predicted_ms;
  FitMetrics metrics;
};

struct ValidationReport {
  std::string space;                   ///< space description
  TargetInfo target;
  Statistic statistic = Statistic::kMedian;  ///< the table's summary, used for the archs too
  MeasuredArchs fit;                   ///< fit archs and their measured ms
  std::vector<Arch> test_archs;
  std::vector<double> measured_ms;     ///< per held-out arch
  std::vector<std::string> test_text;  ///< SearchSpace::format of each held-out arch
  std::vector<ModelScore> models;
  int newly_measured = 0;              ///< archs measured in this run (not reused)
  double measure_seconds = 0;          ///< wall time spent measuring
};

/// Progress callback: (done, total, arch text, ms).
using MeasureProgress = std::function<void(int, int, const std::string&, double)>;

/// Measures (or reuses) the fit and held-out archs on `target`, storing new
/// timings in `lut` (whose target must be `target`'s), fits every model and
/// scores it. `save_path` (when non-empty) receives the table after each new
/// measurement so an interrupted run keeps its work.
ValidationReport validate_latency_models(const SearchSpace& space, Lut* lut, Target* target,
                                         const ValidationOptions& opt, const std::string& save_path,
                                         const MeasureProgress& progress);

/// CSV with one row per held-out arch: arch, measured_ms, macs, then one
/// predicted column per model.
std::string validation_csv(const ValidationReport& r);
/// {"<model>": {"rmse_ms", "mape", "max_abs_err_ms", "kendall_tau", "within_5pct",
/// "within_10pct", "n", "describe"}, ...} plus "_meta" (space, target, counts).
nlohmann::json validation_json(const ValidationReport& r);
/// The text table printed by hwnas latency validate.
std::string validation_table(const ValidationReport& r);
/// Renders predicted vs measured for every model to a PNG with gnuplot
/// (pngcairo when available, else png); `csv_path` must hold validation_csv().
/// Throws hwnas::Error when gnuplot is missing or fails.
void plot_validation(const ValidationReport& r, const std::string& csv_path, const std::string& png_path);

/// What `hwnas latency validate` leaves beside the table: the table with B
/// refitted on the report's fit archs (HSCoNAS Eq. 4) saved to `lut_path`,
/// the per-arch CSV and the plot. Empty csv / png: latency_validation.csv /
/// .png beside the table; png "none": no plot. `plot_note` says why a plot
/// could not be drawn (no gnuplot).
struct ValidationFiles {
  std::string csv, png, plot_note;
};
ValidationFiles save_validation(const SearchSpace& space, Lut* lut, const std::string& lut_path,
                                const ValidationReport& r, const std::string& csv, const std::string& png);

}  // namespace hwnas
