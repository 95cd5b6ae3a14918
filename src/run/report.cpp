#include "run/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "core/plot.h"
#include "export/onnx_graph.h"
#include "search/widen.h"

namespace hwnas {
namespace {

std::string fmt(double v, int digits = 2) { return format_fixed(v, digits); }
/// Small magnitudes as 1.2e-06.
std::string fmt_sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", v);
  return buf;
}

/// The progress plot (latency of every evaluated arch per generation, with
/// T) and the latency histogram of the evaluated archs: HSCoNAS Fig. 7.
std::string search_plots(const RunDir& run, const ReportInput& in) {
  const std::string term = png_terminal();
  const double T = in.latency_budget_ms;
  std::ostringstream gp;
  gp << "set terminal " << term << " size 900,380\nset datafile separator ','\n"
     << "set output " << gnuplot_quote(run.file("search_progress.png")) << "\n"
     << "set multiplot layout 1,2\n"
     << "set title 'every evaluated arch' noenhanced\nset xlabel 'generation'\nset ylabel 'predicted latency (ms)'\n"
     << "set grid\nset key bottom right\n"
     << "plot " << gnuplot_quote(run.file("search.csv")) << " skip 1 using ($1+0.3*(rand(0)-0.5)):4 with points pt 7 ps 0.5 title 'candidates', "
     << T << " with lines lw 2 dt 2 title 'T'\n"
     << "set title 'accuracy vs latency of evaluated archs' noenhanced\nset xlabel 'predicted latency (ms)'\n"
     << "set ylabel 'search-valid accuracy (%)'\nset arrow from " << T << ", graph 0 to " << T
     << ", graph 1 nohead dt 2 lw 2\n"
     << "plot " << gnuplot_quote(run.file("search.csv")) << " skip 1 using 4:3 with points pt 7 ps 0.5 notitle\n"
     << "unset multiplot\nunset arrow\n"
     << "set terminal " << term << " size 600,380\n"
     << "set output " << gnuplot_quote(run.file("latency_hist.png")) << "\n"
     << "set title 'latency of the evaluated archs (T dashed)' noenhanced\nset xlabel 'predicted latency (ms)'\n"
     << "set ylabel 'archs'\nset style fill solid 0.6\nbinwidth = " << std::max(1e-4, (in.feasible_hi_ms - in.feasible_lo_ms) / 40) << "\n"
     << "bin(x) = binwidth * floor(x / binwidth)\nset arrow from " << T << ", graph 0 to " << T
     << ", graph 1 nohead dt 2 lw 2\n"
     << "plot " << gnuplot_quote(run.file("search.csv")) << " skip 1 using (bin($4)):(1) smooth freq with boxes notitle\n";
  return gp.str();
}

std::string pareto_plot(const RunDir& run, const ReportInput& in) {
  std::ostringstream gp;
  // The target id is long: it goes under the axis, where it has the width;
  // the offsets keep the point labels at the plot's edges inside it.
  gp << "set terminal " << png_terminal() << " size 760,460\nset datafile separator ','\n"
     << "set output " << gnuplot_quote(run.file("pareto.png")) << "\n"
     << "set title 'test accuracy vs measured latency'\n"
     << "set xlabel " << gnuplot_quote("measured latency (ms) on " + in.target.id()) << " noenhanced font ',9'\n"
     << "set ylabel 'test accuracy (%)'\nset grid\nset key bottom right\n"
     << "set offsets graph 0.08, graph 0.12, graph 0.1, graph 0.05\n"
     << "set arrow from " << in.latency_budget_ms << ", graph 0 to " << in.latency_budget_ms
     << ", graph 1 nohead dt 2\n"
     << "plot ";
  // Error bars first, so the markers are drawn over them.
  if (in.retrain_seeds > 1)
    gp << gnuplot_quote(run.file("pareto.csv")) << " skip 1 using 4:3:9 with yerrorbars pt 0 lc rgb 'gray40' title "
       << gnuplot_quote(str_cat("sd over ", in.retrain_seeds, " seeds")) << ", ";
  gp << gnuplot_quote(run.file("pareto.csv"))
     << " skip 1 using ($6==0?$4:1/0):3 with linespoints pt 5 ps 1.2 title 'ShuffleNetV2 (uniform width)', "
     << gnuplot_quote(run.file("pareto.csv"))
     << " skip 1 using ($6==2?$4:1/0):3 with linespoints pt 9 ps 1.2 title 'MobileNetV2 (uniform width)', "
     << gnuplot_quote(run.file("pareto.csv"))
     << " skip 1 using ($6==1?$4:1/0):3 with points pt 3 ps 2.5 lw 2 title 'searched', "
     << gnuplot_quote(run.file("pareto.csv")) << " skip 1 using ($6==" << kRandomFamily
     << "?$4:1/0):3 with points pt 6 ps 1.2 lc rgb 'gray50' title 'random within [0.95 T, T]', "
     << gnuplot_quote(run.file("pareto.csv")) << " skip 1 using 4:3:($6==" << kRandomFamily
     << "?\"\":strcol(1)) with labels offset 0,1 font ',8' notitle noenhanced\n";
  return gp.str();
}

}  // namespace

std::string verdict_against_random(const RandomComparison& rc) {
  if (std::isnan(rc.lead_in_se)) return "one training each cannot tell";
  if (rc.lead_in_se > 1) return "ahead of random by more than its standard error";
  if (rc.lead_in_se < -1) return "BEHIND random by more than its standard error";
  return "not distinguishable from random at this scale";
}

namespace {

/// The pick against one baseline family at its measured latency: the
/// family's accuracy interpolated there (linear between the members on
/// either side), or, outside the family's range, against its nearest member.
std::string against_family(const std::vector<ReportNet>& nets, int family, const std::string& name) {
  const ReportNet& pick = nets.front();
  std::vector<const ReportNet*> f;
  for (const ReportNet& n : nets)
    if (n.family == family) f.push_back(&n);
  if (f.empty()) return "";
  std::sort(f.begin(), f.end(), [](const ReportNet* a, const ReportNet* b) { return a->measured_ms < b->measured_ms; });
  const double x = pick.measured_ms, acc = pick.test_accuracy();
  double ref;
  std::string where;
  if (x <= f.front()->measured_ms) {
    ref = f.front()->test_accuracy();
    where = str_cat(" (its fastest, ", f.front()->label, ", is ", fmt(f.front()->measured_ms / x, 2), "x slower)");
  } else if (x >= f.back()->measured_ms) {
    ref = f.back()->test_accuracy();
    where = str_cat(" (its slowest, ", f.back()->label, ", is ", fmt(x / f.back()->measured_ms, 2), "x faster)");
  } else {
    size_t k = 1;
    while (f[k]->measured_ms < x) ++k;
    const double t = (x - f[k - 1]->measured_ms) / (f[k]->measured_ms - f[k - 1]->measured_ms);
    ref = f[k - 1]->test_accuracy() + t * (f[k]->test_accuracy() - f[k - 1]->test_accuracy());
    where = " (interpolated at the pick's latency)";
  }
  return str_cat(acc >= ref ? "ahead of " : "behind ", name, " by ", fmt(std::fabs(acc - ref)), " points", where);
}

}  // namespace

std::string pick_origin(const std::vector<RerankRow>& rerank) {
  const auto chosen = std::find_if(rerank.begin(), rerank.end(), [](const RerankRow& r) { return r.chosen; });
  const size_t uniform = std::count_if(rerank.begin(), rerank.end(), [](const RerankRow& r) { return r.uniform; });
  if (chosen == rerank.end() || uniform == 0) return "";
  if (!chosen->uniform)
    return str_cat("the search's candidate, ahead of ", uniform, " uniform draw", uniform == 1 ? "" : "s",
                   " in the re-ranking");
  if (rerank.size() == uniform) return "a uniform draw (the re-ranking had no candidate of the search's)";
  // Where the search's best candidate placed among all, by the re-ranking's score.
  double best_searched = -std::numeric_limits<double>::infinity();
  for (const RerankRow& r : rerank)
    if (!r.uniform) best_searched = std::max(best_searched, r.score);
  const size_t place =
      1 + std::count_if(rerank.begin(), rerank.end(), [&](const RerankRow& r) { return r.score > best_searched; });
  return str_cat("a uniform draw, not the search's: its best candidate placed ", place, " of ", rerank.size(),
                 " in the re-ranking");
}

std::string verdict_line(const ReportInput& in) {
  const ReportNet& pick = in.nets.front();
  const double miss = pick.measured_ms / in.latency_budget_ms - 1;
  std::vector<std::string> parts;
  parts.push_back(miss > 0 ? str_cat("T missed: measured ", fmt(100 * miss, 1), "% over")
                  : miss >= -0.05 ? str_cat("T hit (", fmt(100 * miss, 1), "%)")
                                  : str_cat("under T by ", fmt(-100 * miss, 1), "%, more than 5%"));
  for (const auto& [family, name] : std::vector<std::pair<int, std::string>>{{0, "ShuffleNetV2"}, {2, "MobileNetV2"}}) {
    const std::string a = against_family(in.nets, family, name);
    if (!a.empty()) parts.push_back(a);
  }
  const RandomComparison rc = compare_with_random(in.nets);
  if (rc.n > 0) parts.push_back(str_cat("random archs: ", verdict_against_random(rc)));
  const std::string origin = pick_origin(in.rerank);
  if (!origin.empty()) parts.push_back("the pick: " + origin);
  return "Verdict: " + join(parts, "; ") + ".";
}

RandomComparison compare_with_random(const std::vector<ReportNet>& nets) {
  RandomComparison c;
  std::vector<double> means, ms;
  c.timed = true;
  for (const ReportNet& n : nets)
    if (n.family == kRandomFamily) {
      means.push_back(n.test_accuracy());
      ms.push_back(n.measured_ms);
      c.timed = c.timed && !std::isnan(n.checked_ms);
    }
  c.n = static_cast<int>(means.size());
  c.timed = c.timed && c.n > 0;
  if (c.n == 0 || nets.empty()) return c;
  const ReportNet& pick = nets.front();
  c.mean = mean_of(means);
  c.se = c.n > 1 ? std_of(means) / std::sqrt(static_cast<double>(c.n)) : 0;
  c.mean_measured_ms = mean_of(ms);
  c.pick_mean = pick.test_accuracy();
  const size_t seeds = pick.test_accuracies.size();
  c.pick_se = seeds > 1 ? pick.test_accuracy_sd() / std::sqrt(static_cast<double>(seeds)) : 0;
  c.lead = c.pick_mean - c.mean;
  const double se = std::sqrt(c.se * c.se + c.pick_se * c.pick_se);
  c.lead_in_se = se > 0 ? c.lead / se : std::nan("");
  return c;
}

namespace {

/// pareto.csv: every final network's accuracy and latency (the plots read it).
void write_pareto_csv(const RunDir& run, const std::vector<ReportNet>& nets) {
  std::ostringstream csv;
  csv << "network,arch,test_accuracy,measured_ms,predicted_ms,family,parameters,macs,test_accuracy_sd,seeds,"
         "measured_raw_ms\n";
  for (const ReportNet& n : nets)
    csv << n.label << ",\"" << n.space->format(n.arch) << "\"," << n.test_accuracy() << "," << n.measured_ms << ","
        << (std::isnan(n.predicted_ms) ? "" : format_number(n.predicted_ms)) << "," << n.family << ","
        << n.parameters << "," << n.macs << "," << n.test_accuracy_sd() << "," << n.test_accuracies.size() << ","
        << n.raw_measured_ms << "\n";
  run.write("pareto.csv", csv.str());
}

}  // namespace

/// The export stage's table: each final's ONNX file, OpenCV DNN against
/// LibTorch on test images, and its latency on both runtimes.
void write_export_section(std::ostream& md, const ReportInput& in) {
  if (in.nets.empty() || in.nets.front().exported.file.empty()) return;
  const std::string other = in.nets.front().exported.other_runtime;
  const bool opencv_target = in.target.kind == "local-opencv";
  md << "## Exported models (ONNX)\n\n"
     << "Each network's first-seed weights as `<name>.onnx` (opset " << kOnnxOpset
     << ", BatchNorm folded), loaded by OpenCV DNN and run on the first " << in.nets.front().exported.images
     << " test images beside LibTorch"
     << (other.empty() ? "." : str_cat("; timed on the other runtime too (`", other, "`, same threads and batch, a fresh process)."))
     << "\n\n| network | file | max \\|logit diff\\| | top-1 agreement | "
     << (other.empty() ? "" : opencv_target ? "OpenCV DNN (target) | LibTorch | LibTorch / OpenCV |"
                                            : "LibTorch (target) | OpenCV DNN | LibTorch / OpenCV |")
     << "\n|---|---|---:|---:|" << (other.empty() ? "" : "---:|---:|---:|") << "\n";
  for (const ReportNet& n : in.nets) {
    const ExportCheck& e = n.exported;
    md << "| " << n.label << " | `" << e.file << "` | " << (std::isnan(e.max_abs_diff) ? "-" : fmt_sci(e.max_abs_diff))
       << " | " << (std::isnan(e.top1_agreement) ? "-" : fmt(100 * e.top1_agreement) + "%") << " |";
    if (!other.empty()) {
      const double torch_ms = opencv_target ? e.other_runtime_ms : n.raw_measured_ms;
      const double opencv_ms = opencv_target ? n.raw_measured_ms : e.other_runtime_ms;
      md << " " << fmt(n.raw_measured_ms, 3) << " ms | " << fmt(e.other_runtime_ms, 3) << " ms | "
         << fmt(torch_ms / opencv_ms, 2) << "x |";
    }
    md << "\n";
  }
  md << "\n";
}

void write_report(const RunDir& run, const ReportInput& in) {
  const SearchSpace& space = *in.space;
  HWNAS_CHECK(!in.nets.empty(), "report needs the final networks");
  const ReportNet& best = in.nets.front();
  HWNAS_CHECK(best.searched(), "report: the searched network comes first");

  write_pareto_csv(run, in.nets);

  std::string plot_note;
  if (gnuplot_available()) {
    try {
      if (in.history) run_gnuplot(search_plots(run, in), run.file("search_progress.gp"));
      run_gnuplot(pareto_plot(run, in), run.file("pareto.gp"));
    } catch (const Error& e) {
      plot_note = str_cat("\n> Plots failed: ", e.what(), "\n");
    }
  } else {
    plot_note = "\n> Plots skipped: gnuplot is not installed (apt-get install gnuplot-nox); the CSVs are here.\n";
  }

  std::ostringstream md;
  md << "# hwnas run report\n\n"
     << "| | |\n|---|---|\n"
     << "| data | " << in.dataset << " |\n"
     << "| space | `" << space.description << "` (" << fmt(space.size().distinct_log10, 1) << " log10 distinct archs) |\n"
     << "| target | `" << in.target.id() << "`"
     << (in.target.fold ? " (networks timed with BatchNorm folded into the convolutions, as deployed)" : "") << " |\n"
     << "| latency budget T | " << fmt(in.latency_budget_ms, 3) << " ms (feasible " << fmt(in.feasible_lo_ms, 3) << " - "
     << fmt(in.feasible_hi_ms, 3) << " ms) |\n"
     << "| latency model | " << in.latency_model << " |\n"
     << "| objective | `" << in.objective << "` |\n"
     << "| strategy | `" << in.strategy << "`"
     << (in.history ? str_cat(" (", in.history->size(), " archs evaluated)") : std::string()) << " |\n";
  if (!in.calibration.empty()) md << "| accuracy | `" << in.calibration << "` (`calibration.json`) |\n";
  if (!in.latency_check.empty()) md << "| latency check | " << in.latency_check << " |\n";
  md << "\n";

  md << "## Result\n\n";
  if (in.retrain_seeds > 1)
    md << "Every network was trained " << in.retrain_seeds << " times (seeds " << in.first_seed << " to "
       << in.first_seed + in.retrain_seeds - 1 << "); test accuracy is the mean and the sample sd.\n\n";
  md << "| network | test accuracy | measured latency | as timed | predicted latency | params | MACs |\n"
     << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const ReportNet& n : in.nets)
    md << "| " << (n.searched() ? "**" + n.label + "**" : n.label) << " | " << fmt(n.test_accuracy()) << "%"
       << (n.test_accuracies.size() > 1 ? " ± " + fmt(n.test_accuracy_sd()) : std::string()) << " | "
       << fmt(n.measured_ms, 3) << " ms | " << fmt(n.raw_measured_ms, 3) << " ms (cv " << fmt(100 * n.measured_cv, 1)
       << "%) | "
       << (std::isnan(n.predicted_ms) ? std::string("-") : fmt(n.predicted_ms, 3) + " ms") << " | " << n.parameters
       << " | " << n.macs << " |\n";
  md << "\nThe searched network's measured latency is " << fmt(100 * (best.measured_ms / in.latency_budget_ms - 1), 1)
     << "% off the budget; the latency model's error on it is "
     << fmt(100 * (best.predicted_ms / best.measured_ms - 1), 1) << "%.";
  if (!std::isnan(in.drift_since_profile))
    md << " Each network was timed between two timings of the table's speed reference, which took "
       << fmt(1 + in.drift_since_profile, 3)
       << "x its fastest time at profiling (median): the measured latencies are the timings divided by that, at the "
          "machine's speed when the table and T were made (a shared host's speed moves by 15-40% for minutes); "
          "`as timed` is before the division.";
  if (!std::isnan(best.checked_ms))
    md << " The latency check timed the same arch at " << fmt(best.checked_ms, 3) << " ms: the two timings differ by "
       << fmt(100 * (best.measured_ms / best.checked_ms - 1), 1) << "%.";
  md << "\n\n";
  const RandomComparison rc = compare_with_random(in.nets);
  if (rc.n > 0)
    md << "## Against random archs at the same budget\n\n" << rc.n
       << " archs drawn uniformly among those predicted within [0.95 T, T]"
       << (rc.timed ? " and timed at most 0.98 T" : "") << ", retrained and measured like the pick: "
       << fmt(rc.mean) << "% mean test accuracy (standard error " << fmt(rc.se) << ") at " << fmt(rc.mean_measured_ms, 3)
       << " ms mean measured latency. The pick: " << fmt(rc.pick_mean) << "%, "
       << (rc.lead >= 0 ? "+" : "") << fmt(rc.lead) << " points"
       << (std::isnan(rc.lead_in_se) ? std::string(" (no standard error with one arch and one seed)")
                                     : str_cat(", ", fmt(rc.lead_in_se, 1), " combined standard errors"))
       << ": " << verdict_against_random(rc) << ".\n\n";

  md << "**" << verdict_line(in) << "**\n\n";
  write_export_section(md, in);

  const SearchSpace& pick_space = *best.space;
  md << "## The pick's arch\n\n`" << pick_space.format(best.arch) << "`\n\n"
     << "| layer | stage | in | out | stride | op | width | mid ch | LUT ms |\n|---:|---:|---|---:|---:|---|---:|---:|---:|\n";
  for (int l = 0; l < pick_space.num_layers(); ++l) {
    const LayerSpec& L = pick_space.layers[l];
    const Gene& g = best.arch.genes[l];
    const OpDef& op = pick_space.ops[g.op];
    md << "| " << l + 1 << " | " << L.stage + 1 << " | " << L.cin << "x" << L.in_h << "x" << L.in_w << " | " << L.cout
       << " | " << L.stride << " | " << op.name << " | "
       << (op.scalable ? format_number(pick_space.width_factors[g.width]) : "-") << " | " << pick_space.mid_channels(l, g)
       << " | " << (in.op_latency_ms ? fmt(in.op_latency_ms(l, g), 4) : "") << " |\n";
  }

  if (!in.method_section.empty()) md << "\n" << in.method_section;

  if (!in.rerank.empty()) {
    md << "\n## Re-ranking\n\nThe search's best candidates"
       << (std::any_of(in.rerank.begin(), in.rerank.end(), [](const RerankRow& r) { return r.uniform; })
               ? " and archs drawn uniformly among those predicted a little under T (*uniform*)" : "")
       << ", each trained stand-alone (" << in.rerank_training
       << ") and scored on search-valid; the objective with that accuracy and the "
       << (in.latency_check.empty() ? "predicted" : "measured (latency check)")
       << " latency picks the network above (`rerank.csv`).\n\n"
       << "| # | arch | supernet acc | search score | " << (in.latency_check.empty() ? "predicted" : "measured")
       << " latency | stand-alone acc | score |\n"
       << "|---:|---|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < in.rerank.size(); ++i) {
      const RerankRow& r = in.rerank[i];
      const SearchRecord& c = r.candidate;
      const std::string b = r.chosen ? "**" : "";
      md << "| " << i + 1 << (r.uniform ? " *uniform*" : "") << " | `" << c.arch_text << "` | " << fmt(c.accuracy)
         << "% | " << fmt(c.score) << " | " << fmt(r.latency_ms, 3) << " ms | " << b << fmt(r.standalone_accuracy) << "%" << b << " | " << b
         << fmt(r.score) << b << " |\n";
    }
  }

  if (!in.widen.empty()) {
    md << "\n## Widening\n\nThe widths of " << (in.widen.size() == 1 ? "the search's pick" : "each candidate")
       << " raised, cheapest latency step first, while the search's latency model keeps it within T (HSCoNAS's "
          "channel scaling: more channels, more accuracy; `widen.csv`).\n\n"
       << "| # | mean width | predicted latency | measured | supernet acc |\n|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < in.widen.size(); ++i) {
      const WidenRow& w = in.widen[i];
      md << "| " << i + 1 << " | " << fmt(mean_width(space, w.original.arch)) << " -> "
         << fmt(mean_width(space, w.widened.arch)) << " | " << fmt(w.original.latency_ms, 3)
         << " -> " << fmt(w.widened.latency_ms, 3) << " ms | "
         << (std::isnan(w.measured_ms) ? std::string("-") : fmt(w.measured_ms, 3) + " ms") << " | "
         << fmt(w.original.accuracy) << "% -> " << fmt(w.widened.accuracy) << "% |\n";
    }
  }

  md << "\n## Search cost per stage\n\n| stage | wall time |\n|---|---:|\n";
  double total = 0;
  for (const auto& [name, s] : in.stage_seconds) {
    md << "| " << name << " | " << fmt(s / 60, 1) << " min |\n";
    total += s;
  }
  md << "| **total** | **" << fmt(total / 60, 1) << " min** |\n";
  if (in.shrink_log10_sizes.size() > 1) {
    md << "\nSpace shrinking: ";
    for (size_t i = 0; i < in.shrink_log10_sizes.size(); ++i)
      md << (i ? " -> " : "") << "10^" << fmt(in.shrink_log10_sizes[i], 1);
    md << " distinct archs (`shrink.json` has Q of every subspace).\n";
  }

  md << "\n## Plots\n" << plot_note << "\n"
     << (in.history ? "![search progress](search_progress.png)\n\n![latency histogram](latency_hist.png)\n\n" : "")
     << "![pareto](pareto.png)\n\n"
     << "Data: `search.csv` (every evaluated arch), `pareto.csv`, `lut.json`, `shrink.json`, `measured.json`, "
        "`stages.json`" << (in.rerank.empty() ? "" : ", `rerank.csv`")
     << (in.widen.empty() ? "" : ", `widen.csv`") << ".\n";
  run.write("report.md", md.str());
}

void print_summary(const RunDir& run, const ReportInput& in) {
  const ReportNet& s = in.nets.front();
  const int seeds = in.retrain_seeds;
  std::printf("\nhwnas run: %s on %s, budget T = %.3f ms\n", in.dataset.c_str(), in.target.id().c_str(),
              in.latency_budget_ms);
  std::printf("best arch %s\n", s.space->format(s.arch).c_str());
  if (seeds > 1) std::printf("test accuracy: mean and sample sd over %d seeds\n", seeds);
  int w = 28;  // the label column, as wide as the longest label
  for (const ReportNet& n : in.nets) w = std::max(w, static_cast<int>(n.label.size()));
  std::printf("%-*s %9s%s %9s %9s %10s\n", w, "network", "test acc", seeds > 1 ? "    sd" : "", "pred ms", "meas ms",
              "params");
  for (const ReportNet& n : in.nets) {
    std::printf("%-*s %8.2f%%", w, n.label.c_str(), n.test_accuracy());
    if (seeds > 1) std::printf(" %5.2f", n.test_accuracy_sd());
    std::printf(" %9.3f %9.3f %10lld\n", n.predicted_ms, n.measured_ms, static_cast<long long>(n.parameters));
  }
  std::printf("measured latency is %+.1f%% off the budget", 100 * (s.measured_ms / in.latency_budget_ms - 1));
  if (!std::isnan(in.drift_since_profile))
    std::printf(" at the table's speed (timed %.3f ms while the speed reference took %s its time then)",
                s.raw_measured_ms, format_ratio(1 + in.drift_since_profile).c_str());
  if (!std::isnan(s.checked_ms))
    std::printf("; the latency check timed it at %.3f ms (%+.1f%%)", s.checked_ms, 100 * (s.measured_ms / s.checked_ms - 1));
  std::printf("; report: %s\n", run.file("report.md").c_str());
  const RandomComparison rc = compare_with_random(in.nets);
  if (rc.n > 0)
    std::printf("against %d random archs within [0.95 T, T]: %.2f%% vs their %.2f%% (SE %.2f): %s\n", rc.n, rc.pick_mean,
                rc.mean, rc.se, verdict_against_random(rc).c_str());
  std::printf("%s\n", verdict_line(in).c_str());
}

}  // namespace hwnas
