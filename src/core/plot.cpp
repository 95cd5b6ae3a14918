#include "core/plot.h"

#include <cstdlib>

#include "core/error.h"
#include "core/io.h"

namespace hwnas {

bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

std::string png_terminal() {
  static const std::string term =
      std::system("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo") == 0 ? "pngcairo" : "png";
  return term;
}

std::string gnuplot_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
  return o + "'";
}

void run_gnuplot(const std::string& script, const std::string& script_path) {
  HWNAS_CHECK(gnuplot_available(), "gnuplot not found (apt-get install gnuplot-nox) to render ", script_path);
  write_file_atomic(script_path, script);
  std::string quoted = "'";
  for (char c : script_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string cmd = "gnuplot " + quoted + "' 2>&1";
  HWNAS_CHECK(std::system(cmd.c_str()) == 0, "gnuplot failed on ", script_path);
}

}  // namespace hwnas
