#include "core/op_spec.h"

#include <cstdio>
#include <vector>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

std::string OpSpec::key() const {
  return str_cat(to_string(kind), "-k", kernel, "-e", expand, "-se", se ? 1 : 0, "-cin", cin, "-cout", cout,
                 "-mid", mid, "-s", stride, "-h", h, "w", w, "-b", batch);
}

OpSpec parse_op_spec(const std::string& key) {
  std::vector<std::string> parts = split(key, '-');
  HWNAS_CHECK(parts.size() == 10, "bad op key '", key,
              "': expected kind-kK-eE-seS-cinC-coutC-midM-sS-hHwW-bB");
  OpSpec s;
  try {
    s.kind = parse_op_kind(parts[0]);
  } catch (const Error& e) {
    HWNAS_CHECK(false, "bad op key '", key, "': ", e.what());
  }
  auto field = [&](const std::string& part, const char* prefix) {
    const std::string p(prefix);
    HWNAS_CHECK(starts_with(part, p), "bad op key '", key, "': expected '", p, "...' at '", part, "'");
    return parse_int(part.substr(p.size()), str_cat("field ", p, " of op key '", key, "'"));
  };
  s.kernel = field(parts[1], "k");
  s.expand = field(parts[2], "e");
  s.se = field(parts[3], "se") != 0;
  s.cin = field(parts[4], "cin");
  s.cout = field(parts[5], "cout");
  s.mid = field(parts[6], "mid");
  s.stride = field(parts[7], "s");
  const std::string& hw = parts[8];
  const size_t wpos = hw.find('w');
  HWNAS_CHECK(starts_with(hw, "h") && wpos != std::string::npos, "bad op key '", key,
              "': expected hHwW at '", hw, "'");
  s.h = parse_int(hw.substr(1, wpos - 1), "height in op key");
  s.w = parse_int(hw.substr(wpos + 1), "width in op key");
  s.batch = field(parts[9], "b");
  return s;
}

}  // namespace hwnas
