#include "core/search_space.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

int Backbone::stem_out_size() const {
  int s = (in_size + stem_stride - 1) / stem_stride;
  if (stem_pool) s = (s + 1) / 2;
  return s;
}

int SearchSpace::op_index(const std::string& op_name) const {
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].name == op_name) return static_cast<int>(i);
  return -1;
}

std::string SearchSpace::format(const Arch& arch) const {
  std::vector<std::string> parts;
  for (size_t l = 0; l < arch.genes.size(); ++l) {
    const Gene& g = arch.genes[l];
    const OpDef& op = ops.at(g.op);
    parts.push_back(op.scalable && width_factors.size() > 1
                        ? op.name + "@" + format_number(width_factors.at(g.width))
                        : op.name);
  }
  return join(parts, ",");
}

Arch SearchSpace::parse(const std::string& text) const {
  const std::vector<std::string> parts = split(trim(text), ',');
  HWNAS_CHECK(static_cast<int>(parts.size()) == num_layers(), "arch '", text, "' has ",
              parts.size(), " layers, space ", name, " has ", num_layers());
  Arch arch;
  for (int l = 0; l < num_layers(); ++l) {
    const std::string item = trim(parts[l]);
    const size_t at = item.find('@');
    const std::string op_name = item.substr(0, at);
    Gene g;
    g.op = op_index(op_name);
    HWNAS_CHECK(g.op >= 0, "arch layer ", l + 1, ": unknown op '", op_name, "' (space ", name,
                " has ", [&] {
                  std::vector<std::string> n;
                  for (const OpDef& o : ops) n.push_back(o.name);
                  return join(n, ", ");
                }(), ")");
    const LayerSpec& spec = layers[l];
    if (ops[g.op].scalable && width_factors.size() > 1) {
      HWNAS_CHECK(at != std::string::npos, "arch layer ", l + 1, ": op '", op_name,
                  "' needs a width factor, e.g. ", op_name, "@", format_number(width_factors.back()));
      const double w = parse_double(item.substr(at + 1), str_cat("arch layer ", l + 1, " width"));
      // The nearest factor within 1e-9: factors closer than that to each other
      // (a spec may list 8e-19 and 8e-20) are still told apart.
      g.width = 0;
      for (size_t i = 1; i < width_factors.size(); ++i)
        if (std::fabs(width_factors[i] - w) < std::fabs(width_factors[g.width] - w)) g.width = static_cast<int>(i);
      HWNAS_CHECK(std::fabs(width_factors[g.width] - w) < 1e-9, "arch layer ", l + 1, ": width ",
                  item.substr(at + 1), " is not one of the space's width factors");
    } else {
      HWNAS_CHECK(at == std::string::npos, "arch layer ", l + 1, ": op '", op_name,
                  "' takes no width factor");
      g.width = spec.widths.empty() ? 0 : spec.widths.back();
    }
    arch.genes.push_back(g);
  }
  validate(arch);
  return arch;
}

void SearchSpace::validate(const Arch& arch) const {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == num_layers(), "arch has ", arch.genes.size(),
              " layers, space ", name, " has ", num_layers());
  for (int l = 0; l < num_layers(); ++l) {
    const Gene& g = arch.genes[l];
    const LayerSpec& spec = layers[l];
    HWNAS_CHECK(g.op >= 0 && g.op < static_cast<int>(ops.size()), "arch layer ", l + 1,
                ": op index ", g.op, " out of range");
    if (std::find(spec.ops.begin(), spec.ops.end(), g.op) == spec.ops.end()) {
      const OpDef& op = ops[g.op];
      HWNAS_CHECK(op.reshapes || (spec.cin == spec.cout && spec.stride == 1), "arch layer ", l + 1,
                  ": op '", op.name, "' cannot map ", spec.cin, "x", spec.in_h, "x", spec.in_w,
                  " to ", spec.cout, "x", spec.out_h(), "x", spec.out_w(), " (stride ", spec.stride,
                  ")");
      HWNAS_CHECK(false, "arch layer ", l + 1, ": op '", op.name, "' is not allowed here");
    }
    HWNAS_CHECK(std::find(spec.widths.begin(), spec.widths.end(), g.width) != spec.widths.end(),
                "arch layer ", l + 1, ": width index ", g.width, " is not allowed here");
  }
}

Arch SearchSpace::canonical(Arch arch) const {
  for (int l = 0; l < num_layers() && l < static_cast<int>(arch.genes.size()); ++l) {
    Gene& g = arch.genes[l];
    if (g.op >= 0 && g.op < static_cast<int>(ops.size()) && !ops[g.op].scalable &&
        !layers[l].widths.empty())
      g.width = layers[l].widths.back();
  }
  return arch;
}

Gene SearchSpace::sample_gene(int layer, Rng& rng) const {
  const LayerSpec& spec = layers.at(layer);
  Gene g;
  g.op = spec.ops[uniform_int(rng, static_cast<int>(spec.ops.size()))];
  g.width = spec.widths[uniform_int(rng, static_cast<int>(spec.widths.size()))];
  if (!ops[g.op].scalable) g.width = spec.widths.back();
  return g;
}

Arch SearchSpace::sample(Rng& rng) const {
  Arch a;
  for (int l = 0; l < num_layers(); ++l) a.genes.push_back(sample_gene(l, rng));
  return a;
}

Arch SearchSpace::sample_shaped(Rng& rng, double skip_share, double width_centre, int favoured_op) const {
  Arch a;
  for (int l = 0; l < num_layers(); ++l) {
    const LayerSpec& layer = layers[l];
    std::vector<int> skips, others;
    for (int op : layer.ops) (is_skip(ops[op].kind) ? skips : others).push_back(op);
    Gene g;
    if (others.empty() || (!skips.empty() && uniform01(rng) < skip_share)) {
      g.op = skips.empty() ? layer.ops[0] : skips[uniform_int(rng, static_cast<int>(skips.size()))];
    } else {
      const bool favoured = std::find(others.begin(), others.end(), favoured_op) != others.end();
      g.op = favoured && uniform01(rng) < 0.6 ? favoured_op : others[uniform_int(rng, static_cast<int>(others.size()))];
    }
    g.width = nearest_width(layer.widths, width_centre + 0.3 * (uniform01(rng) - 0.5));
    a.genes.push_back(g);
  }
  return a;
}

int SearchSpace::nearest_width(const std::vector<int>& allowed, double w) const {
  HWNAS_CHECK(!allowed.empty(), "space ", name, ": no allowed widths");
  int best = allowed[0];
  for (int wi : allowed)
    if (std::fabs(width_factors[wi] - w) < std::fabs(width_factors[best] - w)) best = wi;
  return best;
}

Arch SearchSpace::mutate(const Arch& a, double prob, Rng& rng) const {
  Arch out = a;
  for (int l = 0; l < num_layers(); ++l)
    if (uniform01(rng) < prob) out.genes[l] = sample_gene(l, rng);
  return out;
}

Arch SearchSpace::crossover(const Arch& a, const Arch& b, double prob, Rng& rng) const {
  Arch out = a;
  for (int l = 0; l < num_layers(); ++l)
    if (uniform01(rng) < prob) out.genes[l] = b.genes[l];
  return out;
}

SpaceSize SearchSpace::size() const {
  SpaceSize s;
  for (const LayerSpec& spec : layers) {
    s.nominal_log10 += std::log10(static_cast<double>(ops.size() * std::max<size_t>(1, spec.widths.size())));
    double distinct = 0;
    for (int o : spec.ops) distinct += ops[o].scalable ? spec.widths.size() : 1;
    s.distinct_log10 += std::log10(distinct);
  }
  return s;
}

std::unique_ptr<SearchSpace> SearchSpace::clone() const { return std::make_unique<SearchSpace>(*this); }

std::unique_ptr<SearchSpace> SearchSpace::restricted(int layer, const std::vector<int>& keep) const {
  HWNAS_CHECK(layer >= 0 && layer < num_layers(), "layer ", layer + 1, " out of range");
  for (int o : keep)
    HWNAS_CHECK(std::find(layers[layer].ops.begin(), layers[layer].ops.end(), o) !=
                    layers[layer].ops.end(),
                "op ", o, " is not allowed at layer ", layer + 1);
  HWNAS_CHECK(!keep.empty(), "cannot restrict layer ", layer + 1, " to no ops");
  std::unique_ptr<SearchSpace> out = clone();
  out->layers[layer].ops = keep;
  return out;
}

int SearchSpace::mid_channels(int layer, const Gene& gene) const {
  const LayerSpec& spec = layers.at(layer);
  const OpDef& op = ops.at(gene.op);
  const int max_mid = traits(op.kind).max_mid(spec.cin, spec.cout, op.expand);
  if (max_mid == 0) return 0;
  if (!op.scalable || width_factors.empty()) return max_mid;
  const double w = width_factors.at(gene.width);
  return std::max(1, static_cast<int>(std::lround(w * max_mid)));
}

Arch SearchSpace::largest(int op_preference) const {
  Arch a;
  for (const LayerSpec& spec : layers) {
    Gene g;
    g.op = spec.ops.front();
    for (int o : spec.ops)
      if (o == op_preference) g.op = o;
    if (g.op != op_preference)
      for (int o : spec.ops)
        if (ops[o].scalable) { g.op = o; break; }
    g.width = spec.widths.back();
    a.genes.push_back(g);
  }
  return a;
}

OpSpec SearchSpace::op_spec(int layer, const Gene& gene, int batch) const {
  const LayerSpec& spec = layers.at(layer);
  const OpDef& op = ops.at(gene.op);
  OpSpec s;
  s.kind = op.kind;
  s.kernel = op.kernel;
  s.expand = op.expand;
  s.se = op.se;
  s.cin = spec.cin;
  s.cout = spec.cout;
  s.mid = mid_channels(layer, gene);
  s.stride = spec.stride;
  s.h = spec.in_h;
  s.w = spec.in_w;
  s.batch = batch;
  return s;
}

}  // namespace hwnas
