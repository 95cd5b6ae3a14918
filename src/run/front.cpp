#include "run/front.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/plot.h"
#include "core/stats.h"
#include "core/strings.h"
#include "run/pipeline.h"
#include "run/report.h"
#include "run/run_dir.h"
#include "run/stage.h"

namespace hwnas {

using nlohmann::json;

Budget parse_budget(const std::string& text) {
  Budget b;
  b.text = trim(text);
  HWNAS_CHECK(!b.text.empty(), "empty latency budget");
  if (b.text.back() == 'x') {
    b.of_median = parse_double(b.text.substr(0, b.text.size() - 1), "latency budget (a multiple of the median: 0.9x)");
    HWNAS_CHECK(b.of_median > 0 && std::isfinite(b.of_median), "latency budget must be positive, got '", text, "'");
  } else {
    b.ms = parse_duration_ms(b.text);
  }
  return b;
}

double FrontNet::accuracy() const { return mean_of(accuracies); }

double FrontNet::standard_error() const {
  return accuracies.size() < 2 ? 0.0 : std_of(accuracies) / std::sqrt(static_cast<double>(accuracies.size()));
}

std::vector<FrontVerdict> compare_front(const std::vector<FrontNet>& picks, const std::vector<FrontNet>& baselines) {
  std::vector<FrontVerdict> out;
  for (size_t b = 0; b < baselines.size(); ++b) {
    const FrontNet& base = baselines[b];
    FrontVerdict v;
    v.baseline = static_cast<int>(b);
    for (size_t i = 0; i < picks.size(); ++i) {
      const FrontNet& p = picks[i];
      if (p.measured_ms <= base.measured_ms && (v.within < 0 || p.accuracy() > picks[v.within].accuracy()))
        v.within = static_cast<int>(i);
      if (p.accuracy() >= base.accuracy() && (v.as_accurate < 0 || p.measured_ms < picks[v.as_accurate].measured_ms))
        v.as_accurate = static_cast<int>(i);
    }
    if (v.within >= 0) {
      const FrontNet& p = picks[v.within];
      v.lead = p.accuracy() - base.accuracy();
      const double se = std::hypot(p.standard_error(), base.standard_error());
      v.lead_in_se = se > 0 ? v.lead / se : std::nan("");
    }
    if (v.as_accurate >= 0) v.speedup = base.measured_ms / picks[v.as_accurate].measured_ms;
    out.push_back(v);
  }
  return out;
}

namespace {

/// The finals of one method run, from its retrain and measure records.
std::vector<FrontNet> read_finals(const RunDir& run, double budget_ms) {
  for (const char* f : {"stages/retrain.json", "stages/measure.json"})
    HWNAS_CHECK(run.has(f), run.file(f), " is missing: the run at this budget did not finish");
  const json trained = json::parse(run.read("stages/retrain.json")).at("record").at("nets");
  const json measured = json::parse(run.read("stages/measure.json")).at("record").at("nets");
  std::vector<FrontNet> out;
  for (const json& t : trained) {
    FrontNet n;
    n.name = t.at("name").get<std::string>();
    n.label = t.at("label").get<std::string>();
    n.family = t.at("family").get<int>();
    n.budget_ms = n.family == 1 || n.family == kRandomFamily ? budget_ms : 0;
    n.accuracies = t.at("test_accuracies").get<std::vector<double>>();
    n.run_dir = run.root();
    const auto m = std::find_if(measured.begin(), measured.end(), [&](const json& x) { return x.at("name") == t.at("name"); });
    HWNAS_CHECK(m != measured.end(), run.file("stages/measure.json"), " lacks ", t.at("name").get<std::string>());
    n.measured_ms = m->at("at_profile_speed_ms").get<double>();
    out.push_back(n);
  }
  return out;
}

std::string pct(double v) { return format_fixed(v, 2) + "%"; }

std::string acc_text(const FrontNet& n) {
  return n.accuracies.size() > 1 ? str_cat(format_fixed(n.accuracy(), 2), " ± ", format_fixed(std_of(n.accuracies), 2), "%")
                                 : pct(n.accuracy());
}

/// One sentence per baseline: the front against it at equal latency and at
/// equal accuracy.
std::string verdict_text(const FrontVerdict& v, const std::vector<FrontNet>& picks, const FrontNet& base) {
  std::string s = str_cat(base.label, " (", acc_text(base), " at ", format_ms(base.measured_ms), " ms): ");
  if (v.within < 0) {
    s += "no pick is as fast";
  } else {
    const FrontNet& p = picks[v.within];
    s += str_cat(v.lead > 0 ? "AHEAD" : v.lead < 0 ? "behind" : "level", " at equal latency, by ", format_fixed(std::fabs(v.lead), 2),
                 " points (the pick at T = ", format_ms(p.budget_ms), " ms: ", acc_text(p), " at ",
                 format_ms(p.measured_ms), " ms", std::isnan(v.lead_in_se) ? "" : str_cat(", ", format_fixed(v.lead_in_se, 1), " SE"),
                 ")");
  }
  if (v.as_accurate >= 0)
    s += str_cat("; as accurate and ", format_ratio(v.speedup), " faster at T = ",
                 format_ms(picks[v.as_accurate].budget_ms), " ms");
  else
    s += "; no pick is as accurate";
  return s;
}

std::string front_plot(const RunDir& run, bool seeds, bool widened) {
  const std::string csv = gnuplot_quote(run.file("front.csv"));
  std::ostringstream gp;
  gp << "set terminal " << png_terminal() << " size 760,460\nset datafile separator ','\n"
     << "set output " << gnuplot_quote(run.file("front.png")) << "\n"
     << "set title 'the searched front: test accuracy vs measured latency'\n"
     << "set xlabel 'measured latency (ms)'\nset ylabel 'test accuracy (%)'\nset grid\nset key bottom right\n"
     << "set offsets graph 0.08, graph 0.12, graph 0.1, graph 0.05\n"
     << "plot ";
  if (seeds) gp << csv << " skip 1 using 5:3:4 with yerrorbars pt 0 lc rgb 'gray40' title 'sd over seeds', ";
  gp << csv << " skip 1 using ($9==1?$5:1/0):3 with linespoints pt 7 ps 1.4 lw 2 title 'searched, one per budget', ";
  if (widened)
    gp << csv << " skip 1 using ($2==1&&$9==0?$5:1/0):3 with points pt 6 ps 1.4 lw 2 title 'the picks trained wider (Domino-Pro)', ";
  gp << csv << " skip 1 using ($2==0?$5:1/0):3 with linespoints pt 5 ps 1.2 title 'ShuffleNetV2 (uniform width)', "
     << csv << " skip 1 using ($2==2?$5:1/0):3 with linespoints pt 9 ps 1.2 title 'MobileNetV2 (uniform width)', "
     << csv << " skip 1 using ($2==" << kRandomFamily
     << "?$5:1/0):3 with points pt 6 ps 1 lc rgb 'gray50' title 'random within [0.95 T, T]'\n";
  return gp.str();
}

/// One budget's run: the budget as given, and its best.json.
struct BudgetRun {
  std::string text;
  json best;
};

/// front.csv, front.md, front.png and the summary on stdout; the record.
/// `runs` by run directory; the random archs' comparison is each run's own
/// (best.json's random_baseline, as its report states it).
json write_front(const RunDir& run, const std::vector<FrontNet>& nets, const std::map<std::string, BudgetRun>& runs) {
  // The picks in the order of their budgets.
  std::vector<FrontNet> picks, baselines;
  for (const FrontNet& n : nets) {
    if (n.name == "final") picks.push_back(n);
    if (n.family == 0 || n.family == 2) baselines.push_back(n);
  }
  std::stable_sort(picks.begin(), picks.end(), [](const FrontNet& a, const FrontNet& b) { return a.budget_ms < b.budget_ms; });
  const std::vector<FrontVerdict> verdicts = compare_front(picks, baselines);

  // By family, the picks before other searched nets, then by latency: each
  // line of the plot is a run of consecutive rows.
  std::vector<FrontNet> sorted = nets;
  std::stable_sort(sorted.begin(), sorted.end(), [](const FrontNet& a, const FrontNet& b) {
    const bool pa = a.name == "final", pb = b.name == "final";
    if (a.family != b.family) return a.family < b.family;
    return pa != pb ? pa : a.measured_ms < b.measured_ms;
  });
  bool seeds = false, widened = false;
  std::ostringstream csv;
  csv << "network,family,test_accuracy,test_accuracy_sd,measured_ms,budget_ms,seeds,run,pick\n";
  for (const FrontNet& n : sorted) {
    seeds = seeds || n.accuracies.size() > 1;
    widened = widened || (n.family == 1 && n.name != "final");
    csv << '"' << n.label << "\"," << n.family << "," << n.accuracy() << "," << std_of(n.accuracies) << ","
        << n.measured_ms << "," << n.budget_ms << "," << n.accuracies.size() << ",\"" << n.run_dir << "\","
        << (n.name == "final") << "\n";
  }
  run.write("front.csv", csv.str());

  json rows = json::array(), base_rows = json::array(), verdict_rows = json::array();
  std::ostringstream md, table;
  table << "| budget | T | pick: from | test acc | measured (vs T) | random archs: mean (SE) | lead |\n"
        << "|---|---:|---|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < picks.size(); ++i) {
    const FrontNet& p = picks[i];
    const BudgetRun& r = runs.at(p.run_dir);
    const json& random = r.best.at("random_baseline");
    const double miss = p.measured_ms / p.budget_ms - 1;
    const std::string from = r.best.value("picked_from", std::string("-"));  // "-": a record from before the field
    auto number = [](const json& v, int digits) { return v.is_number() ? format_fixed(v.get<double>(), digits) : "-"; };
    table << "| " << r.text << " | " << format_ms(p.budget_ms) << " ms | " << from << " | " << acc_text(p) << " | "
          << format_ms(p.measured_ms) << " ms (" << (miss >= 0 ? "+" : "") << format_fixed(100 * miss, 1) << "%) | "
          << (random.is_null() ? "-" : str_cat(pct(random.at("mean_test_accuracy").get<double>()), " (",
                                               number(random.at("standard_error"), 2), ")"))
          << " | "
          << (random.is_null() ? "-" : str_cat(number(random.at("pick_lead"), 2), " (",
                                               number(random.at("pick_lead_in_standard_errors"), 1), " SE)"))
          << " |\n";
    rows.push_back({{"budget", r.text}, {"budget_ms", p.budget_ms}, {"run_dir", p.run_dir}, {"picked_from", from == "-" ? json() : json(from)},
                    {"test_accuracy", p.accuracy()}, {"test_accuracies", p.accuracies},
                    {"measured_latency_ms", p.measured_ms}, {"within_budget", p.measured_ms <= p.budget_ms},
                    {"random_mean_test_accuracy", random.is_null() ? json() : random.at("mean_test_accuracy")},
                    {"random_standard_error", random.is_null() ? json() : random.at("standard_error")}});
  }
  for (const FrontNet& b : baselines)
    base_rows.push_back({{"label", b.label}, {"family", b.family}, {"test_accuracy", b.accuracy()},
                         {"test_accuracies", b.accuracies}, {"measured_latency_ms", b.measured_ms}});
  std::string verdict_lines;
  int ahead = 0;
  for (const FrontVerdict& v : verdicts) {
    const std::string line = verdict_text(v, picks, baselines[v.baseline]);
    verdict_lines += "- " + line + "\n";
    ahead += v.within >= 0 && v.lead > 0;
    verdict_rows.push_back({{"baseline", baselines[v.baseline].label},
                            {"best_pick_as_fast", v.within < 0 ? json() : json(picks[v.within].budget_ms)},
                            {"lead", v.within < 0 ? json() : json(v.lead)},
                            {"lead_in_standard_errors", v.within < 0 || std::isnan(v.lead_in_se) ? json() : json(v.lead_in_se)},
                            {"fastest_pick_as_accurate", v.as_accurate < 0 ? json() : json(picks[v.as_accurate].budget_ms)},
                            {"speedup", v.as_accurate < 0 ? json() : json(v.speedup)}});
  }
  int hit = 0;
  for (const FrontNet& p : picks) hit += p.measured_ms <= p.budget_ms;
  const std::string verdict = str_cat(hit, " of ", picks.size(), " picks within their budget; ahead of ", ahead, " of ",
                                      baselines.size(), " baselines at equal latency");
  md << "# The searched front\n\n"
     << "One search per budget; every budget after the first reuses the first's budget-independent work (latency "
        "table, supernet, Domino's trained masks, baselines). Each pick's run directory holds its own report.\n\n"
     << table.str() << "\n## Against the baselines\n\n"
     << "At equal latency: the most accurate pick measured no slower than the baseline. At equal accuracy: the "
        "fastest pick at least as accurate.\n\n"
     << verdict_lines << "\n**Verdict: " << verdict << ".**\n\n![front](front.png)\n\nData: `front.csv`, `front.json`";
  // Links relative to front.md, which sits beside the budgets' directories.
  for (const FrontNet& p : picks) {
    const std::string dir = std::filesystem::path(p.run_dir).filename().string();
    md << ", [`" << dir << "/report.md`](" << dir << "/report.md)";
  }
  md << ".\n";
  std::string plot_note;
  if (gnuplot_available()) {
    try {
      run_gnuplot(front_plot(run, seeds, widened), run.file("front.gp"));
    } catch (const Error& e) {
      plot_note = str_cat("\n> Plot failed: ", e.what(), "\n");
    }
  } else {
    plot_note = "\n> Plot skipped: gnuplot is not installed (apt-get install gnuplot-nox); front.csv is here.\n";
  }
  run.write("front.md", md.str() + plot_note);
  const json record{{"budgets", rows}, {"baselines", base_rows}, {"against", verdict_rows}, {"verdict", verdict}};
  run.write("front.json", record.dump(2));

  std::printf("searched front (%zu budgets), %s\n", picks.size(), run.file("front.md").c_str());
  std::printf("%s\n%sVerdict: %s.\n", table.str().c_str(), verdict_lines.c_str(), verdict.c_str());
  return record;
}

}  // namespace

void run_front(const PipelineOptions& o) {
  HWNAS_CHECK(o.budgets.size() >= 2, "--budgets needs at least two budgets (one is --latency)");
  std::vector<Budget> budgets;
  for (const std::string& t : o.budgets) {
    budgets.push_back(parse_budget(t));
    for (size_t i = 0; i + 1 < budgets.size(); ++i)
      HWNAS_CHECK(budgets[i].text != budgets.back().text, "--budgets names ", t, " twice");
  }
  const RunDir top(o.common.run_dir);
  std::vector<std::string> plan;
  for (size_t i = 0; i < budgets.size(); ++i) plan.push_back(str_cat("budget", i + 1));
  plan.push_back("front");
  StageRunner stages(top, plan);
  std::vector<FrontNet> nets;
  std::map<std::string, BudgetRun> runs;
  std::string first;
  for (size_t i = 0; i < budgets.size(); ++i) {
    const Budget& b = budgets[i];
    PipelineOptions sub = o;
    sub.budgets.clear();
    sub.latency_ms = b.ms;
    sub.latency_of_median = b.of_median;
    sub.common.run_dir = top.file("T" + b.text);
    // The first budget starts from --reuse, if given; the others from the first.
    sub.reuse = i == 0 ? o.reuse : first;
    if (i == 0) first = sub.common.run_dir;
    const RunDir sub_run(sub.common.run_dir);
    const json best =
        stages.run(plan[i], str_cat("budget ", b.text, ": ", o.method, " in ", sub_run.root()), json{{"budget", b.text}}, [&] {
          run_pipeline(sub);
          return json::parse(sub_run.read("best.json"));
        });
    for (FrontNet& n : read_finals(sub_run, best.at("latency_budget_ms").get<double>()))
      if (i == 0 || (n.family != 0 && n.family != 2)) nets.push_back(n);  // the baselines once
    runs[sub_run.root()] = {b.text, best};
  }
  stages.run("front", "the searched front against the baselines", json::object(),
             [&] { return write_front(top, nets, runs); });
}

}  // namespace hwnas
