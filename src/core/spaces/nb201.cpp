// NAS-Bench-201 space: the cell's 6 edges are the searchable layers.
#include "core/spaces/nb201.h"

#include <array>

#include "core/error.h"
#include "core/factory.h"
#include "core/spaces/spaces.h"
#include "core/strings.h"

namespace hwnas {
namespace {

// Entry i: base-5 code of the arch with official index i (edge 1 most significant).
const int kNb201Codes[kNb201NumArchs] = {
#include "core/spaces/nb201_index.inc"
};

std::string edge_name(int e) {
  return str_cat("edge ", e + 1, " (", kNb201EdgeTo[e], "<-", kNb201EdgeFrom[e], ")");
}

int code_of(const Arch& arch) {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == kNb201NumEdges, "nb201 arch has ",
              arch.genes.size(), " edges, expected ", kNb201NumEdges);
  int code = 0;
  for (int e = 0; e < kNb201NumEdges; ++e) {
    const int op = arch.genes[e].op;
    HWNAS_CHECK(op >= 0 && op < 5, "nb201 arch ", edge_name(e), ": op index ", op,
                " out of range 0..4");
    code = code * 5 + op;
  }
  return code;
}

}  // namespace

std::string Nb201Space::format(const Arch& arch) const {
  HWNAS_CHECK(static_cast<int>(arch.genes.size()) == kNb201NumEdges, "nb201 arch has ",
              arch.genes.size(), " edges, expected ", kNb201NumEdges);
  std::string out = "|";
  out.reserve(96);
  for (int e = 0; e < kNb201NumEdges; ++e) {
    if (e > 0 && kNb201EdgeFrom[e] == 0) out += "+|";
    out += ops.at(arch.genes[e].op).name;
    out += '~';
    out += static_cast<char>('0' + kNb201EdgeFrom[e]);
    out += '|';
  }
  return out;
}

namespace {

// The common case without allocations: exactly the official form, known ops.
// Returns false on anything else, and parse() then names the problem.
bool parse_fast(const SearchSpace& space, const std::string& t, Arch* arch) {
  arch->genes.assign(kNb201NumEdges, Gene{});
  size_t i = 0;
  for (int e = 0; e < kNb201NumEdges; ++e) {
    if (kNb201EdgeFrom[e] == 0) {  // a node starts: "|" or "+|"
      if (e > 0 && (i >= t.size() || t[i++] != '+')) return false;
      if (i >= t.size() || t[i++] != '|') return false;
    }
    const size_t tilde = t.find('~', i);
    if (tilde == std::string::npos) return false;
    int op = -1;
    for (size_t o = 0; o < space.ops.size(); ++o)
      if (t.compare(i, tilde - i, space.ops[o].name) == 0) op = static_cast<int>(o);
    if (op < 0 || tilde + 2 >= t.size() || t[tilde + 1] != '0' + kNb201EdgeFrom[e] ||
        t[tilde + 2] != '|')
      return false;
    arch->genes[e].op = op;
    arch->genes[e].width = space.layers[e].widths.empty() ? 0 : space.layers[e].widths.back();
    i = tilde + 3;
  }
  return i == t.size();
}

}  // namespace

Arch Nb201Space::parse(const std::string& text) const {
  Arch arch;
  if (parse_fast(*this, text, &arch)) {
    validate(arch);
    return arch;
  }
  arch.genes.clear();
  const std::string t = trim(text);
  const std::vector<std::string> nodes = split(t, '+');
  HWNAS_CHECK(nodes.size() == 3, "nb201 arch '", text, "': expected 3 nodes separated by '+' ",
              "(e.g. |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
              "nor_conv_3x3~1|skip_connect~2|), got ", nodes.size());
  int e = 0;
  for (int node = 1; node <= 3; ++node) {
    const std::string& group = nodes[node - 1];
    HWNAS_CHECK(group.size() >= 2 && group.front() == '|' && group.back() == '|', "nb201 arch '",
                text, "': node ", node, " '", group, "' must start and end with '|'");
    const std::vector<std::string> edges = split(group.substr(1, group.size() - 2), '|');
    HWNAS_CHECK(static_cast<int>(edges.size()) == node, "nb201 arch '", text, "': node ", node,
                " has ", edges.size(), " inputs, expected ", node);
    for (const std::string& item : edges) {
      const size_t tilde = item.find('~');
      HWNAS_CHECK(tilde != std::string::npos, "nb201 arch ", edge_name(e), ": '", item,
                  "' is not op~input");
      const std::string op_name = item.substr(0, tilde);
      Gene g;
      g.op = op_index(op_name);
      HWNAS_CHECK(g.op >= 0, "nb201 arch ", edge_name(e), ": unknown op '", op_name, "' (known: ",
                  [&] {
                    std::vector<std::string> n;
                    for (const OpDef& o : ops) n.push_back(o.name);
                    return join(n, ", ");
                  }(),
                  ")");
      const std::string src = item.substr(tilde + 1);
      HWNAS_CHECK(src == std::to_string(kNb201EdgeFrom[e]), "nb201 arch ", edge_name(e), ": '",
                  item, "' reads node ", src, ", expected ~", kNb201EdgeFrom[e]);
      g.width = layers[e].widths.empty() ? 0 : layers[e].widths.back();
      arch.genes.push_back(g);
      ++e;
    }
  }
  validate(arch);
  return arch;
}

std::unique_ptr<SearchSpace> Nb201Space::clone() const { return std::make_unique<Nb201Space>(*this); }

std::unique_ptr<SearchSpace> make_nb201_space(const std::map<std::string, std::string>& opts) {
  FactoryOptions o("nb201", opts);
  auto space = std::make_unique<Nb201Space>();
  space->name = "nb201";
  space->family = "nb201";
  const int channels = o.get_int("C", 16);
  space->cells_per_stage = o.get_int("N", 5);
  Backbone& bb = space->backbone;
  // NAS-Bench-201's CIFAR network: 3x3 conv stem (stride 1) to C channels,
  // 3 stages of N cells at C, 2C, 4C, global pooling, linear classifier.
  bb.in_channels = o.get_int("in_channels", 3);
  bb.in_size = o.get_int("in_size", 32);
  bb.num_classes = o.get_int("classes", 10);
  bb.stem_channels = channels;
  bb.stem_stride = 1;
  bb.stem_pool = false;
  bb.head_channels = 0;
  o.finish();
  // Beyond these a network would not fit any device (the profiler's limits).
  HWNAS_CHECK(channels >= 1 && channels <= 2048, "nb201: C must be in 1..2048, got ", channels);
  HWNAS_CHECK(space->cells_per_stage >= 1 && space->cells_per_stage <= 64, "nb201: N must be in 1..64, got ",
              space->cells_per_stage);
  HWNAS_CHECK(bb.in_channels >= 1 && bb.in_channels <= 64, "nb201: in_channels must be in 1..64, got ", bb.in_channels);
  HWNAS_CHECK(bb.in_size >= 4 && bb.in_size <= 2048, "nb201: in_size must be in 4..2048, got ", bb.in_size);
  HWNAS_CHECK(bb.num_classes >= 2 && bb.num_classes <= 100000, "nb201: classes must be in 2..100000, got ",
              bb.num_classes);

  space->width_factors = {1.0};
  //                 name            kind               k  e  se     scalable reshapes
  space->ops.push_back({"none",         OpKind::kNone,     0, 0, false, false, false});
  space->ops.push_back({"skip_connect", OpKind::kSkip,     0, 0, false, false, false});
  space->ops.push_back({"nor_conv_1x1", OpKind::kNorConv,  1, 0, false, false, true});
  space->ops.push_back({"nor_conv_3x3", OpKind::kNorConv,  3, 0, false, false, true});
  space->ops.push_back({"avg_pool_3x3", OpKind::kAvgPool,  3, 0, false, false, false});
  for (int e = 0; e < kNb201NumEdges; ++e) {
    LayerSpec l;
    l.cin = l.cout = channels;
    l.stride = 1;
    l.in_h = l.in_w = bb.stem_out_size();
    l.stage = 0;
    l.ops = {0, 1, 2, 3, 4};
    l.widths = {0};
    space->layers.push_back(l);
  }
  return space;
}

int nb201_index(const Arch& arch) {
  static const std::array<int, kNb201NumArchs> kIndexOfCode = [] {
    std::array<int, kNb201NumArchs> inv{};
    inv.fill(-1);
    for (int i = 0; i < kNb201NumArchs; ++i) inv[kNb201Codes[i]] = i;
    return inv;
  }();
  const int index = kIndexOfCode[code_of(arch)];
  HWNAS_ASSERT(index >= 0);
  return index;
}

Arch nb201_arch(int index) {
  HWNAS_CHECK(index >= 0 && index < kNb201NumArchs, "nb201 index ", index, " out of range 0..",
              kNb201NumArchs - 1);
  int code = kNb201Codes[index];
  Arch arch;
  arch.genes.resize(kNb201NumEdges);
  for (int e = kNb201NumEdges - 1; e >= 0; --e) {
    arch.genes[e].op = code % 5;
    arch.genes[e].width = 0;
    code /= 5;
  }
  return arch;
}

}  // namespace hwnas
