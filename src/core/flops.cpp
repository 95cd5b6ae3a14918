#include "core/flops.h"

#include "core/error.h"

namespace hwnas {
namespace {

int out_size(int in, int stride) { return (in + stride - 1) / stride; }

/// conv (no bias) + BN at output resolution out_h x out_w.
Cost conv_bn(int64_t batch, int cin, int cout, int k, bool depthwise, int out_h, int out_w) {
  const int64_t w = static_cast<int64_t>(cout) * (depthwise ? 1 : cin) * k * k;
  Cost c;
  c.macs = batch * w * out_h * out_w;
  c.params = w + 2 * cout;
  return c;
}

/// conv without bias or BN (the depthwise convs of SEP, as in DARTS' SepConv).
Cost conv_only(int64_t batch, int cin, int cout, int k, bool depthwise, int out_h, int out_w) {
  const int64_t w = static_cast<int64_t>(cout) * (depthwise ? 1 : cin) * k * k;
  Cost c;
  c.macs = batch * w * out_h * out_w;
  c.params = w;
  return c;
}

/// Squeeze-and-excitation over `channels` channels: FC C -> C/4 and FC C/4 -> C,
/// both with bias (se_hidden_channels); pooling and the rescale are free.
Cost se_cost(int64_t batch, int channels) {
  const int64_t h = se_hidden_channels(channels);
  Cost c;
  c.macs = batch * 2 * h * channels;
  c.params = 2 * h * channels + h + channels;
  return c;
}

/// MobileNetV2 inverted bottleneck (HURRICANE MB_k_e), as built in
/// src/nn/blocks.cpp: 1x1 expansion (absent for e = 1), depthwise k x k at
/// stride s, SE on the mid channels, 1x1 projection; the shortcut add is free.
Cost mb_cost(const OpSpec& s) {
  HWNAS_CHECK(s.expand >= 1 && s.mid > 0, "op ", s.key(), ": an mb block needs expansion >= 1 and mid > 0");
  HWNAS_CHECK(s.expand != 1 || s.mid == s.cin, "op ", s.key(),
              ": an mb block with e=1 has no expansion conv, so mid must equal cin");
  const int ho = out_size(s.h, s.stride), wo = out_size(s.w, s.stride);
  const int64_t n = s.batch;
  Cost c;
  if (s.expand != 1) c += conv_bn(n, s.cin, s.mid, 1, false, s.h, s.w);  // pw1
  c += conv_bn(n, s.mid, s.mid, s.kernel, true, ho, wo);                 // dw k, stride s
  if (s.se) c += se_cost(n, s.mid);
  c += conv_bn(n, s.mid, s.cout, 1, false, ho, wo);                      // pw2
  return c;
}

/// HURRICANE SEP_k (DARTS SepConv), as built in src/nn/blocks.cpp: dw k x k
/// (stride s), 1x1 cin -> mid + BN, dw k x k, 1x1 mid -> cout + BN, SE on the output.
Cost sep_cost(const OpSpec& s) {
  HWNAS_CHECK(s.mid > 0, "op ", s.key(), ": a sep block needs mid > 0");
  const int ho = out_size(s.h, s.stride), wo = out_size(s.w, s.stride);
  const int64_t n = s.batch;
  Cost c;
  c += conv_only(n, s.cin, s.cin, s.kernel, true, ho, wo);   // dw1, stride s
  c += conv_bn(n, s.cin, s.mid, 1, false, ho, wo);           // pw1
  c += conv_only(n, s.mid, s.mid, s.kernel, true, ho, wo);   // dw2
  c += conv_bn(n, s.mid, s.cout, 1, false, ho, wo);          // pw2
  if (s.se) c += se_cost(n, s.cout);
  return c;
}

/// ShuffleNetV2 choice block, as built in src/nn/blocks.cpp: stride-1 blocks
/// with cin == cout split the input and transform one half; the others run a
/// projection branch (dw k x k stride s, pw 1x1) beside the main branch.
Cost shuffle_cost(const OpSpec& s, bool xception) {
  const bool proj = s.stride != 1 || s.cin != s.cout;
  const int in = proj ? s.cin : s.cin / 2;
  const int out = proj ? s.cout - s.cin : s.cout / 2;
  HWNAS_CHECK(out > 0 && s.mid > 0, "op ", s.key(), ": a shuffle block cannot map ", s.cin, " to ",
              s.cout, " channels with ", s.mid, " internal");
  const int ho = out_size(s.h, s.stride), wo = out_size(s.w, s.stride);
  const int64_t n = s.batch;
  Cost c;
  if (!xception) {
    c += conv_bn(n, in, s.mid, 1, false, s.h, s.w);              // pw1
    c += conv_bn(n, s.mid, s.mid, s.kernel, true, ho, wo);       // dw k, stride s
    c += conv_bn(n, s.mid, out, 1, false, ho, wo);               // pw2
  } else {
    c += conv_bn(n, in, in, 3, true, ho, wo);                    // dw1, stride s
    c += conv_bn(n, in, s.mid, 1, false, ho, wo);                // pw1
    c += conv_bn(n, s.mid, s.mid, 3, true, ho, wo);              // dw2
    c += conv_bn(n, s.mid, s.mid, 1, false, ho, wo);             // pw2
    c += conv_bn(n, s.mid, s.mid, 3, true, ho, wo);              // dw3
    c += conv_bn(n, s.mid, out, 1, false, ho, wo);               // pw3
  }
  if (s.se) c += se_cost(n, out);                                // SE on the main branch
  if (proj) {
    const int k = xception ? 3 : s.kernel;
    c += conv_bn(n, s.cin, s.cin, k, true, ho, wo);              // proj dw, stride s
    c += conv_bn(n, s.cin, s.cin, 1, false, ho, wo);             // proj pw
  }
  return c;
}

}  // namespace

OpSpec stem_op_spec(const SearchSpace& space, int batch) {
  const Backbone& b = space.backbone;
  OpSpec s;
  s.kind = b.stem_pool ? OpKind::kStemPool : OpKind::kStem;
  s.kernel = 3;
  s.cin = b.in_channels;
  s.cout = b.stem_channels;
  s.stride = b.stem_stride;
  s.h = s.w = b.in_size;
  s.batch = batch;
  return s;
}

OpSpec head_op_spec(const SearchSpace& space, int batch) {
  const Backbone& b = space.backbone;
  OpSpec s;
  s.kind = OpKind::kHead;
  s.kernel = b.head_channels > 0 ? 1 : 0;
  s.cin = space.layers.empty() ? b.stem_channels : space.layers.back().cout;
  s.mid = b.head_channels;
  s.cout = b.num_classes;
  s.h = space.layers.empty() ? b.stem_out_size() : space.layers.back().out_h();
  s.w = space.layers.empty() ? b.stem_out_size() : space.layers.back().out_w();
  s.batch = batch;
  return s;
}

std::vector<OpSpec> network_op_specs(const SearchSpace& space, const Arch& arch, int batch) {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == space.num_layers(), "arch has ",
              arch.genes.size(), " layers, space ", space.name, " has ", space.num_layers());
  std::vector<OpSpec> out;
  out.reserve(arch.genes.size() + 2);
  out.push_back(stem_op_spec(space, batch));
  for (int l = 0; l < space.num_layers(); ++l) out.push_back(space.op_spec(l, arch.genes[l], batch));
  out.push_back(head_op_spec(space, batch));
  return out;
}

Cost op_cost(const OpSpec& s) {
  HWNAS_CHECK(s.batch >= 1, "op ", s.key(), ": batch must be >= 1");
  switch (s.kind) {
    case OpKind::kShuffle: return shuffle_cost(s, false);
    case OpKind::kShuffleX: return shuffle_cost(s, true);
    case OpKind::kMb:
    case OpKind::kMbGraft: return mb_cost(s);  // as trained; folded, it is one dense k x k conv
    case OpKind::kSep: return sep_cost(s);
    case OpKind::kSkip: return Cost{};
    case OpKind::kMbSkip:  // a 1x1 projection where shapes change, else the identity
      if (s.cin == s.cout && s.stride == 1) return Cost{};
      return conv_bn(s.batch, s.cin, s.cout, 1, false, out_size(s.h, s.stride), out_size(s.w, s.stride));
    case OpKind::kStem:
    case OpKind::kStemPool:
      // The max-pool after the conv costs no MACs; the conv runs at stride s.
      return conv_bn(s.batch, s.cin, s.cout, s.kernel, false, out_size(s.h, s.stride), out_size(s.w, s.stride));
    case OpKind::kHead: {
      Cost c;
      int fc_in = s.cin;
      if (s.mid > 0) {
        c += conv_bn(s.batch, s.cin, s.mid, 1, false, s.h, s.w);
        fc_in = s.mid;
      }
      c.macs += static_cast<int64_t>(s.batch) * fc_in * s.cout;
      c.params += static_cast<int64_t>(fc_in) * s.cout + s.cout;
      return c;
    }
    case OpKind::kNone:
    case OpKind::kNorConv:
    case OpKind::kAvgPool:
      break;  // the NB201 cell's edges are not counted per op
  }
  HWNAS_CHECK(false, "op ", s.key(), ": no FLOPs count for op kind '", to_string(s.kind), "'");
  return Cost{};
}

Cost arch_cost(const SearchSpace& space, const Arch& arch, int batch) {
  Cost c;
  for (const OpSpec& s : network_op_specs(space, arch, batch)) c += op_cost(s);
  return c;
}

}  // namespace hwnas
