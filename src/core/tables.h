// Tabular benchmarks: per-arch values read from CSV files (NAS-Bench-201
// accuracies, HW-NAS-Bench latencies), as an Evaluator and a LatencyModel.
// A column is named "FILE:COLUMN"; rows are keyed by the `arch_str` column
// (parsed by the space, so every row is checked) or, for nb201, by `index`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/evaluator.h"
#include "core/latency_model.h"
#include "core/search_space.h"

namespace hwnas {

/// A CSV file with a header row, read whole. Fields may be double-quoted
/// ("" for a quote inside). Every row must have as many fields as the header.
class CsvTable {
 public:
  /// Reads `path`; throws hwnas::Error naming the file (and line) when it cannot.
  static CsvTable load(const std::string& path);
  /// Parses CSV text; `path` names it in errors.
  static CsvTable parse(const std::string& text, const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& columns() const { return columns_; }
  int num_rows() const { return static_cast<int>(lines_.size()); }
  /// Column position, -1 when absent.
  int column(const std::string& name) const;
  /// Column position; throws naming the file and listing the available columns.
  int require_column(const std::string& name) const;
  std::string_view cell(int row, int col) const {
    const size_t i = static_cast<size_t>(row) * columns_.size() + col;
    return std::string_view(data_.data() + starts_[i], starts_[i + 1] - starts_[i] - 1);
  }
  /// The cell as a number; throws naming file, line and column when it is not one.
  double number(int row, int col) const;
  /// 1-based line of `row` in the file (the header is line 1).
  int line(int row) const { return lines_[row]; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::string data_;            // every cell, unquoted, each followed by '\0'
  std::vector<size_t> starts_;  // row-major cell starts in data_, plus one past the end
  std::vector<int> lines_;
};

/// Hash of an Arch's genes, for unordered containers keyed by Arch.
struct ArchHash {
  size_t operator()(const Arch& a) const;
};

/// One numeric column of a table, keyed by canonical arch. Built from "FILE:COLUMN".
class ArchTable {
 public:
  /// Loads `ref` ("path/to/file.csv:column"); throws on a missing file or
  /// column (listing the available ones), a row whose arch or value does not
  /// parse (file:line), or an arch listed twice.
  ArchTable(const std::string& ref, const SearchSpace& space);

  /// Value of `arch`; throws naming the arch and the file when it is missing.
  double at(const Arch& arch) const;
  /// Whether the table has `arch`.
  bool contains(const Arch& arch) const { return index_.count(space_->canonical(arch)) > 0; }
  /// (canonical arch, value) in file order; SearchSpace::format names them.
  const std::vector<std::pair<Arch, double>>& entries() const { return entries_; }
  const std::string& ref() const { return ref_; }         ///< "FILE:COLUMN" as given
  const std::string& path() const { return path_; }       ///< FILE
  const std::string& column() const { return column_; }   ///< COLUMN
  const SearchSpace& space() const { return *space_; }

 private:
  std::string ref_, path_, column_;
  std::shared_ptr<const SearchSpace> space_;
  std::vector<std::pair<Arch, double>> entries_;
  std::unordered_map<Arch, int, ArchHash> index_;
};

/// Splits "FILE:COLUMN" at the last ':'; throws when either part is empty.
std::pair<std::string, std::string> split_table_ref(const std::string& ref);
/// A list "FILE:COL", "COL", ... (from "FILE:COL,COL,...") as one "FILE:COL"
/// per column: a bare column keeps the file before it.
std::vector<std::string> table_refs(const std::vector<std::string>& items);

/// Accuracy looked up in a table (tabular benchmarks).
class TableEvaluator : public Evaluator {
 public:
  /// `ref` is "FILE:COLUMN", e.g. "data/nb201/accuracy.csv:cifar100_test".
  TableEvaluator(const std::string& ref, const SearchSpace& space) : table_(ref, space) {}
  double accuracy(const Arch& arch) override { return table_.at(arch); }
  std::string describe() const override { return "table(" + table_.ref() + ")"; }
  const ArchTable& table() const { return table_; }

 private:
  ArchTable table_;
};

/// Latency looked up in a table of milliseconds (e.g. HW-NAS-Bench).
class TableLatency : public LatencyModel {
 public:
  /// `ref` is "FILE:COLUMN", e.g. "data/nb201/latency.csv:raspi4_ms".
  TableLatency(const std::string& ref, const SearchSpace& space) : table_(ref, space) {}
  double predict_ms(const Arch& arch) const override { return table_.at(arch); }
  std::string describe() const override { return "table(" + table_.ref() + ")"; }
  const ArchTable& table() const { return table_; }

 private:
  ArchTable table_;
};

}  // namespace hwnas
