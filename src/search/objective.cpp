#include "search/objective.h"

#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"
#include "core/factory.h"
#include "core/strings.h"

namespace hwnas {
namespace {

std::string describe_with(const std::string& name, double target_ms,
                          std::map<std::string, std::string> opts = {}) {
  opts["T"] = format_number(target_ms);
  return format_factory_string(name, opts);
}

}  // namespace

Objective::Objective(double target_ms) : target_ms_(target_ms) {
  HWNAS_CHECK(std::isfinite(target_ms) && target_ms > 0,
              "objective: latency budget T must be positive, got ", target_ms, " ms");
}

HsconasObjective::HsconasObjective(double target_ms, double beta)
    : Objective(target_ms), beta_(beta) {
  HWNAS_CHECK(std::isfinite(beta) && beta < 0, "hsconas objective: beta must be < 0, got ", beta);
}

double HsconasObjective::score(double accuracy, double latency_ms) const {
  return accuracy + beta_ * std::fabs(latency_ms / target_ms() - 1.0);  // HSCoNAS Eq. 2
}

std::string HsconasObjective::describe() const {
  return describe_with("hsconas", target_ms(), {{"beta", format_number(beta_)}});
}

HardObjective::HardObjective(double target_ms) : Objective(target_ms) {}

double HardObjective::score(double accuracy, double latency_ms) const {
  return feasible(latency_ms) ? accuracy : -std::numeric_limits<double>::infinity();
}

std::string HardObjective::describe() const { return describe_with("hard", target_ms()); }

PenaltyObjective::PenaltyObjective(double target_ms) : Objective(target_ms) {}

double PenaltyObjective::score(double accuracy, double latency_ms) const {
  // HW-EvRSNAS Eq. 5: psi = 0 if Psi(a) <= Omega, else Omega - Psi(a).
  const double psi = feasible(latency_ms) ? 0.0 : target_ms() - latency_ms;
  return accuracy + psi;  // HW-EvRSNAS Eq. 4: fitness = phi + psi
}

std::string PenaltyObjective::describe() const { return describe_with("penalty", target_ms()); }

std::unique_ptr<Objective> make_objective(const std::string& spec, double default_target_ms) {
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  FactoryOptions o("objective " + name, opts);
  const std::string t = o.get("T", "");
  const double target_ms = t.empty() ? default_target_ms : parse_duration_ms(t);
  std::unique_ptr<Objective> out;
  if (name == "hsconas") {
    const double beta = o.get_double("beta", HsconasObjective::kDefaultBeta);
    o.finish();
    HWNAS_CHECK(target_ms > 0, "objective '", spec, "' needs a latency budget (T=5ms or --latency)");
    out = std::make_unique<HsconasObjective>(target_ms, beta);
  } else if (name == "hard" || name == "penalty") {
    o.finish();
    HWNAS_CHECK(target_ms > 0, "objective '", spec, "' needs a latency budget (T=5ms or --latency)");
    if (name == "hard") out = std::make_unique<HardObjective>(target_ms);
    else out = std::make_unique<PenaltyObjective>(target_ms);
  } else {
    std::vector<std::string> names;
    for (const auto& kv : list_objectives()) names.push_back(kv.first);
    HWNAS_CHECK(false, "unknown objective '", name, "' (known: ", join(names, ", "), ")");
  }
  return out;
}

std::unique_ptr<Objective> make_objective_for_budget(const std::string& spec, double budget_ms) {
  std::map<std::string, std::string> opts;
  parse_factory_string(spec, &opts);
  HWNAS_CHECK(!opts.count("T"), "--objective '", spec, "' must not set T: the budget comes from --latency");
  return make_objective(spec, budget_ms);
}

std::vector<std::pair<std::string, std::string>> list_objectives() {
  return {
      {"hsconas", "HSCoNAS Eq. 2: ACC + beta*|LAT/T - 1| (beta=-10: 10% off T costs 1 point)"},
      {"hard", "hard constraint / rejection: ACC if LAT <= T, else -infinity"},
      {"penalty", "HW-EvRSNAS Eq. 4-5: ACC + min(0, T - LAT) (LAT in ms, no weight)"},
  };
}

}  // namespace hwnas
