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

}  // namespace hwnas
