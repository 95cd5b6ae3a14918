#include "core/spaces/chain.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

void build_chain_layers(SearchSpace* space, const ChainLayout& layout) {
  HWNAS_CHECK(layout.channels.size() == layout.depths.size() &&
                  layout.channels.size() == layout.strides.size(),
              space->name, ": channels, depths and strides need one entry per stage");
  std::vector<int> all_widths;
  for (size_t i = 0; i < space->width_factors.size(); ++i) all_widths.push_back(static_cast<int>(i));
  if (all_widths.empty()) all_widths.push_back(0);
  int c = space->backbone.stem_channels;
  int res = space->backbone.stem_out_size();
  space->layers.clear();
  for (size_t st = 0; st < layout.channels.size(); ++st) {
    HWNAS_CHECK(layout.channels[st] % 2 == 0, space->name, ": stage channels must be even, got ",
                layout.channels[st]);
    for (int d = 0; d < layout.depths[st]; ++d) {
      LayerSpec l;
      l.cin = c;
      l.cout = layout.channels[st];
      l.stride = d == 0 ? layout.strides[st] : 1;
      l.in_h = l.in_w = res;
      l.stage = static_cast<int>(st);
      for (size_t o = 0; o < space->ops.size(); ++o)
        if (space->ops[o].reshapes || (l.cin == l.cout && l.stride == 1))
          l.ops.push_back(static_cast<int>(o));
      l.widths = all_widths;
      space->layers.push_back(l);
      c = l.cout;
      res = l.out_h();
    }
  }
}

std::vector<int> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int> out;
  for (const std::string& p : split(s, '/')) out.push_back(parse_int(p, what));
  return out;
}

std::string FactoryOptions::get(const std::string& key, const std::string& def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : it->second;
}

int FactoryOptions::get_int(const std::string& key, int def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_int(it->second, owner_ + " option " + key);
}

double FactoryOptions::get_double(const std::string& key, double def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_double(it->second, owner_ + " option " + key);
}

std::vector<int> FactoryOptions::get_ints(const std::string& key, const std::vector<int>& def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_int_list(it->second, owner_ + " option " + key);
}

void FactoryOptions::finish() const {
  for (const auto& kv : opts_)
    HWNAS_CHECK(std::find(used_.begin(), used_.end(), kv.first) != used_.end(), owner_,
                ": unknown option '", kv.first, "'");
}

}  // namespace hwnas
