// Domino's space (thesis chapter 5): MobileNetV2 in the layer-wise layout of
// mbv2 (21 inverted residuals MB k3 e6 by default), each block kept or
// grafted. The grafted block g3e6 is the same block with linear inner
// activations and a ReLU6 after it (the thesis keeps a block's last
// activation, and MobileNetV2's blocks end linearly, so one is added); it
// folds into one dense k x k conv (nn/reparam.h), which a folding target
// times. An arch is a graft mask: 2^21 of them.
//
// widths= scales every block's expansion, MobileNetV2 x w. A grafted
// block's folded cost does not depend on its width: Domino-Pro trains it
// wider at the same deployed cost, graft_expand=E (default: expand).
#include "core/spaces/spaces.h"

#include "core/error.h"
#include "core/factory.h"
#include "core/spaces/chain.h"

namespace hwnas {

std::unique_ptr<SearchSpace> make_domino_space(const std::map<std::string, std::string>& opts) {
  FactoryOptions o("domino", opts);
  auto space = std::make_unique<SearchSpace>();
  space->name = "domino";
  space->family = "chain";
  ChainLayout chain;
  read_mbv2_layout("domino", o, &space->backbone, &chain);
  const int kernel = o.get_int("kernel", 3);
  const int expand = o.get_int("expand", 6);
  const int graft_expand = o.get_int("graft_expand", expand);
  space->width_factors = read_width_factors("domino", o);
  o.finish();
  HWNAS_CHECK(kernel == 3 || kernel == 5 || kernel == 7, "domino: kernel must be 3, 5 or 7, got ", kernel);
  HWNAS_CHECK(expand >= 2 && expand <= 8, "domino: expand must be in 2..8 (a grafted block needs its expansion), got ",
              expand);
  HWNAS_CHECK(graft_expand >= expand && graft_expand <= 48, "domino: graft_expand must be in expand..48 (",
              expand, "..48), got ", graft_expand);
  space->ops = {mb_op(kernel, expand), graft_op(kernel, graft_expand)};
  build_chain_layers(space.get(), chain);
  return space;
}

}  // namespace hwnas
