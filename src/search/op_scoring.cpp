#include "search/op_scoring.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/flops.h"
#include "core/strings.h"

namespace hwnas {

void OpScoringOptions::validate() const {
  HWNAS_CHECK(alpha >= 0 && std::isfinite(alpha), "op scoring: alpha must be >= 0, got ", alpha);
  HWNAS_CHECK(beta >= 0 && std::isfinite(beta), "op scoring: beta must be >= 0, got ", beta);
  HWNAS_CHECK(top >= 1, "op scoring: top must be >= 1, got ", top);
  HWNAS_CHECK(explore_layers >= 0, "op scoring: explore layers must be >= 0, got ", explore_layers);
  HWNAS_CHECK(explore_layers == 0 || explore_index >= top, "op scoring: the exploring op index e must be >= top = ",
              top, " (Algorithm 1: e >= 4), got ", explore_index);
  HWNAS_CHECK(batch >= 1, "op scoring: batch must be >= 1, got ", batch);
}

double operator_score(double flops, double params, double latency_ms, double alpha, double beta) {
  HWNAS_CHECK(latency_ms > 0 && std::isfinite(latency_ms), "op scoring: latency must be > 0 ms, got ",
              latency_ms);
  // HURRICANE Eq. 4: (FLOPs x #Params^beta)^alpha x Latency^-1.
  if (alpha == 0) return 1.0 / latency_ms;
  return std::pow(flops * std::pow(params, beta), alpha) / latency_ms;
}

OpScoring score_operators(const SearchSpace& space, const OpLatencyFn& latency_ms,
                          const OpScoringOptions& options) {
  options.validate();
  HWNAS_CHECK(static_cast<bool>(latency_ms), "op scoring needs a latency source");
  OpScoring out;
  out.options = options;
  const int n = space.num_layers();
  for (int l = 0; l < n; ++l) {
    const LayerSpec& spec = space.layers[l];
    LayerScores ls;
    ls.layer = l;
    for (int o : spec.ops) {
      const Gene g{o, spec.widths.empty() ? 0 : spec.widths.back()};
      const OpSpec op = space.op_spec(l, g, options.batch);
      OpScore s;
      s.op = o;
      s.latency_ms = latency_ms(op);
      HWNAS_CHECK(s.latency_ms > 0 && std::isfinite(s.latency_ms), "op scoring: latency of ", op.key(),
                  " must be > 0 ms, got ", s.latency_ms);
      const Cost c = op_cost(op);
      s.macs = c.macs;
      s.params = c.params;
      s.score = operator_score(static_cast<double>(c.macs), static_cast<double>(c.params), s.latency_ms,
                               options.alpha, options.beta);
      ls.ranked.push_back(s);
    }
    // Algorithm 1 line 2: sort in descending order of SCORE(O_l, h).
    std::stable_sort(ls.ranked.begin(), ls.ranked.end(),
                     [](const OpScore& a, const OpScore& b) { return a.score > b.score; });
    // Line 3: the top 4.
    const bool explores = l >= n - options.explore_layers;
    const int need = explores ? options.explore_index + 1 : options.top;
    HWNAS_CHECK(static_cast<int>(ls.ranked.size()) >= need, "op scoring: layer ", l + 1, " has ",
                ls.ranked.size(), " ops, fewer than the ", need, " the reduction needs (top ", options.top,
                explores ? str_cat(", exploring index ", options.explore_index) : std::string(), ")");
    for (int i = 0; i < options.top; ++i) ls.kept.push_back(ls.ranked[i].op);
    // Lines 4-5: the last layers also get the exploring op O'[e].
    if (explores) {
      ls.explore = ls.ranked[options.explore_index].op;
      ls.kept.push_back(ls.explore);
    }
    out.layers.push_back(std::move(ls));
  }
  return out;
}

Arch OpScoring::initial_arch(const SearchSpace& space) const {
  HWNAS_CHECK(static_cast<int>(layers.size()) == space.num_layers(), "op scoring has ", layers.size(),
              " layers, space ", space.name, " has ", space.num_layers());
  Arch a;
  for (const LayerScores& ls : layers) {
    const LayerSpec& spec = space.layers[ls.layer];
    a.genes.push_back({ls.kept.front(), spec.widths.empty() ? 0 : spec.widths.back()});
  }
  space.validate(a);
  return space.canonical(a);
}

std::unique_ptr<SearchSpace> OpScoring::reduced_space(const SearchSpace& space) const {
  HWNAS_CHECK(static_cast<int>(layers.size()) == space.num_layers(), "op scoring has ", layers.size(),
              " layers, space ", space.name, " has ", space.num_layers());
  std::unique_ptr<SearchSpace> out = space.clone();
  for (const LayerScores& ls : layers) out = out->restricted(ls.layer, ls.kept);
  return out;
}

nlohmann::json OpScoring::to_json(const SearchSpace& space) const {
  using nlohmann::json;
  json j;
  j["space"] = space.description.empty() ? space.name : space.description;
  j["options"] = {{"alpha", options.alpha},
                  {"beta", options.beta},
                  {"top", options.top},
                  {"explore_layers", options.explore_layers},
                  {"explore_index", options.explore_index},
                  {"batch", options.batch}};
  json ls_json = json::array();
  for (const LayerScores& ls : layers) {
    const LayerSpec& spec = space.layers[ls.layer];
    json ranked = json::array();
    for (size_t r = 0; r < ls.ranked.size(); ++r) {
      const OpScore& s = ls.ranked[r];
      ranked.push_back({{"rank", r + 1},
                        {"op", space.ops[s.op].name},
                        {"latency_ms", s.latency_ms},
                        {"macs", s.macs},
                        {"params", s.params},
                        {"score", s.score}});
    }
    json kept = json::array();
    for (int o : ls.kept) kept.push_back(space.ops[o].name);
    ls_json.push_back({{"layer", ls.layer + 1},
                       {"stage", spec.stage + 1},
                       {"output", str_cat(spec.out_h(), "x", spec.out_w(), "x", spec.cout)},
                       {"kept", kept},
                       {"explore", ls.explore >= 0 ? json(space.ops[ls.explore].name) : json()},
                       {"ranked", ranked}});
  }
  j["layers"] = ls_json;
  j["initial_arch"] = space.format(initial_arch(space));
  return j;
}

namespace {

/// Runs of consecutive layers in one stage whose `key` is equal: [first, last].
template <class Key>
std::vector<std::pair<int, int>> layer_groups(const SearchSpace& space, Key key) {
  std::vector<std::pair<int, int>> out;
  for (int l = 0; l < space.num_layers(); ++l) {
    if (!out.empty() && space.layers[out.back().second].stage == space.layers[l].stage &&
        key(out.back().second) == key(l))
      out.back().second = l;
    else
      out.emplace_back(l, l);
  }
  return out;
}

/// Three significant digits, for tables meant to be read.
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string layer_range(const std::pair<int, int>& g) {
  return g.first == g.second ? std::to_string(g.first + 1) : str_cat(g.first + 1, "-", g.second + 1);
}

std::string output_shape(const LayerSpec& l) { return str_cat(l.out_h(), "x", l.out_w(), "x", l.cout); }

std::set<int> kept_set(const LayerScores& ls) { return std::set<int>(ls.kept.begin(), ls.kept.end()); }

/// 1-based rank of `op` in a layer's ranking and its entry.
const OpScore& find_score(const LayerScores& ls, int op, int* rank) {
  for (size_t r = 0; r < ls.ranked.size(); ++r)
    if (ls.ranked[r].op == op) {
      *rank = static_cast<int>(r) + 1;
      return ls.ranked[r];
    }
  HWNAS_CHECK(false, "op scoring: op ", op, " is not ranked at layer ", ls.layer + 1);
  return ls.ranked.front();
}

}  // namespace

std::string format_op_table(const SearchSpace& space, const OpScoring& scoring, const std::string& target_name) {
  HWNAS_CHECK(static_cast<int>(scoring.layers.size()) == space.num_layers(), "op scoring does not fit space ",
              space.name);
  const OpScoringOptions& o = scoring.options;
  std::string out = str_cat("Hardware-aware search space for ", target_name, " (HURRICANE Table 1; Eq. 4 with alpha=",
                            format_number(o.alpha), ", beta=", format_number(o.beta), "; top ", o.top);
  if (o.explore_layers > 0)
    out += str_cat(", +exploring op e=", o.explore_index, " in the last ", o.explore_layers, " layers");
  out += ")\n\n| output shape | layers | operators |\n| --- | --- | --- |\n";
  for (const auto& g : layer_groups(space, [&](int l) { return kept_set(scoring.layers[l]); })) {
    const LayerScores& ls = scoring.layers[g.first];
    std::vector<std::string> names;
    for (int op : ls.kept) names.push_back((op == ls.explore ? "+" : "") + space.ops[op].name);
    out += str_cat("| ", output_shape(space.layers[g.first]), " | ", layer_range(g), " | ", join(names, ", "),
                   " |\n");
  }
  return out;
}

std::string format_op_comparison(const SearchSpace& space, const OpScoring& a, const std::string& a_name,
                                 const OpScoring& b, const std::string& b_name) {
  HWNAS_CHECK(static_cast<int>(a.layers.size()) == space.num_layers() &&
                  static_cast<int>(b.layers.size()) == space.num_layers(),
              "op scoring does not fit space ", space.name);
  std::string out = str_cat("Why the kept operators differ: ", a_name, " vs ", b_name,
                            " (ms = op latency in the layer's context; x = relative to that target's top op; "
                            "rank by Eq. 4 score)\n");
  auto key = [&](int l) { return std::make_pair(kept_set(a.layers[l]), kept_set(b.layers[l])); };
  for (const auto& g : layer_groups(space, key)) {
    const LayerScores& la = a.layers[g.first];
    const LayerScores& lb = b.layers[g.first];
    const std::set<int> ka = kept_set(la), kb = kept_set(lb);
    out += str_cat(g.first == g.second ? "\nlayer " : "\nlayers ", layer_range(g), " (",
                   output_shape(space.layers[g.first]), ")");
    if (ka == kb) {
      out += ": same operators on both targets\n";
      continue;
    }
    out += str_cat("\n\n| op | kept on | ", a_name, " ms | x | rank | ", b_name, " ms | x | rank |\n",
                   "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    // Ops kept on one target only: the ones that explain the difference.
    std::vector<int> ops;
    for (int op : la.kept) if (!kb.count(op)) ops.push_back(op);
    for (int op : lb.kept) if (!ka.count(op)) ops.push_back(op);
    for (int op : ops) {
      int ra = 0, rb = 0;
      const OpScore& sa = find_score(la, op, &ra);
      const OpScore& sb = find_score(lb, op, &rb);
      // The exploring op is kept for its rank e, not for being among the top.
      const std::string where = ka.count(op) ? a_name + (op == la.explore ? " (explore)" : "")
                                             : b_name + (op == lb.explore ? " (explore)" : "");
      out += str_cat("| ", space.ops[op].name, " | ", where, " | ", short_number(sa.latency_ms), " | ",
                     short_number(sa.latency_ms / la.ranked.front().latency_ms), " | ", ra, " | ",
                     short_number(sb.latency_ms), " | ", short_number(sb.latency_ms / lb.ranked.front().latency_ms),
                     " | ", rb, " |\n");
    }
  }
  return out;
}

}  // namespace hwnas
