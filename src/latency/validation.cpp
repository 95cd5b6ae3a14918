#include "latency/validation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "core/plot.h"
#include "core/rng.h"
#include "core/strings.h"
#include "latency/measurer.h"

namespace hwnas {

using json = nlohmann::json;

Arch validation_arch(const SearchSpace& space, uint64_t seed, int step, int i) {
  Rng rng = derive_rng(seed, Stage::kProfile, static_cast<uint64_t>(step), static_cast<uint64_t>(i));
  return space.canonical(space.sample(rng));
}

Arch spread_arch(const SearchSpace& space, uint64_t seed, int step, int i) {
  Rng rng = derive_rng(seed, Stage::kProfile, static_cast<uint64_t>(step), static_cast<uint64_t>(i));
  std::vector<int> favoured = {-1};  // no favourite, then each non-skip op in turn
  for (int op = 0; op < static_cast<int>(space.ops.size()); ++op)
    if (!traits(space.ops[op].kind).parameter_free) favoured.push_back(op);
  // Skip share, width and favourite cycle with coprime periods 4 and 3 (and
  // 1 + #ops), so any 12 consecutive archs cover every depth x width cell.
  const double skip_share = 0.2 * (i % 4);
  const double width_centre = (0.5 + i % 3) / 3;
  return space.canonical(space.sample_shaped(rng, skip_share, width_centre, favoured[i % favoured.size()]));
}

namespace {

std::vector<Arch> distinct_archs(const SearchSpace& space, uint64_t seed, int step, int n,
                                 const std::vector<Arch>& exclude, bool spread) {
  std::set<Arch> seen(exclude.begin(), exclude.end());
  std::vector<Arch> out;
  // Tiny spaces may have fewer distinct archs than asked for; stop trying eventually.
  for (int i = 0; static_cast<int>(out.size()) < n; ++i) {
    HWNAS_CHECK(i < 100 * n + 1000, "space ", space.description, " has too few distinct archs for ", n,
                " samples");
    const Arch a = spread ? spread_arch(space, seed, step, i) : validation_arch(space, seed, step, i);
    if (seen.insert(a).second) out.push_back(a);
  }
  return out;
}

// derive_rng steps of the four arch sets.
constexpr int kFitStep = 1, kHeldOutStep = 2, kSpreadFitStep = 3, kSpreadHeldOutStep = 4;

}  // namespace

std::vector<Arch> fit_archs(const SearchSpace& space, uint64_t seed, int n) {
  return distinct_archs(space, seed, kFitStep, n, {}, false);
}

std::vector<Arch> spread_fit_archs(const SearchSpace& space, uint64_t seed, int n, const std::vector<Arch>& exclude) {
  return distinct_archs(space, seed, kSpreadFitStep, n, exclude, true);
}

std::vector<Arch> held_out_archs(const SearchSpace& space, uint64_t seed, int n, const std::vector<Arch>& exclude,
                                 bool spread) {
  return distinct_archs(space, seed, spread ? kSpreadHeldOutStep : kHeldOutStep, n, exclude, spread);
}

void ValidationOptions::validate() const {
  HWNAS_CHECK(fit_archs >= 2 && fit_archs <= 100000, "validate: fit archs must be in 2..100000, got ", fit_archs);
  HWNAS_CHECK(test_archs >= 2 && test_archs <= 100000, "validate: held-out archs must be in 2..100000, got ",
              test_archs);
  HWNAS_CHECK(spread_fit_archs >= 0 && spread_fit_archs <= 100000, "validate: spread fit archs must be in 0..100000, got ",
              spread_fit_archs);
  HWNAS_CHECK(!models.empty(), "validate: no models to validate");
  for (const std::string& m : models)
    HWNAS_CHECK(m != "measured", "validate: 'measured' is the reference every model is scored against, not a model");
  profile.validate();
}

ValidationReport validate_latency_models(const SearchSpace& space, Lut* lut, Target* target,
                                         const ValidationOptions& opt, const std::string& save_path,
                                         const MeasureProgress& progress) {
  opt.validate();
  lut->check_target(target->info());
  lut->check_space(space);
  ValidationReport r;
  r.space = space.description.empty() ? space.name : space.description;
  r.target = target->info();
  r.statistic = lut->profile.statistic;
  r.fit.archs = fit_archs(space, opt.seed, opt.fit_archs);
  for (const Arch& a : spread_fit_archs(space, opt.seed, opt.spread_fit_archs, r.fit.archs)) r.fit.archs.push_back(a);
  r.test_archs = held_out_archs(space, opt.seed, opt.test_archs, r.fit.archs, opt.spread_test);
  r.fit.ms.assign(r.fit.archs.size(), 0);
  r.measured_ms.assign(r.test_archs.size(), 0);

  // Interleave fit and held-out archs so both see the same machine state
  // (load on a shared machine drifts over minutes).
  std::vector<std::pair<const Arch*, double*>> order;
  const size_t n_max = std::max(r.fit.archs.size(), r.test_archs.size());
  for (size_t i = 0; i < n_max; ++i) {
    if (i < r.fit.archs.size()) order.emplace_back(&r.fit.archs[i], &r.fit.ms[i]);
    if (i < r.test_archs.size()) order.emplace_back(&r.test_archs[i], &r.measured_ms[i]);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Arch> archs;
  for (const auto& [arch, ms] : order) archs.push_back(*arch);
  // Scaled to the table's speed like its bias archs (measurer.h), so table
  // sums and measurements compare like with like; the table's statistic too.
  const std::vector<size_t> timed = time_table_archs(*target, space, lut, archs, opt.profile, opt.reuse,
                                                     [&](size_t k, double ms) {
                                                       if (progress)
                                                         progress(static_cast<int>(k + 1), static_cast<int>(order.size()),
                                                                  space.format(archs[k]), ms);
                                                     });
  r.newly_measured = static_cast<int>(timed.size());
  for (size_t k = 0; k < order.size(); ++k)
    *order[k].second = lut->archs.at(space.format(archs[k])).value_ms(lut->profile.statistic);
  if (!timed.empty() && !save_path.empty()) lut->save(save_path);
  r.measure_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const Arch& a : r.test_archs) r.test_text.push_back(space.format(a));

  LatencyModelContext ctx;
  ctx.space = &space;
  ctx.lut = lut;
  ctx.fit = &r.fit;
  ctx.target = target;
  ctx.profile = opt.profile;
  ctx.one_hot = opt.one_hot;
  for (const std::string& name : opt.models) {
    std::unique_ptr<LatencyModel> model = make_latency_model(name, ctx);
    ModelScore s;
    s.name = name;
    s.describe = model->describe();
    for (const Arch& a : r.test_archs) s.predicted_ms.push_back(model->predict_ms(a));
    s.metrics = fit_metrics(s.predicted_ms, r.measured_ms);
    r.models.push_back(std::move(s));
  }
  return r;
}

namespace {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// A JSON number, or null for NaN (Kendall tau of a constant vector).
json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

std::string validation_csv(const ValidationReport& r) {
  // The arch text (with commas, quoted) goes last so plotting tools that do
  // not understand quotes still read the numeric columns.
  std::ostringstream os;
  os << "measured_ms";
  for (const ModelScore& m : r.models) os << "," << m.name << "_ms";
  os << ",arch\n";
  char buf[64];
  for (size_t i = 0; i < r.test_archs.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.6f", r.measured_ms[i]);
    os << buf;
    for (const ModelScore& m : r.models) {
      std::snprintf(buf, sizeof buf, ",%.6f", m.predicted_ms[i]);
      os << buf;
    }
    os << "," << csv_quote(r.test_text[i]) << "\n";
  }
  return os.str();
}

json validation_json(const ValidationReport& r) {
  json j = json::object();
  for (const ModelScore& m : r.models) {
    const FitMetrics& f = m.metrics;
    j[m.name] = json{{"rmse_ms", num(f.rmse_ms)},
                     {"mape", num(f.mape)},
                     {"max_abs_err_ms", num(f.max_abs_err_ms)},
                     {"kendall_tau", num(f.kendall_tau)},
                     {"within_5pct", num(f.within_5pct)},
                     {"within_10pct", num(f.within_10pct)},
                     {"n", f.n},
                     {"describe", m.describe}};
  }
  double mean = 0;
  for (double v : r.measured_ms) mean += v;
  j["_meta"] = json{{"space", r.space},
                    {"target", r.target.to_json()},
                    {"statistic", to_string(r.statistic)},
                    {"fit_archs", r.fit.size()},
                    {"test_archs", r.test_archs.size()},
                    {"mean_measured_ms", r.measured_ms.empty() ? 0.0 : mean / r.measured_ms.size()},
                    {"newly_measured", r.newly_measured},
                    {"measure_seconds", r.measure_seconds},
                    {"units", "rmse_ms and max_abs_err_ms in ms; mape, within_5pct, within_10pct in percent"}};
  return j;
}

std::string validation_table(const ValidationReport& r) {
  std::ostringstream os;
  char buf[512];
  double mean = 0;
  for (double v : r.measured_ms) mean += v;
  mean /= std::max<size_t>(1, r.measured_ms.size());
  os << "space " << r.space << " on [" << r.target.id() << "], statistic " << to_string(r.statistic) << "\n";
  std::snprintf(buf, sizeof buf, "fitted on %zu archs, scored on %zu held-out archs (mean measured %.4f ms)\n\n",
                r.fit.size(), r.test_archs.size(), mean);
  os << buf;
  std::snprintf(buf, sizeof buf, "%-16s %9s %8s %9s %7s %8s %9s  %s\n", "model", "rmse_ms", "mape_%", "max_ms",
                "tau", "within5%", "within10%", "fitted");
  os << buf;
  for (const ModelScore& m : r.models) {
    const FitMetrics& f = m.metrics;
    std::snprintf(buf, sizeof buf, "%-16s %9.4f %8.2f %9.4f %7.3f %8.1f %9.1f  %s\n", m.name.c_str(), f.rmse_ms,
                  f.mape, f.max_abs_err_ms, f.kendall_tau, f.within_5pct, f.within_10pct, m.describe.c_str());
    os << buf;
  }
  return os.str();
}

void plot_validation(const ValidationReport& r, const std::string& csv_path, const std::string& png_path) {
  HWNAS_CHECK(gnuplot_available(), "gnuplot not found (apt-get install gnuplot-nox) to plot ", png_path);
  const bool cairo = png_terminal() == "pngcairo";
  auto esc = [](const std::string& s) {
    std::string o;
    for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
    return o;
  };
  // One panel per model: predicted vs measured with the y = x line, on
  // common axes (the measured range, padded), so panels compare at a glance.
  double lo = 1e300, hi = 0;
  for (double v : r.measured_ms) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double pad = 0.15 * (hi - lo) + 1e-6;
  const int n = static_cast<int>(r.models.size());
  const int cols = n <= 1 ? 1 : n <= 4 ? 2 : 3;
  const int rows = (n + cols - 1) / cols;
  char range[128];
  std::snprintf(range, sizeof range, "[%.6g:%.6g]", std::max(0.0, lo - pad), hi + pad);
  std::ostringstream gp;
  gp << "set terminal " << (cairo ? "pngcairo" : "png") << " size " << 380 * cols << "," << 360 * rows + 60 << "\n"
     << "set output '" << esc(png_path) << "'\n"
     << "set datafile separator ','\n"
     << "set xrange " << range << "\nset yrange " << range << "\n"
     << "set xlabel 'measured (ms)'\nset ylabel 'predicted (ms)'\nset grid\nset size ratio -1\nunset key\n"
     << "set multiplot layout " << rows << "," << cols << " title \"" << r.test_archs.size() << " held-out archs of "
     << esc(r.space) << ", " << esc(r.target.device) << ", " << r.target.threads << " thread(s), batch "
     << r.target.batch << "\" noenhanced\n";
  for (int i = 0; i < n; ++i) {
    char title[256];
    std::snprintf(title, sizeof title, "%s: MAPE %.2f%%, tau %.3f", r.models[i].name.c_str(),
                  r.models[i].metrics.mape, r.models[i].metrics.kendall_tau);
    gp << "set title '" << esc(title) << "' noenhanced\n"
       << "plot '" << esc(csv_path) << "' skip 1 using 1:" << i + 2 << " with points pt 7 ps 0.5 lc rgb '#1f77b4', "
       << "x with lines lc rgb 'black' dt 2\n";
  }
  gp << "unset multiplot\n";
  run_gnuplot(gp.str(), png_path + ".gp");
}

ValidationFiles save_validation(const SearchSpace& space, Lut* lut, const std::string& lut_path,
                                const ValidationReport& r, const std::string& csv, const std::string& png) {
  // Keep B fitted on the M fit archs with the table (HSCoNAS Eq. 4).
  lut->bias_ms = LutBiasModel::fit_bias(space, *lut, r.fit);
  lut->bias_archs = static_cast<int>(r.fit.size());
  lut->save(lut_path);
  const std::string dir = std::filesystem::path(lut_path).parent_path().string();
  const std::string beside = dir.empty() ? "" : dir + "/";
  ValidationFiles f{csv.empty() ? beside + "latency_validation.csv" : csv,
                    png.empty() ? beside + "latency_validation.png" : png, ""};
  write_file_atomic(f.csv, validation_csv(r));
  if (f.png != "none") {
    try {
      plot_validation(r, f.csv, f.png);
    } catch (const Error& e) {
      f.plot_note = e.what();
    }
  }
  return f;
}

}  // namespace hwnas
