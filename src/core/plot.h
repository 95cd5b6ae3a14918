// gnuplot rendering shared by every plot hwnas draws: the script is written
// beside the PNG (so a user can restyle it) and run once.
#pragma once

#include <string>

namespace hwnas {

/// Whether the gnuplot binary is on PATH.
bool gnuplot_available();
/// "pngcairo" when this gnuplot has it, else "png".
std::string png_terminal();
/// Quotes `s` for a single-quoted gnuplot string.
std::string gnuplot_quote(const std::string& s);
/// Writes `script` to `script_path` and runs gnuplot on it; throws
/// hwnas::Error when gnuplot is missing or fails.
void run_gnuplot(const std::string& script, const std::string& script_path);

}  // namespace hwnas
