#include "core/strings.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>

#include "core/error.h"

namespace hwnas {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

size_t invalid_utf8_at(const std::string& s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: the sequence length and the smallest code point it may encode.
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string::npos;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string first_line(const std::string& text) { return trim(text.substr(0, text.find('\n'))); }

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

bool parse_flag(const std::string& s, const std::string& what) {
  for (const char* t : {"1", "true", "yes", "on"})
    if (s == t) return true;
  for (const char* f : {"0", "false", "no", "off"})
    if (s == f) return false;
  HWNAS_CHECK(false, what, ": expected 1 or 0 (true or false), got '", s, "'");
  return false;
}

int parse_int(const std::string& s, const std::string& what) {
  const std::string t = trim(s);
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(t.c_str(), &end, 10);
  HWNAS_CHECK(!t.empty() && end && *end == '\0' && errno == 0 && v >= INT32_MIN && v <= INT32_MAX,
              what, ": '", s, "' is not an integer");
  return static_cast<int>(v);
}

double parse_double(const std::string& s, const std::string& what) {
  const std::string t = trim(s);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  HWNAS_CHECK(!t.empty() && end && *end == '\0' && std::isfinite(v), what, ": '", s,
              "' is not a number");
  return v;
}

double parse_duration_ms(const std::string& s) {
  const std::string t = trim(s);
  struct Unit { const char* suffix; double to_ms; };
  static const Unit kUnits[] = {{"ms", 1.0}, {"us", 1e-3}, {"µs", 1e-3}, {"ns", 1e-6}, {"s", 1e3}};
  for (const Unit& u : kUnits) {
    const std::string suf(u.suffix);
    if (t.size() > suf.size() && t.compare(t.size() - suf.size(), suf.size(), suf) == 0) {
      const double v = parse_double(t.substr(0, t.size() - suf.size()), "latency");
      HWNAS_CHECK(v > 0, "latency must be positive, got '", s, "'");
      return v * u.to_ms;
    }
  }
  const double v = parse_double(t, "latency (units: ms, us, s)");
  HWNAS_CHECK(v > 0, "latency must be positive, got '", s, "'");
  return v;
}

std::string format_number(double v) {
  // Shortest round-tripping %g, but plain digits where %g would pick an
  // exponent only because the precision is short ("10", not "1e+01").
  char buf[64], plain[64] = "";
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) != v) continue;
    if (!std::strchr(buf, 'e')) return buf;
    for (int p2 = prec + 1; p2 <= 17 && !plain[0]; ++p2) {
      std::snprintf(plain, sizeof plain, "%.*g", p2, v);
      if (std::strchr(plain, 'e') || std::strtod(plain, nullptr) != v) plain[0] = '\0';
    }
    return plain[0] ? plain : buf;
  }
  return buf;
}

std::string format_fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string format_ms(double ms) { return format_number(std::round(ms * 1000) / 1000); }

std::string format_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fx", r);
  return buf;
}

}  // namespace hwnas
