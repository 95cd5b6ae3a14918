// hwnas profile: the operator latency table of a search space on a target
// (every layer context x op x width, plus stem and head), stamped with the
// target, then B of HSCoNAS Eq. 4 from M end-to-end measured archs. A rerun
// on the same target only measures what the table lacks.
#include <chrono>
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/io.h"
#include "core/search_space.h"
#include "core/strings.h"
#include "latency/lut.h"
#include "latency/profile_space.h"
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
  std::string min_time = "1ms";
  int repetitions = 101;
  std::string statistic = "median";
  double outlier_k = 3.0;
  int bias_archs = 20;
  uint64_t seed = 0;
  bool fresh = false;
  bool quiet = false;
  bool recheck = true;
};

void run(const ProfileArgs& a) {
  const std::unique_ptr<SearchSpace> space = make_space(a.space);
  std::unique_ptr<Target> target = make_target(a.target, a.token);
  SpaceProfileOptions o;
  o.timing.warmup_ms = a.warmup == "0" ? 0 : parse_duration_ms(a.warmup);
  o.timing.min_time_ms = parse_duration_ms(a.min_time);
  o.timing.repetitions = a.repetitions;
  o.timing.outlier_k = a.outlier_k;
  o.timing.statistic = parse_statistic(a.statistic);
  o.bias_archs = a.bias_archs;
  o.seed = a.seed;
  o.fresh = a.fresh;
  o.quiet = a.quiet;
  o.recheck = a.recheck;
  SpaceProfileStats st;
  const Lut lut = profile_space(*space, a.space, *target, a.out, o, &st);
  std::printf("profiled %zu ops (%zu reused) in %.1f s", st.ops_measured, st.ops_reused, st.op_seconds);
  if (a.bias_archs > 0)
    std::printf("; B = %.4f ms from %d archs (%d measured now, %.1f s)", *lut.bias_ms, lut.bias_archs,
                st.archs_measured, st.arch_seconds);
  std::printf("\nwrote %s (%zu ops, target %s)\n", a.out.c_str(), lut.ops.size(), target->info().id().c_str());
}

void setup(CLI::App& app) {
  auto* a = new ProfileArgs();
  auto* cmd = app.add_subcommand("profile", "Build the operator latency table (LUT) of a search space on a target");
  cmd->add_option("--space", a->space, "Search space, e.g. hsconas or hsconas:layout=A")
      ->capture_default_str()
      ->envname("HWNAS_SPACE");
  cmd->add_option("--target", a->target, "local[:threads=N,batch=B,clock=wall|cpu,fold=1], opencv[:threads=N,batch=B], remote://HOST:PORT[?runtime=opencv], table:FILE")
      ->capture_default_str()
      ->envname("HWNAS_TARGET");
  cmd->add_option("--token", a->token, "Token of a remote agent")->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--out", a->out, "Latency table to write (JSON); ops already in it are reused")
      ->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Warm-up time per op")->capture_default_str();
  cmd->add_option("--min-time", a->min_time, "Minimum time of one repetition")->capture_default_str();
  cmd->add_option("--repetitions", a->repetitions, "Timed repetitions per op")->capture_default_str();
  cmd->add_option("--statistic", a->statistic,
                  "Summary the table uses: median, or min (the least disturbed run: better on a busy machine)")
      ->capture_default_str();
  cmd->add_option("--outlier-k", a->outlier_k, "Reject repetitions beyond k * 1.4826 * MAD (0 = keep all)")
      ->capture_default_str();
  cmd->add_option("--bias-archs", a->bias_archs, "M archs measured end to end to fit B (HSCoNAS Eq. 4); 0 = none")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the bias archs")->capture_default_str();
  cmd->add_flag("--fresh", a->fresh, "Ignore what --out holds and measure everything again");
  cmd->add_flag("--quiet", a->quiet, "No progress on stderr");
  add_switch(cmd, "--recheck,!--no-recheck", &a->recheck,
                "A second, shorter pass in reverse order keeps the less disturbed timing of each op "
                "(--no-recheck: one pass)");
  cmd->callback([a] { run(*a); });
}

}  // namespace
HWNAS_COMMAND(40, setup);
}  // namespace hwnas
