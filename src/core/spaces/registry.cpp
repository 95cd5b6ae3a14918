// The table of built-in spaces: one line per space.
#include "core/error.h"
#include "core/factory.h"
#include "core/search_space.h"
#include "core/spaces/chain.h"
#include "core/spaces/spaces.h"
#include "core/strings.h"

namespace hwnas {
namespace {

struct SpaceEntry {
  const char* name;
  const char* help;
  std::unique_ptr<SearchSpace> (*make)(const std::map<std::string, std::string>&);
};

const SpaceEntry kSpaces[] = {
    {"hsconas", "HSCoNAS: ShuffleNetV2 k3/k5/k7 + ChoiceX + skip, 20 layers, widths 0.1..1.0 "
                "(layout=small|A|B, widths=10, max-width=1, ops=k3/k5/k7/x/skip, also mb3e3 ... mb7e6)", make_hsconas_space},
    {"hurricane", "HURRICANE: 32 ops (sep/mb/choice/choiceX, each +/- SE), 20 layers (4/4/8/4), "
                  "ops only (layout=small|paper)", make_hurricane_space},
    {"mbv2", "SurgeNAS / LightNAS layer-wise MobileNetV2: 21 layers x {mb3e3 mb3e6 mb5e3 mb5e6 mb7e3 mb7e6 skip} "
             "= 7^21 (layout=small|paper, widths=1, e.g. widths=0.5/1/2)", make_mbv2_space},
    {"domino", "Domino: the mbv2 layout's MobileNetV2 (mb3e6), each of its 21 blocks kept or grafted (g3e6: linear "
               "inside, one 3x3 conv once folded) = 2^21 (layout=small|paper, kernel=3, expand=6, widths=1)",
     make_domino_space},
    {"nb201", "NAS-Bench-201 cell: 6 edges x {none, skip, conv1x1, conv3x3, avgpool3x3} = 15,625 "
              "archs (C, N, in_size, in_channels, classes)", make_nb201_space},
};

}  // namespace

std::unique_ptr<SearchSpace> make_space(const std::string& spec) {
  const std::string mbv2_of = kMobilenetv2Of;
  if (spec.rfind(mbv2_of, 0) == 0) {
    std::string like = spec.substr(mbv2_of.size());
    std::vector<double> widths;
    if (starts_with(like, "widths=")) {
      const size_t end = like.find(' ');
      HWNAS_CHECK(end != std::string::npos, "space '", spec, "': widths=... must be followed by the space it scales");
      for (const std::string& w : split(like.substr(7, end - 7), '/')) widths.push_back(parse_double(w, "MobileNetV2 width"));
      like = like.substr(end + 1);
    }
    return mobilenetv2_space(*make_space(like), widths);
  }
  std::map<std::string, std::string> opts;
  const std::string name = parse_factory_string(spec, &opts);
  std::vector<std::string> names;
  for (const SpaceEntry& e : kSpaces) {
    names.push_back(e.name);
    if (name == e.name) {
      std::unique_ptr<SearchSpace> s = e.make(opts);
      s->description = spec;
      return s;
    }
  }
  HWNAS_CHECK(false, "unknown search space '", name, "' (known: ", join(names, ", "), ")");
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> list_spaces() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const SpaceEntry& e : kSpaces) out.emplace_back(e.name, e.help);
  return out;
}

}  // namespace hwnas
