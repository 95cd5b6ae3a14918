// Several latency budgets in one run (`hwnas run --budgets 1.5ms,2ms,2.5ms`):
// users rarely have one budget, they want the accuracy-latency front. The
// method runs once per budget, each in its own subdirectory; every budget
// after the first starts from the first's budget-independent work (latency
// table, supernet, retrained baselines), so a budget costs its search and
// its picks' trainings. The front stage then sets the picks beside the
// baselines at equal measured latency (front.md, front.json, front.png).
#pragma once

#include <string>
#include <vector>

namespace hwnas {

struct PipelineOptions;

/// A latency budget as given: milliseconds ("1.5ms", "800us"), or a multiple
/// of the space's median predicted latency ("0.9x"), known after profiling.
struct Budget {
  double ms = 0;         ///< > 0: this many milliseconds
  double of_median = 1;  ///< else: this multiple of the median
  std::string text;      ///< as given, trimmed
};
/// Parses one budget; a malformed one is an hwnas::Error naming it.
Budget parse_budget(const std::string& text);

/// One retrained and measured network of a front: a pick, a random arch at
/// a budget, or a baseline.
struct FrontNet {
  std::string name;                ///< file stem in its run directory: "final" is the pick
  std::string label;
  int family = 0;                  ///< as ReportNet::family
  double budget_ms = 0;            ///< the budget it was searched or drawn under (0: a baseline)
  std::vector<double> accuracies;  ///< test accuracy (%) per seed
  double measured_ms = 0;          ///< at the table's machine speed
  std::string run_dir;             ///< the subdirectory it comes from
  double accuracy() const;         ///< mean over the seeds
  double standard_error() const;   ///< of that mean; 0 for one seed
};

/// One baseline against the front of picks at equal latency.
struct FrontVerdict {
  int baseline = -1;     ///< index into the baselines
  int within = -1;       ///< the most accurate pick measured no slower than the baseline (-1: none)
  int as_accurate = -1;  ///< the fastest pick at least as accurate as the baseline (-1: none)
  double lead = 0;       ///< within's accuracy minus the baseline's (points)
  double lead_in_se = 0; ///< that over their combined standard error (NaN: one seed each)
  double speedup = 0;    ///< the baseline's latency over as_accurate's
};

/// For each baseline, the picks that beat it at equal latency or equal
/// accuracy (indices into `picks`).
std::vector<FrontVerdict> compare_front(const std::vector<FrontNet>& picks, const std::vector<FrontNet>& baselines);

/// Runs o.method once per budget of o.budgets and the front stage.
void run_front(const PipelineOptions& o);

}  // namespace hwnas
