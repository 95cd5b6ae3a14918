// hwnas profile: the operator latency table of a search space on a target
// (every layer context x op x width, plus stem and head), stamped with the
// target, then B of HSCoNAS Eq. 4 from M end-to-end measured archs. A rerun
// on the same target only measures what the table lacks.
#include <chrono>
#include <cstdio>

#include "cli/command.h"
#include "core/error.h"
#include "core/io.h"
#include "core/search_space.h"
#include "core/strings.h"
#include "latency/lut.h"
#include "latency/models.h"
#include "latency/target.h"
#include "latency/validation.h"

namespace hwnas {
namespace {

struct ProfileArgs {
  std::string space = "hsconas";
  std::string target = "local:threads=1,batch=1";
  std::string token;
  std::string out = "lut.json";
  std::string warmup = "20ms";
  std::string min_time = "10ms";
  int repetitions = 11;
  double outlier_k = 3.0;
  int bias_archs = 20;
  uint64_t seed = 0;
  bool fresh = false;
  bool quiet = false;
};

std::string fmt_seconds(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

void run(const ProfileArgs& a) {
  using SteadyClock = std::chrono::steady_clock;
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  std::unique_ptr<Target> target = make_target(a.target, a.token);
  ProfileOptions popt;
  popt.warmup_ms = a.warmup == "0" ? 0 : parse_duration_ms(a.warmup);
  popt.min_time_ms = parse_duration_ms(a.min_time);
  popt.repetitions = a.repetitions;
  popt.outlier_k = a.outlier_k;
  popt.validate();
  HWNAS_CHECK(a.bias_archs >= 0 && a.bias_archs <= 100000, "--bias-archs must be in 0..100000");

  Lut lut = Lut::empty(*space, target->info(), popt);
  lut.origin = a.out;
  if (!a.fresh && file_exists(a.out)) {
    Lut old = Lut::load(a.out);
    HWNAS_CHECK(old.target.id() == target->info().id(), "table ", a.out, " was measured on [", old.target.id(),
                "], not on [", target->info().id(), "]; use another --out, or --fresh to replace it");
    HWNAS_CHECK(old.space_fingerprint.empty() || old.space_fingerprint == lut.space_fingerprint, "table ", a.out,
                " was profiled for space '", old.space, "', not '", a.space,
                "'; use another --out, or --fresh to replace it");
    lut.ops = old.ops;
    lut.archs = old.archs;
  }
  const std::vector<OpSpec> specs = space_op_specs(*space, target->info().batch);
  std::vector<OpSpec> todo;
  for (const OpSpec& s : specs)
    if (!lut.ops.count(s.key())) todo.push_back(s);
  if (!a.quiet)
    std::fprintf(stderr, "profiling %zu ops of %s on [%s] (%zu already in %s)\n", todo.size(), a.space.c_str(),
                 target->info().id().c_str(), specs.size() - todo.size(), a.out.c_str());
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < todo.size(); ++i) {
    const Timing t = target->measure_op(todo[i], popt);
    lut.ops[todo[i].key()] = t;
    lut.save(a.out);  // atomic: an interrupted run keeps what it measured
    if (!a.quiet) {
      const double el = std::chrono::duration<double>(SteadyClock::now() - t0).count();
      std::fprintf(stderr, "[%4zu/%zu] %-52s %9.4f ms  cv %5.1f%%  rej %d  eta %s\n", i + 1, todo.size(),
                   todo[i].key().c_str(), t.median_ms, 100 * t.cv, t.rejected,
                   fmt_seconds(el / (i + 1) * (todo.size() - i - 1)).c_str());
    }
  }
  const double op_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();

  // HSCoNAS Eq. 4: B from M archs measured end to end (the first M fit archs
  // of `seed`, which hwnas latency validate reuses).
  double arch_seconds = 0;
  int measured_archs = 0;
  if (a.bias_archs > 0) {
    const auto t1 = SteadyClock::now();
    MeasuredArchs m;
    m.archs = fit_archs(*space, a.seed, a.bias_archs);
    for (size_t i = 0; i < m.archs.size(); ++i) {
      const std::string text = space->format(m.archs[i]);
      if (!lut.archs.count(text)) {
        lut.archs[text] = target->measure_arch(*space, m.archs[i], popt);
        ++measured_archs;
        lut.save(a.out);
      }
      m.ms.push_back(lut.archs[text].median_ms);
      if (!a.quiet)
        std::fprintf(stderr, "[arch %3zu/%zu] %9.4f ms measured, %9.4f ms table sum\n", i + 1, m.archs.size(),
                     m.ms.back(), lut.sum_ms(*space, m.archs[i]));
    }
    lut.bias_ms = LutBiasModel::fit_bias(*space, lut, m);
    lut.bias_archs = static_cast<int>(m.size());
    arch_seconds = std::chrono::duration<double>(SteadyClock::now() - t1).count();
  }
  lut.save(a.out);
  std::printf("profiled %zu ops (%zu reused) in %.1f s", todo.size(), specs.size() - todo.size(), op_seconds);
  if (a.bias_archs > 0)
    std::printf("; B = %.4f ms from %d archs (%d measured now, %.1f s)", *lut.bias_ms, lut.bias_archs, measured_archs,
                arch_seconds);
  std::printf("\nwrote %s (%zu ops, target %s)\n", a.out.c_str(), lut.ops.size(), target->info().id().c_str());
}

void setup(CLI::App& app) {
  auto* a = new ProfileArgs();
  auto* cmd = app.add_subcommand("profile", "Build the operator latency table (LUT) of a search space on a target");
  cmd->add_option("--space", a->space, "Search space, e.g. hsconas or hsconas:layout=A")
      ->capture_default_str()
      ->envname("HWNAS_SPACE");
  cmd->add_option("--target", a->target, "local[:threads=N,batch=B,clock=wall|cpu], remote://HOST:PORT, table:FILE")
      ->capture_default_str()
      ->envname("HWNAS_TARGET");
  cmd->add_option("--token", a->token, "Token of a remote agent")->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--out", a->out, "Latency table to write (JSON); ops already in it are reused")
      ->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Warm-up time per op")->capture_default_str();
  cmd->add_option("--min-time", a->min_time, "Minimum time of one repetition")->capture_default_str();
  cmd->add_option("--repetitions", a->repetitions, "Timed repetitions per op (median kept)")->capture_default_str();
  cmd->add_option("--outlier-k", a->outlier_k, "Reject repetitions beyond k * 1.4826 * MAD (0 = keep all)")
      ->capture_default_str();
  cmd->add_option("--bias-archs", a->bias_archs, "M archs measured end to end to fit B (HSCoNAS Eq. 4); 0 = none")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the bias archs")->capture_default_str();
  cmd->add_flag("--fresh", a->fresh, "Ignore what --out holds and measure everything again");
  cmd->add_flag("--quiet", a->quiet, "No progress on stderr");
  cmd->callback([a] { run(*a); });
}

}  // namespace
HWNAS_COMMAND(40, setup);
}  // namespace hwnas
