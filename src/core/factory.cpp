#include "core/factory.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

std::string parse_factory_string(const std::string& spec,
                                 std::map<std::string, std::string>* opts) {
  const size_t colon = spec.find(':');
  const std::string name = trim(spec.substr(0, colon));
  if (colon == std::string::npos) return name;
  for (const std::string& kv : split(spec.substr(colon + 1), ',')) {
    if (trim(kv).empty()) continue;
    const size_t eq = kv.find('=');
    HWNAS_CHECK(eq != std::string::npos, "'", spec, "': option '", kv, "' is not key=value");
    (*opts)[trim(kv.substr(0, eq))] = trim(kv.substr(eq + 1));
  }
  return name;
}

std::string format_factory_string(const std::string& name,
                                  const std::map<std::string, std::string>& opts) {
  if (opts.empty()) return name;
  std::vector<std::string> parts;
  for (const auto& kv : opts) parts.push_back(kv.first + "=" + kv.second);
  return name + ":" + join(parts, ",");
}

std::vector<int> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int> out;
  for (const std::string& p : split(s, '/')) out.push_back(parse_int(p, what));
  return out;
}

std::string FactoryOptions::get(const std::string& key, const std::string& def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : it->second;
}

int FactoryOptions::get_int(const std::string& key, int def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_int(it->second, owner_ + " option " + key);
}

double FactoryOptions::get_double(const std::string& key, double def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_double(it->second, owner_ + " option " + key);
}

std::vector<int> FactoryOptions::get_ints(const std::string& key, const std::vector<int>& def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  return it == opts_.end() ? def : parse_int_list(it->second, owner_ + " option " + key);
}

std::vector<double> FactoryOptions::get_doubles(const std::string& key, const std::vector<double>& def) {
  used_.push_back(key);
  auto it = opts_.find(key);
  if (it == opts_.end()) return def;
  std::vector<double> out;
  for (const std::string& p : split(it->second, '/')) out.push_back(parse_double(p, owner_ + " option " + key));
  return out;
}

void FactoryOptions::finish() const {
  for (const auto& kv : opts_)
    HWNAS_CHECK(std::find(used_.begin(), used_.end(), kv.first) != used_.end(), owner_,
                ": unknown option '", kv.first, "'");
}

}  // namespace hwnas
