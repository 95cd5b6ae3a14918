// Lut: the latency table of one search space on one target. Keys are
// readable OpSpec keys ("shuffle-k3-e0-se0-cin32-cout32-mid16-s1-h14w14-b1"),
// so a table is greppable, and every table is stamped with the TargetInfo
// and the space it was profiled for. Besides the op timings it keeps the
// end-to-end timings of whole archs measured on the same target (used to fit
// the bias B of HSCoNAS Eq. 4 and the learned predictors) and the fitted B.
//
// JSON form (also the import format for tables made elsewhere, where an op
// may be a bare number of ms and space / profile / archs may be absent):
//   {"format": "hwnas-lut", "version": 1,
//    "space": "hsconas", "space_fingerprint": "9f3c...",
//    "target": {"kind": ..., "device": ..., "threads": 1, "batch": 1, "library": ...},
//    "profile": {"warmup_ms": ..., ...},
//    "ops":   {"<op key>": {"median_ms": ..., "stddev_ms": ..., ...}, ...},
//    "archs": {"<arch text>": {"median_ms": ..., ...}, ...},
//    "bias":  {"bias_ms": -0.01, "archs": 20},
//    "speed_reference": {"arch": "<arch text>", "ms": 2.91, "space": "<spec>"},
//    "ops_rechecked": true}
//
// CSV import form: "# name: value" lines (kind, device, threads, batch,
// library, space), then a header naming the columns key and ms (or
// median_ms), optionally type (op | arch, default op) and stddev_ms. Arch
// rows carry the arch text as key (quoted: it has commas), e.g.
//   # kind: tensorrt
//   # device: Jetson Xavier NX
//   # batch: 1
//   # space: hsconas
//   type,key,ms
//   op,shuffle-k3-e0-se0-cin32-cout32-mid16-s1-h14w14-b1,0.081
//   arch,"k3@1,k5@0.5,...",1.92
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/arch.h"
#include "core/op_spec.h"
#include "core/search_space.h"
#include "latency/profiler.h"
#include "latency/target.h"

namespace hwnas {

/// A stable digest of everything that decides a space's ops: backbone, op
/// vocabulary, width factors, layer table. "hsconas" and
/// "hsconas:layout=small" have the same fingerprint.
std::string space_fingerprint(const SearchSpace& space);

/// Every distinct op a space can run at `batch`: stem, each (layer context,
/// op, width), head; in layer order, each key once.
std::vector<OpSpec> space_op_specs(const SearchSpace& space, int batch);

class Lut {
 public:
  std::string space;              ///< description of the space profiled ("" for imports that name none)
  std::string space_fingerprint;  ///< space_fingerprint() of it ("" when unknown)
  TargetInfo target;              ///< where every timing here was measured
  ProfileOptions profile;         ///< how the ops were timed
  std::map<std::string, Timing> ops;    ///< OpSpec::key() -> timing
  std::map<std::string, Timing> archs;  ///< SearchSpace::format(arch) -> end-to-end timing
  std::optional<double> bias_ms;  ///< HSCoNAS Eq. 4's B, once fitted
  int bias_archs = 0;             ///< M, the number of archs B was fitted on
  bool ops_rechecked = false;     ///< every op timed a second time (profile_space's recheck pass)
  /// The machine-speed reference (measurer.h): an arch timed beside every
  /// arch timing, and its fastest timing at profiling; the timings in
  /// `archs` are scaled to that speed. Usually the first bias arch; a table
  /// profiled beside another table's reference names that table's space.
  /// Empty arch: none (an imported table, or one without bias archs); its
  /// arch timings are as timed.
  std::string reference_arch;
  double reference_ms = 0;
  std::string reference_space;  ///< the reference arch's space spec; empty: this table's

  std::string origin;             ///< file it was loaded from (for error messages)

  /// A new, empty table for `space` on `target`.
  static Lut empty(const SearchSpace& space, const TargetInfo& target, const ProfileOptions& profile);
  /// Loads a .json or .csv table; throws hwnas::Error naming the file and
  /// what is wrong (malformed JSON with line and column, missing fields, bad values).
  static Lut load(const std::string& path);
  /// Parses the JSON form; `origin` names the source in errors.
  static Lut from_json(const nlohmann::json& j, const std::string& origin);
  /// Parses the CSV import form.
  static Lut from_csv(const std::string& text, const std::string& origin);
  nlohmann::json to_json() const;
  /// Writes the JSON form atomically.
  void save(const std::string& path) const;

  /// Refuses a table profiled for another space (when the table names one)
  /// or lacking keys the space needs; the message names both spaces or the
  /// first missing keys and their count.
  void check_space(const SearchSpace& space) const;
  /// Refuses a table measured on a different target (compares TargetInfo::id()).
  void check_target(const TargetInfo& target) const;
  /// Keys of space_op_specs(space, target.batch) the table lacks.
  std::vector<std::string> missing_keys(const SearchSpace& space) const;

  /// Latency of one op (the profile's statistic: median or min); throws naming the key and the table when absent.
  double op_ms(const OpSpec& spec) const;
  /// Sum of the op latencies of `arch`'s network (stem, layers, head): the
  /// first term of HSCoNAS Eq. 3.
  double sum_ms(const SearchSpace& space, const Arch& arch) const;
};

}  // namespace hwnas
