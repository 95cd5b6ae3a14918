#include "latency/lut.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/flops.h"
#include "core/io.h"
#include "core/search_space.h"
#include "core/strings.h"

namespace hwnas {

using json = nlohmann::json;

std::string space_fingerprint(const SearchSpace& s) {
  const Backbone& b = s.backbone;
  std::string text = str_cat("family=", s.family, ";in=", b.in_channels, "x", b.in_size, ";stem=",
                             b.stem_channels, "/", b.stem_stride, "/", b.stem_pool, ";head=",
                             b.head_channels, ";classes=", b.num_classes, ";ops=");
  for (const OpDef& o : s.ops)
    text += str_cat(o.name, ":", to_string(o.kind), ":", o.kernel, ":", o.expand, ":", o.se, ":", o.scalable, ",");
  text += ";widths=";
  for (double w : s.width_factors) text += format_number(w) + ",";
  text += ";layers=";
  for (const LayerSpec& l : s.layers) {
    text += str_cat(l.cin, "/", l.cout, "/", l.stride, "/", l.in_h, "x", l.in_w, "/ops");
    for (int o : l.ops) text += str_cat(".", o);
    text += "/w";
    for (int w : l.widths) text += str_cat(".", w);
    text += ";";
  }
  // FNV-1a, 64 bit: stable across builds and platforms.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<OpSpec> space_op_specs(const SearchSpace& space, int batch) {
  std::vector<OpSpec> out;
  std::set<std::string> seen;
  auto add = [&](const OpSpec& s) {
    if (seen.insert(s.key()).second) out.push_back(s);
  };
  add(stem_op_spec(space, batch));
  for (int l = 0; l < space.num_layers(); ++l) {
    const LayerSpec& L = space.layers[l];
    for (int o : L.ops) {
      if (!space.ops[o].scalable) {
        add(space.op_spec(l, Gene{o, L.widths.empty() ? 0 : L.widths.back()}, batch));
        continue;
      }
      for (int w : L.widths) add(space.op_spec(l, Gene{o, w}, batch));
    }
  }
  add(head_op_spec(space, batch));
  return out;
}

Lut Lut::empty(const SearchSpace& space, const TargetInfo& target, const ProfileOptions& profile) {
  Lut lut;
  lut.space = space.description.empty() ? space.name : space.description;
  lut.space_fingerprint = hwnas::space_fingerprint(space);
  lut.target = target;
  lut.profile = profile;
  return lut;
}

Lut Lut::load(const std::string& path) {
  HWNAS_CHECK(file_exists(path), "latency table ", path, " does not exist");
  const std::string text = read_file(path);
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  if (csv) return from_csv(text, path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // nlohmann's message names line and column: "parse error at line 3, column 5: ..."
    HWNAS_CHECK(false, "latency table ", path, " is not valid JSON: ", e.what());
  }
  return from_json(j, path);
}

Lut Lut::from_json(const json& j, const std::string& origin) {
  HWNAS_CHECK(j.is_object(), "latency table ", origin, ": top level must be a JSON object");
  if (j.contains("format"))
    HWNAS_CHECK(j["format"] == "hwnas-lut", "latency table ", origin, ": format is ", j["format"].dump(),
                ", expected \"hwnas-lut\"");
  if (j.contains("version"))
    HWNAS_CHECK(j["version"] == 1, "latency table ", origin, ": version ", j["version"].dump(),
                " is not supported (this build reads version 1)");
  HWNAS_CHECK(j.contains("target"), "latency table ", origin,
              ": missing \"target\" (what the latencies were measured on)");
  HWNAS_CHECK(j.contains("ops") && j["ops"].is_object(), "latency table ", origin,
              ": missing \"ops\" object (op key -> latency)");
  Lut lut;
  lut.origin = origin;
  lut.target = TargetInfo::from_json(j["target"], str_cat("latency table ", origin));
  auto str = [&](const char* k) {
    if (!j.contains(k)) return std::string();
    HWNAS_CHECK(j[k].is_string(), "latency table ", origin, ": \"", k, "\" must be a string");
    return j[k].get<std::string>();
  };
  lut.space = str("space");
  lut.space_fingerprint = str("space_fingerprint");
  if (j.contains("profile")) {
    try {
      lut.profile = ProfileOptions::from_json(j["profile"]);
    } catch (const Error& e) {
      HWNAS_CHECK(false, "latency table ", origin, ": ", e.what());
    }
  }
  for (const auto& [key, v] : j["ops"].items()) {
    OpSpec spec;
    try {
      spec = parse_op_spec(key);
    } catch (const Error& e) {
      HWNAS_CHECK(false, "latency table ", origin, ": ", e.what());
    }
    HWNAS_CHECK(spec.key() == key, "latency table ", origin, ": op key '", key,
                "' is not in canonical form (expected '", spec.key(), "')");
    HWNAS_CHECK(spec.batch == lut.target.batch, "latency table ", origin, ": op '", key, "' has batch ",
                spec.batch, " but the target's batch is ", lut.target.batch);
    lut.ops[key] = Timing::from_json(v, str_cat("latency table ", origin, ": op '", key, "'"));
  }
  if (j.contains("archs")) {
    HWNAS_CHECK(j["archs"].is_object(), "latency table ", origin, ": \"archs\" must be an object (arch -> latency)");
    for (const auto& [arch, v] : j["archs"].items())
      lut.archs[arch] = Timing::from_json(v, str_cat("latency table ", origin, ": arch '", arch, "'"));
  }
  if (j.contains("bias")) {
    const json& b = j["bias"];
    HWNAS_CHECK(b.is_object() && b.contains("bias_ms") && b["bias_ms"].is_number(), "latency table ", origin,
                ": \"bias\" must be an object with a number bias_ms");
    lut.bias_ms = b["bias_ms"].get<double>();
    if (b.contains("archs"))
      lut.bias_archs = json_int(b["archs"], str_cat("latency table ", origin, ": bias \"archs\""));
  }
  if (j.contains("speed_reference")) {
    const json& r = j["speed_reference"];
    HWNAS_CHECK(r.is_object() && r.contains("arch") && r["arch"].is_string() && r.contains("ms") && r["ms"].is_number() &&
                    r["ms"].get<double>() > 0,
                "latency table ", origin, ": \"speed_reference\" must be an object with an arch string and a positive ms");
    lut.reference_arch = r["arch"].get<std::string>();
    lut.reference_ms = r["ms"].get<double>();
    if (r.contains("space")) {
      HWNAS_CHECK(r["space"].is_string(), "latency table ", origin, ": \"speed_reference\" space must be a string");
      lut.reference_space = r["space"].get<std::string>();
    }
  }
  if (j.contains("ops_rechecked")) {
    HWNAS_CHECK(j["ops_rechecked"].is_boolean(), "latency table ", origin, ": \"ops_rechecked\" must be true or false");
    lut.ops_rechecked = j["ops_rechecked"].get<bool>();
  }
  return lut;
}

namespace {

/// Splits one CSV line, honouring double quotes ("" inside quotes is a quote).
std::vector<std::string> csv_fields(const std::string& line, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  HWNAS_CHECK(!quoted, where, ": unterminated quote");
  out.push_back(trim(cur));
  return out;
}

}  // namespace

Lut Lut::from_csv(const std::string& text, const std::string& origin) {
  const size_t bad = invalid_utf8_at(text);
  HWNAS_CHECK(bad == std::string::npos, "latency table ", origin, ": byte ", bad, " is not UTF-8 text");
  json target = json::object();
  target["kind"] = "table";
  target["batch"] = 1;
  std::string space;
  std::vector<std::string> header;
  int col_key = -1, col_ms = -1, col_type = -1, col_std = -1;
  json ops = json::object(), archs = json::object();
  const std::vector<std::string> lines = split(text, '\n');
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string where = str_cat("latency table ", origin, ":", n + 1);
    const std::string line = trim(lines[n]);
    if (line.empty()) continue;
    if (line[0] == '#') {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;  // a plain comment
      const std::string name = trim(line.substr(1, colon - 1)), value = trim(line.substr(colon + 1));
      if (name == "threads" || name == "batch") target[name] = parse_int(value, where + " " + name);
      else if (name == "kind" || name == "device" || name == "library" || name == "host") target[name] = value;
      else if (name == "space") space = value;
      else HWNAS_CHECK(false, where, ": unknown metadata '", name, "' (kind, device, threads, batch, library, host, space)");
      continue;
    }
    std::vector<std::string> f = csv_fields(line, where);
    if (header.empty()) {
      header = f;
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "key") col_key = static_cast<int>(i);
        else if (f[i] == "ms" || f[i] == "median_ms") col_ms = static_cast<int>(i);
        else if (f[i] == "type") col_type = static_cast<int>(i);
        else if (f[i] == "stddev_ms") col_std = static_cast<int>(i);
      }
      HWNAS_CHECK(col_key >= 0 && col_ms >= 0, where, ": the header needs columns 'key' and 'ms' (or 'median_ms'), got '",
                  line, "'");
      continue;
    }
    HWNAS_CHECK(f.size() == header.size(), where, ": ", f.size(), " fields, the header has ", header.size());
    json v = json::object();
    v["median_ms"] = parse_double(f[col_ms], where + " ms");
    if (col_std >= 0 && !f[col_std].empty()) v["stddev_ms"] = parse_double(f[col_std], where + " stddev_ms");
    const std::string type = col_type >= 0 ? f[col_type] : "op";
    if (type == "op") ops[f[col_key]] = v;
    else if (type == "arch") archs[f[col_key]] = v;
    else HWNAS_CHECK(false, where, ": type must be 'op' or 'arch', got '", type, "'");
  }
  HWNAS_CHECK(!header.empty(), "latency table ", origin, ": no header line (columns key, ms)");
  json j{{"target", target}, {"ops", ops}, {"archs", archs}};
  if (!space.empty()) {
    const std::unique_ptr<SearchSpace> s = make_space(space);
    j["space"] = space;
    j["space_fingerprint"] = hwnas::space_fingerprint(*s);
    // Arch rows must be valid archs of the space the table names.
    for (const auto& [arch, v] : archs.items()) {
      try {
        s->parse(arch);
      } catch (const Error& e) {
        HWNAS_CHECK(false, "latency table ", origin, ": arch row: ", e.what());
      }
    }
  }
  return from_json(j, origin);
}

json Lut::to_json() const {
  json ops_j = json::object(), archs_j = json::object();
  for (const auto& [k, t] : ops) ops_j[k] = t.to_json();
  for (const auto& [k, t] : archs) archs_j[k] = t.to_json();
  json j{{"format", "hwnas-lut"}, {"version", 1},          {"space", space},
         {"space_fingerprint", space_fingerprint}, {"target", target.to_json()},
         {"profile", profile.to_json()}, {"ops", ops_j}, {"archs", archs_j}};
  if (bias_ms) j["bias"] = json{{"bias_ms", *bias_ms}, {"archs", bias_archs}};
  if (!reference_arch.empty()) {
    j["speed_reference"] = json{{"arch", reference_arch}, {"ms", reference_ms}};
    if (!reference_space.empty()) j["speed_reference"]["space"] = reference_space;
  }
  if (ops_rechecked) j["ops_rechecked"] = true;
  return j;
}

void Lut::save(const std::string& path) const { write_file_atomic(path, to_json().dump(1) + "\n"); }

std::vector<std::string> Lut::missing_keys(const SearchSpace& s) const {
  std::vector<std::string> out;
  for (const OpSpec& spec : space_op_specs(s, target.batch))
    if (!ops.count(spec.key())) out.push_back(spec.key());
  return out;
}

void Lut::check_space(const SearchSpace& s) const {
  const std::string want = s.description.empty() ? s.name : s.description;
  HWNAS_CHECK(space_fingerprint.empty() || space_fingerprint == hwnas::space_fingerprint(s), "latency table ",
              origin, " was profiled for space '", space, "', not '", want,
              "' (their layers or ops differ); profile this space with hwnas profile --space ", want);
  const std::vector<std::string> miss = missing_keys(s);
  if (miss.empty()) return;
  std::vector<std::string> first(miss.begin(), miss.begin() + std::min<size_t>(3, miss.size()));
  HWNAS_CHECK(false, "latency table ", origin, " lacks ", miss.size(), " of the ops space '", want,
              "' needs (batch ", target.batch, "), e.g. ", join(first, ", "),
              "; complete it with hwnas profile --space ", want, " --out ", origin);
}

void Lut::check_target(const TargetInfo& t) const {
  HWNAS_CHECK(target.id() == t.id(), "latency table ", origin, " was measured on [", target.id(),
              "], not on [", t.id(), "]; latencies from different targets are not comparable");
}

double Lut::op_ms(const OpSpec& spec) const {
  auto it = ops.find(spec.key());
  HWNAS_CHECK(it != ops.end(), "latency table ", origin, " has no op ", spec.key());
  return it->second.value_ms(profile.statistic);
}

double Lut::sum_ms(const SearchSpace& s, const Arch& arch) const {
  // HSCoNAS Eq. 3, first term: sum over the network's ops (stem, L layers, head).
  double sum = 0;
  for (const OpSpec& spec : network_op_specs(s, arch, target.batch)) sum += op_ms(spec);
  return sum;
}

}  // namespace hwnas
