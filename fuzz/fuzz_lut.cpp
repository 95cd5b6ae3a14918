// Latency tables (LUT files, JSON or CSV import form): load refuses or gives
// a table that writes back to JSON and reads again to the same table. The
// first input byte picks the form.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz.h"
#include "latency/lut.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text = fuzz::text(data + 1, size - 1);
  fuzz::refused_or_ok([&] {
    Lut lut;
    if (data[0] % 2 == 0) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception&) {
        return;  // Lut::load reports this as the file's line and column
      }
      lut = Lut::from_json(j, "fuzz.json");
    } else {
      lut = Lut::from_csv(text, "fuzz.csv");
    }
    const nlohmann::json written = lut.to_json();
    const Lut again = Lut::from_json(nlohmann::json::parse(written.dump()), "fuzz round trip");
    fuzz::require(again.to_json() == written, "LUT: JSON round trip changed the table");
  });
  return 0;
}
