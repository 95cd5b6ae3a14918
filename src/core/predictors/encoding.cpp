#include "core/predictors/encoding.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {
namespace {

/// Whether the width of `op` at `layer` is a choice worth encoding.
bool has_width(const SearchSpace& space, int layer, int op) {
  return space.ops[op].scalable && space.layers[layer].widths.size() > 1;
}

/// Realised channel fraction of a gene: mid channels over mid channels at the
/// layer's largest width; the nominal width factor for ops without channels.
double width_fraction(const SearchSpace& space, int layer, const Gene& gene) {
  Gene widest = gene;
  widest.width = space.layers[layer].widths.back();
  const int max_mid = space.mid_channels(layer, widest);
  if (max_mid > 0) return static_cast<double>(space.mid_channels(layer, gene)) / max_mid;
  return space.width_factors.empty() ? 1.0 : space.width_factors.at(gene.width);
}

/// Visits every feature slot in order: fn(layer, op, width_index or -1, is_width_value).
template <class Fn>
void for_each_slot(const SearchSpace& space, OneHotMode mode, Fn fn) {
  for (int l = 0; l < space.num_layers(); ++l) {
    const LayerSpec& spec = space.layers[l];
    for (int op : spec.ops) {
      const bool w = has_width(space, l, op);
      switch (mode) {
        case OneHotMode::kOp:
          fn(l, op, -1, false);
          break;
        case OneHotMode::kOpWidth:
          fn(l, op, -1, false);
          if (w) fn(l, op, -1, true);
          break;
        case OneHotMode::kOpXWidth:
          if (w)
            for (int wi : spec.widths) fn(l, op, wi, false);
          else
            fn(l, op, -1, false);
          break;
      }
    }
  }
}

}  // namespace

OneHotMode parse_one_hot_mode(const std::string& text) {
  if (text == "op") return OneHotMode::kOp;
  if (text == "op+width") return OneHotMode::kOpWidth;
  if (text == "opxwidth") return OneHotMode::kOpXWidth;
  HWNAS_CHECK(false, "unknown one-hot encoding '", text, "' (known: op, op+width, opxwidth)");
  return OneHotMode::kOpWidth;
}

std::string to_string(OneHotMode mode) {
  switch (mode) {
    case OneHotMode::kOp:
      return "op";
    case OneHotMode::kOpWidth:
      return "op+width";
    case OneHotMode::kOpXWidth:
      return "opxwidth";
  }
  return "?";
}

int one_hot_size(const SearchSpace& space, OneHotMode mode) {
  int n = 0;
  for_each_slot(space, mode, [&](int, int, int, bool) { ++n; });
  return n;
}

std::vector<std::string> one_hot_names(const SearchSpace& space, OneHotMode mode) {
  std::vector<std::string> names;
  for_each_slot(space, mode, [&](int l, int op, int wi, bool width_value) {
    std::string s = str_cat("L", l + 1, ":", space.ops[op].name);
    if (width_value) s += "*width";
    if (wi >= 0) s += "@" + format_number(space.width_factors.at(wi));
    names.push_back(s);
  });
  return names;
}

std::vector<double> one_hot(const SearchSpace& space, const Arch& arch, OneHotMode mode) {
  space.validate(arch);
  std::vector<double> out;
  out.reserve(one_hot_size(space, mode));
  for_each_slot(space, mode, [&](int l, int op, int wi, bool width_value) {
    const Gene& g = arch.genes[l];
    double v = 0.0;
    if (g.op == op) {
      if (width_value)
        v = width_fraction(space, l, g);
      else if (wi >= 0)
        v = g.width == wi ? 1.0 : 0.0;
      else
        v = 1.0;
    }
    out.push_back(v);
  });
  return out;
}

Matrix one_hot_rows(const SearchSpace& space, const std::vector<Arch>& archs, OneHotMode mode) {
  Matrix m(static_cast<int>(archs.size()), one_hot_size(space, mode));
  for (size_t i = 0; i < archs.size(); ++i) {
    const std::vector<double> v = one_hot(space, archs[i], mode);
    std::copy(v.begin(), v.end(), m.row(static_cast<int>(i)).begin());
  }
  return m;
}

}  // namespace hwnas
