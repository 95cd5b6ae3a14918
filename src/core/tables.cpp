#include "core/tables.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <tuple>

#include "core/error.h"
#include "core/io.h"
#include "core/rng.h"
#include "core/spaces/nb201.h"
#include "core/strings.h"

namespace hwnas {

CsvTable CsvTable::load(const std::string& path) {
  HWNAS_CHECK(file_exists(path), "table file ", path, " does not exist");
  return parse(read_file(path), path);
}

CsvTable CsvTable::parse(const std::string& text, const std::string& path) {
  CsvTable t;
  t.path_ = path;
  t.data_.reserve(text.size() + text.size() / 4);
  std::string field;        // the current field (header row only)
  size_t fields = 0;        // fields in the current row
  bool header = true;
  int line = 1, row_line = 1;
  const size_t n = text.size();
  size_t i = 0;
  const auto end_field = [&] {
    if (header) {
      t.columns_.push_back(trim(t.data_.substr(t.starts_.back())));
      t.data_.resize(t.starts_.back());
      t.starts_.pop_back();
    } else {
      t.data_ += '\0';
    }
    ++fields;
  };
  const auto begin_field = [&] { t.starts_.push_back(t.data_.size()); };
  const auto end_row = [&] {
    const bool blank = fields == 1 && (header ? t.columns_.back().empty()
                                              : t.starts_.back() + 1 == t.data_.size());
    if (blank) {  // an empty line: drop it
      if (header) {
        t.columns_.clear();
      } else {
        t.data_.resize(t.starts_.back());
        t.starts_.pop_back();
      }
    } else if (header) {
      header = false;
    } else {
      HWNAS_CHECK(fields == t.columns_.size(), path, ":", row_line, ": ", fields,
                  " fields, the header has ", t.columns_.size());
      t.lines_.push_back(row_line);
    }
    fields = 0;
  };
  begin_field();
  while (i < n) {
    const char c = text[i];
    if (c == '"' && t.data_.size() == t.starts_.back()) {  // a quoted field
      const int start_line = line;
      for (++i;; ++i) {
        HWNAS_CHECK(i < n, path, ":", start_line, ": unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            t.data_ += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        t.data_ += text[i];
      }
      HWNAS_CHECK(i >= n || text[i] == ',' || text[i] == '\n' || text[i] == '\r', path, ":", line,
                  ": text after a closing quote");
      continue;
    }
    if (c == ',') {
      end_field();
      begin_field();
    } else if (c == '\n') {
      end_field();
      end_row();
      row_line = ++line;
      begin_field();
    } else if (c != '\r') {  // a run of plain characters, copied at once
      size_t j = i + 1;
      while (j < n && text[j] != ',' && text[j] != '\n' && text[j] != '\r' && text[j] != '"') ++j;
      t.data_.append(text, i, j - i);
      i = j;
      continue;
    }
    ++i;
  }
  if (t.data_.size() > t.starts_.back() || fields > 0) {
    end_field();
    end_row();
  } else {
    t.starts_.pop_back();  // nothing after the last newline
  }
  HWNAS_CHECK(!t.columns_.empty(), path, ": empty file (expected a header row)");
  t.starts_.push_back(t.data_.size());
  return t;
}

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name) return static_cast<int>(i);
  return -1;
}

int CsvTable::require_column(const std::string& name) const {
  const int c = column(name);
  HWNAS_CHECK(c >= 0, path_, ": no column '", name, "' (available: ", join(columns_, ", "), ")");
  return c;
}

double CsvTable::number(int row, int col) const {
  const std::string_view v = cell(row, col);
  const char* begin = v.data();  // '\0'-terminated in data_
  char* end = nullptr;
  const double x = std::strtod(begin, &end);
  bool ok = end != begin && std::isfinite(x);
  for (const char* p = end; ok && p < v.data() + v.size(); ++p) ok = std::isspace(static_cast<unsigned char>(*p));
  HWNAS_CHECK(ok, path_, ":", line(row), ": column ", columns_[col], ": '", v, "' is not a number");
  return x;
}

std::vector<std::string> table_refs(const std::vector<std::string>& items) {
  std::vector<std::string> refs;
  std::string file;
  for (const std::string& item : items) {
    if (item.find(':') != std::string::npos) {
      file = split_table_ref(item).first;
      refs.push_back(item);
    } else {
      HWNAS_CHECK(!file.empty(), "'", item, "' names a column before any FILE:COLUMN");
      refs.push_back(file + ":" + item);
    }
  }
  return refs;
}

std::pair<std::string, std::string> split_table_ref(const std::string& ref) {
  const size_t colon = ref.rfind(':');
  HWNAS_CHECK(colon != std::string::npos && colon > 0 && colon + 1 < ref.size(), "table '", ref,
              "' must be FILE:COLUMN, e.g. data/nb201/accuracy.csv:cifar100_test");
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

size_t ArchHash::operator()(const Arch& a) const {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (const Gene& g : a.genes)
    h = mix_seed(h ^ (static_cast<uint64_t>(g.op) << 32 ^ static_cast<uint32_t>(g.width)));
  return static_cast<size_t>(h);
}

ArchTable::ArchTable(const std::string& ref, const SearchSpace& space)
    : ref_(ref), space_(space.clone()) {
  std::tie(path_, column_) = split_table_ref(ref);
  const CsvTable t = CsvTable::load(path_);
  const int value_col = t.require_column(column_);
  const int arch_col = t.column("arch_str");
  const int index_col = t.column("index");
  HWNAS_CHECK(arch_col >= 0 || (index_col >= 0 && space.family == "nb201"), path_,
              ": rows need an 'arch_str' column",
              space.family == "nb201" ? " or an 'index' column" : "", " (available: ",
              join(t.columns(), ", "), ")");
  entries_.reserve(t.num_rows());
  index_.reserve(t.num_rows());
  std::string text;
  for (int r = 0; r < t.num_rows(); ++r) {
    Arch arch;
    try {
      text.assign(t.cell(r, arch_col >= 0 ? arch_col : index_col));
      arch = space.canonical(arch_col >= 0 ? space.parse(text) : nb201_arch(parse_int(text, "index")));
    } catch (const Error& e) {
      HWNAS_CHECK(false, path_, ":", t.line(r), ": ", e.what());
    }
    const double value = t.number(r, value_col);
    const auto inserted = index_.emplace(arch, static_cast<int>(entries_.size()));
    HWNAS_CHECK(inserted.second, path_, ":", t.line(r), ": arch ", space.format(arch),
                " is listed twice (first on data row ", inserted.first->second + 1, ")");
    entries_.emplace_back(std::move(arch), value);
  }
  HWNAS_CHECK(!entries_.empty(), path_, ": no rows");
}

double ArchTable::at(const Arch& arch) const {
  auto it = index_.find(space_->canonical(arch));
  HWNAS_CHECK(it != index_.end(), "arch ", space_->format(arch), " is not in ", path_, " (column ",
              column_, ", ", entries_.size(), " archs)");
  return entries_[it->second].second;
}

}  // namespace hwnas
