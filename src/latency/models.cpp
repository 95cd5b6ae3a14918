#include "latency/models.h"

#include <cmath>
#include <limits>
#include <cstdio>

#include "core/error.h"
#include "core/factory.h"
#include "core/flops.h"
#include "core/strings.h"
#include "latency/diff_predictors.h"

namespace hwnas {

LutBiasModel::LutBiasModel(const SearchSpace& space, Lut lut, double bias_ms)
    : space_(space.clone()), lut_(std::move(lut)), bias_ms_(bias_ms) {
  lut_.check_space(*space_);
  HWNAS_CHECK(std::isfinite(bias_ms_), "lut+bias: B must be finite");
  const int batch = lut_.target.batch;
  fixed_ms_ = lut_.op_ms(stem_op_spec(*space_, batch)) + lut_.op_ms(head_op_spec(*space_, batch));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  layer_ms_.resize(space_->num_layers());
  for (int l = 0; l < space_->num_layers(); ++l) {
    const LayerSpec& L = space_->layers[l];
    layer_ms_[l].assign(space_->ops.size(), std::vector<double>(space_->width_factors.size() + 1, nan));
    for (int o : L.ops)
      for (int w : L.widths) {
        layer_ms_[l][o][w] = lut_.op_ms(space_->op_spec(l, Gene{o, w}, batch));
      }
  }
}

MeasuredArchs table_measured_archs(const SearchSpace& space, const Lut& lut) {
  MeasuredArchs m;
  for (const auto& [text, t] : lut.archs) {
    m.archs.push_back(space.parse(text));
    m.ms.push_back(t.value_ms(lut.profile.statistic));
  }
  return m;
}

double LutBiasModel::fit_bias(const SearchSpace& space, const Lut& lut, const MeasuredArchs& data) {
  HWNAS_CHECK(data.size() > 0 && data.ms.size() == data.size(), "lut+bias: B needs at least one measured arch");
  // HSCoNAS Eq. 4 with the median of the gaps in place of their mean (see the header).
  std::vector<double> gaps;
  for (size_t i = 0; i < data.size(); ++i) gaps.push_back(data.ms[i] - lut.sum_ms(space, data.archs[i]));
  return median(gaps);
}

double LutBiasModel::gene_ms(int layer, const Gene& g) const {
  const auto& ops = layer_ms_[layer];
  const bool in_range = g.op >= 0 && g.op < static_cast<int>(ops.size()) && g.width >= 0 &&
                        g.width < static_cast<int>(ops[g.op].size());
  return in_range ? ops[g.op][g.width] : std::numeric_limits<double>::quiet_NaN();
}

double LutBiasModel::sum_ms(const Arch& arch) const {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == space_->num_layers(), "arch has ", arch.genes.size(),
              " layers, space has ", space_->num_layers());
  double sum = fixed_ms_;
  for (int l = 0; l < space_->num_layers(); ++l) {
    const double ms = gene_ms(l, arch.genes[l]);
    if (std::isnan(ms)) return lut_.sum_ms(*space_, arch);  // not a precomputed gene: the table names the problem
    sum += ms;
  }
  return sum;
}

std::vector<double> LutBiasModel::op_sums_ms(const Arch& arch) const {
  const double total = sum_ms(arch);  // checks the arch, and throws naming a gene the table lacks
  std::vector<double> sums(space_->ops.size(), 0.0);
  for (int l = 0; l < space_->num_layers(); ++l) {
    const double ms = gene_ms(l, arch.genes[l]);
    HWNAS_CHECK(!std::isnan(ms), "layer ", l + 1, ": gene not in space ", space_->description, " (table sum ", total, ")");
    sums[arch.genes[l].op] += ms;
  }
  return sums;
}

double LutBiasModel::predict_ms(const Arch& arch) const {
  return sum_ms(arch) + bias_ms_;  // HSCoNAS Eq. 3
}

std::string LutBiasModel::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "lut+bias(B=%.4gms)", bias_ms_);
  return bias_ms_ == 0 ? "lut" : buf;
}

LutScaleModel::LutScaleModel(const SearchSpace& space, Lut lut, const MeasuredArchs& data)
    : space_(space.clone()), sums_(space, std::move(lut), 0.0), scales_(space.ops.size(), 1.0) {
  const int n = static_cast<int>(data.size());
  HWNAS_CHECK(n >= 2 && data.ms.size() == data.size(), "lut+scale needs at least 2 measured archs, got ", n);
  std::vector<int> scaled;  // op indices with a d_k
  for (int op = 0; op < static_cast<int>(space.ops.size()); ++op)
    if (!traits(space.ops[op].kind).parameter_free) scaled.push_back(op);
  // Ridge least squares of (measured - table sum) on [1, S_k...], the
  // intercept B unpenalised. lambda = 0.05 n: d_k = 0.2 costs about what a
  // 0.01 ms residual on every arch does at S_k ~ 1 ms.
  const int p = 1 + static_cast<int>(scaled.size());
  Matrix a = Matrix::Zero(p, p);
  Vector b = Vector::Zero(p);
  for (int i = 0; i < n; ++i) {
    const std::vector<double> s = sums_.op_sums_ms(data.archs[i]);
    std::vector<double> x = {1.0};
    for (int op : scaled) x.push_back(s[op]);
    const double r = data.ms[i] - sums_.sum_ms(data.archs[i]);
    HWNAS_CHECK(std::isfinite(data.ms[i]), "lut+scale: measured latency of arch ", i + 1, " is not finite");
    for (int j = 0; j < p; ++j) {
      b[j] += x[j] * r;
      for (int k = 0; k < p; ++k) a(j, k) += x[j] * x[k];
    }
  }
  for (int j = 1; j < p; ++j) a(j, j) += 0.05 * n;
  const Vector theta = solve_spd(a, b);
  bias_ms_ = theta[0];
  for (size_t j = 0; j < scaled.size(); ++j) scales_[scaled[j]] = 1.0 + theta[j + 1];
}

double LutScaleModel::predict_ms(const Arch& arch) const {
  const std::vector<double> s = sums_.op_sums_ms(arch);
  double ms = sums_.fixed_ms() + bias_ms_;
  for (size_t op = 0; op < s.size(); ++op) ms += scales_[op] * s[op];
  return ms;
}

std::string LutScaleModel::describe() const {
  std::string out = str_cat("lut+scale(B=", format_number(std::round(bias_ms_ * 1e4) / 1e4), "ms");
  for (size_t op = 0; op < scales_.size(); ++op)
    if (!traits(space_->ops[op].kind).parameter_free) out += str_cat(",", space_->ops[op].name, "=x", format_number(std::round(scales_[op] * 1000) / 1000));
  return out + ")";
}

RegressorModel::RegressorModel(const SearchSpace& space, std::unique_ptr<Regressor> regressor,
                               Features features, OneHotMode mode, int batch)
    : space_(space.clone()), regressor_(std::move(regressor)), features_(features), mode_(mode), batch_(batch) {
  HWNAS_CHECK(regressor_ != nullptr, "regressor model: no regressor");
}

RegressorModel::~RegressorModel() = default;

std::vector<double> RegressorModel::features(const Arch& arch) const {
  if (features_ == Features::kMacs) return {arch_cost(*space_, arch, batch_).macs * 1e-6};
  return one_hot(*space_, arch, mode_);
}

void RegressorModel::fit(const MeasuredArchs& data) {
  HWNAS_CHECK(data.ms.size() == data.size(), "regressor model: ", data.size(), " archs but ", data.ms.size(),
              " latencies");
  HWNAS_CHECK(data.size() > 0, "latency model ", describe(), " needs measured archs to fit on");
  const int n = static_cast<int>(data.size());
  Matrix x = features_ == Features::kMacs ? Matrix(n, 1) : one_hot_rows(*space_, data.archs, mode_);
  if (features_ == Features::kMacs)
    for (int i = 0; i < n; ++i) x(i, 0) = features(data.archs[i])[0];
  regressor_->fit(x, data.ms);
}

double RegressorModel::predict_ms(const Arch& arch) const { return regressor_->predict(features(arch)); }

std::string RegressorModel::describe() const { return regressor_->describe(); }

std::string RegressorModel::summary() const { return regressor_->summary(); }

MeasuredModel::MeasuredModel(const SearchSpace& space, Target* target, ProfileOptions opt)
    : space_(space.clone()), target_(target), opt_(opt) {
  HWNAS_CHECK(target_ != nullptr, "measured model: no target");
  opt_.validate();
}

double MeasuredModel::predict_ms(const Arch& arch) const {
  return target_->measure_arch(*space_, arch, opt_).value_ms(opt_.statistic);
}

std::string MeasuredModel::describe() const { return "measured(" + target_->describe() + ")"; }

double table_bias_ms(const std::string& model, const LatencyModelContext& ctx) {
  HWNAS_CHECK(ctx.space != nullptr, "latency model ", model, ": no search space");
  HWNAS_CHECK(ctx.lut != nullptr, "latency model ", model, " needs a latency table (--lut FILE)");
  if (ctx.fit != nullptr && ctx.fit->size() > 0) return LutBiasModel::fit_bias(*ctx.space, *ctx.lut, *ctx.fit);
  HWNAS_CHECK(ctx.lut->bias_ms.has_value(), "latency model ", model, ": table ", ctx.lut->origin,
              " has no fitted B and no measured archs were given; run hwnas profile with --bias-archs M");
  return *ctx.lut->bias_ms;
}

std::unique_ptr<LatencyModel> make_latency_model(const std::string& spec, const LatencyModelContext& ctx) {
  HWNAS_CHECK(ctx.space != nullptr, "latency model ", spec, ": no search space");
  const SearchSpace& space = *ctx.space;
  const bool have_fit = ctx.fit != nullptr && ctx.fit->size() > 0;
  if (spec == "lut" || spec == "lut+bias") {
    const double b = spec == "lut+bias" ? table_bias_ms(spec, ctx) : 0.0;
    HWNAS_CHECK(ctx.lut != nullptr, "latency model ", spec, " needs a latency table (--lut FILE)");
    return std::make_unique<LutBiasModel>(space, *ctx.lut, b);
  }
  if (spec == "lut+scale") {
    HWNAS_CHECK(ctx.lut != nullptr, "latency model lut+scale needs a latency table (--lut FILE)");
    HWNAS_CHECK(have_fit, "latency model lut+scale needs measured archs to fit on (the table's, or --fit archs)");
    return std::make_unique<LutScaleModel>(space, *ctx.lut, *ctx.fit);
  }
  if (spec == "measured") {
    HWNAS_CHECK(ctx.target != nullptr, "latency model measured needs a target (--target)");
    return std::make_unique<MeasuredModel>(space, ctx.target, ctx.profile);
  }
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  for (const auto& [n, h] : list_diff_predictors())
    if (n == name) return std::make_unique<DiffLatencyModel>(make_diff_predictor(spec, ctx));
  // Everything else is a regressor of core/predictors: "flops" on the
  // analytic MACs, the others on the one-hot encoding.
  bool known = false;
  for (const auto& [n, h] : list_regressors()) known = known || n == name;
  if (!known) {
    std::vector<std::string> names;
    for (const auto& [n, h] : list_latency_models()) names.push_back(n);
    HWNAS_CHECK(false, "unknown latency model '", spec, "' (known: ", join(names, ", "), ")");
  }
  HWNAS_CHECK(have_fit, "latency model ", spec, " needs measured archs to fit on");
  const int batch = ctx.lut ? ctx.lut->target.batch : ctx.target ? ctx.target->info().batch : 1;
  const auto features = name == "flops" ? RegressorModel::Features::kMacs : RegressorModel::Features::kOneHot;
  auto model = std::make_unique<RegressorModel>(space, make_regressor(spec), features, ctx.one_hot, batch);
  model->fit(*ctx.fit);
  return model;
}

std::vector<std::pair<std::string, std::string>> list_latency_models() {
  std::vector<std::pair<std::string, std::string>> out = {
      {"lut", "sum of the table's op latencies (HSCoNAS Eq. 3, B = 0)"},
      {"lut+bias", "table sum + B fitted on M measured archs (HSCoNAS Eq. 3, 4)"},
      {"lut+scale", "table sum with a fitted scale per op kind, + B (measured archs)"},
      {"measured", "run end to end on the target (ground truth, slow)"},
  };
  for (const auto& [name, help] : list_regressors())
    out.emplace_back(name, name == "flops" ? "ms = a * MACs + b on the analytic MACs (hardware-agnostic baseline)"
                                           : help + " (on the one-hot arch encoding)");
  for (const auto& entry : list_diff_predictors()) out.push_back(entry);
  return out;
}

}  // namespace hwnas
