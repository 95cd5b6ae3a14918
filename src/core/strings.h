// Small string helpers shared by every parser (arch strings, op keys, units).
#pragma once

#include <string>
#include <vector>

namespace hwnas {

std::vector<std::string> split(const std::string& s, char sep);
std::string trim(const std::string& s);
/// Offset of the first byte that breaks UTF-8 in `s` (a stray continuation
/// byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF);
/// std::string::npos when `s` is valid UTF-8. JSON can hold only valid text.
size_t invalid_utf8_at(const std::string& s);
/// The first line of `text`, trimmed: a library's multi-line error as one line.
std::string first_line(const std::string& text);
bool starts_with(const std::string& s, const std::string& prefix);
std::string join(const std::vector<std::string>& parts, const std::string& sep);

/// Strict integer / double parsing: the whole string must be a number.
/// `what` names the value in the error message.
int parse_int(const std::string& s, const std::string& what);
/// "1"/"true"/"yes"/"on" or "0"/"false"/"no"/"off"; throws naming `what` otherwise.
bool parse_flag(const std::string& s, const std::string& what);
double parse_double(const std::string& s, const std::string& what);

/// "3ms", "800us", "0.5s", "12" (ms) -> milliseconds.
double parse_duration_ms(const std::string& s);

/// Shortest decimal text that parses back to the same double ("0.5", "1").
std::string format_number(double v);

/// `v` with exactly `digits` decimals: "74.10".
std::string format_fixed(double v, int digits = 2);
/// Milliseconds rounded to the microsecond, shortest form: "2.061".
std::string format_ms(double ms);

/// A ratio of two times as text: "1.027x".
std::string format_ratio(double r);

}  // namespace hwnas
