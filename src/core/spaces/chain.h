// Helpers for "chain" spaces: stem, stages of searchable layers, head
// (hsconas, hurricane). Shared so every chain space lays out layers alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/search_space.h"

namespace hwnas {

/// Stage layout of a chain backbone.
struct ChainLayout {
  std::vector<int> channels;  ///< output channels per stage
  std::vector<int> depths;    ///< searchable layers per stage
  std::vector<int> strides;   ///< stride of each stage's first layer
};

/// Fills space->layers from the layout: resolutions follow the strides, every
/// op is allowed except non-reshaping ones (skip) where shape changes.
void build_chain_layers(SearchSpace* space, const ChainLayout& layout);

/// Reads an int list "48/128/256/512" (slash-separated, for use inside factory strings).
std::vector<int> parse_int_list(const std::string& s, const std::string& what);

/// Typed access to factory options, refusing unknown keys.
class FactoryOptions {
 public:
  FactoryOptions(std::string owner, std::map<std::string, std::string> opts)
      : owner_(std::move(owner)), opts_(std::move(opts)) {}
  std::string get(const std::string& key, const std::string& def);
  int get_int(const std::string& key, int def);
  double get_double(const std::string& key, double def);
  std::vector<int> get_ints(const std::string& key, const std::vector<int>& def);
  /// Throws if any option was never read (a typo).
  void finish() const;

 private:
  std::string owner_;
  std::map<std::string, std::string> opts_;
  std::vector<std::string> used_;
};

}  // namespace hwnas
