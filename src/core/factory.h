// Factory strings: every runtime-chosen component (space, strategy, latency
// model, predictor) is built from "name" or "name:key=value,key=value", and
// describes itself back in the same form (faiss index_factory style).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace hwnas {

/// Parses "name:k=v,k=v" into the name and the options; used by every factory.
std::string parse_factory_string(const std::string& spec, std::map<std::string, std::string>* opts);

/// Inverse of parse_factory_string: "name" when `opts` is empty, else
/// "name:k=v,k=v" with keys in sorted order (the canonical form describe() prints).
std::string format_factory_string(const std::string& name,
                                  const std::map<std::string, std::string>& opts);

/// Typed access to factory options, refusing unknown keys.
class FactoryOptions {
 public:
  FactoryOptions(std::string owner, std::map<std::string, std::string> opts)
      : owner_(std::move(owner)), opts_(std::move(opts)) {}
  std::string get(const std::string& key, const std::string& def);
  int get_int(const std::string& key, int def);
  double get_double(const std::string& key, double def);
  std::vector<int> get_ints(const std::string& key, const std::vector<int>& def);
  /// A slash-separated list of numbers: "0.5/0.75/1".
  std::vector<double> get_doubles(const std::string& key, const std::vector<double>& def);
  /// Throws if any option was never read (a typo).
  void finish() const;

 private:
  std::string owner_;
  std::map<std::string, std::string> opts_;
  std::vector<std::string> used_;
};

/// Reads an int list "48/128/256/512" (slash-separated, for use inside factory strings).
std::vector<int> parse_int_list(const std::string& s, const std::string& what);

}  // namespace hwnas
