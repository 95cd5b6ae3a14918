// Factory strings of strategies, objectives and latency regressors, and the
// number, flag and duration parsers every option goes through.
#include "core/factory.h"
#include "core/predictors/regressor.h"
#include "core/strings.h"
#include "fuzz/fuzz.h"
#include "search/objective.h"
#include "search/strategy.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 1024) return 0;
  const std::string s = fuzz::text(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: fuzz::refused_or_ok([&] {
        const auto st = make_strategy(s);
        fuzz::require(make_strategy(st->describe())->describe() == st->describe(), "strategy describe round trip");
      });
      break;
    case 1: fuzz::refused_or_ok([&] { make_objective(s, 5.0)->describe(); }); break;
    case 2: fuzz::refused_or_ok([&] { make_regressor(s)->describe(); }); break;
    case 3: fuzz::refused_or_ok([&] {
        std::map<std::string, std::string> opts;
        const std::string name = parse_factory_string(s, &opts);
        std::map<std::string, std::string> again;
        fuzz::require(parse_factory_string(format_factory_string(name, opts), &again) == name && again == opts,
                      "factory string round trip");
      });
      break;
    case 4: fuzz::refused_or_ok([&] { parse_int(s, "fuzz"); }); break;
    case 5: fuzz::refused_or_ok([&] { parse_double(s, "fuzz"); parse_flag(s, "fuzz"); }); break;
    case 6: fuzz::refused_or_ok([&] { parse_duration_ms(s); }); break;
  }
  return 0;
}
