// CSV tables (accuracy and latency tables, imported measurements): parse
// refuses or gives a table whose every cell can be read.
#include "core/tables.h"
#include "fuzz/fuzz.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::refused_or_ok([&] {
    const CsvTable t = CsvTable::parse(fuzz::text(data, size), "fuzz.csv");
    for (int r = 0; r < t.num_rows(); ++r)
      for (size_t c = 0; c < t.columns().size(); ++c)
        fuzz::refused_or_ok([&] {
          t.cell(r, static_cast<int>(c));
          t.number(r, static_cast<int>(c));
        });
  });
  return 0;
}
