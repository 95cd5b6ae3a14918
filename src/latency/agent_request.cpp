// The agent's side of the protocol that needs no LibTorch: its options, the
// listen address and the checks of a measurement request. Kept apart from
// the server so the fuzz build (scripts/fuzz.sh) runs every request body
// through exactly this code.
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/strings.h"
#include "latency/agent.h"

namespace hwnas {

using json = nlohmann::json;

namespace {

constexpr size_t kMaxSpecChars = 1000;
constexpr size_t kMaxArchChars = 20000;

}  // namespace

void AgentOptions::validate() const {
  HWNAS_CHECK(!token.empty(), "agent: a token is required (--token T); requests must carry it");
  HWNAS_CHECK(port >= 0 && port <= 65535, "agent: port must be in 0..65535, got ", port);
  HWNAS_CHECK(default_threads >= 1 && default_threads <= max_threads, "agent: threads must be in 1..", max_threads,
              ", got ", default_threads);
  HWNAS_CHECK(max_body_bytes >= 1024, "agent: body limit must be at least 1024 bytes");
  HWNAS_CHECK(read_timeout_s >= 1 && read_timeout_s <= 3600, "agent: read timeout must be in 1..3600 s, got ",
              read_timeout_s);
  HWNAS_CHECK(connections >= 2 && connections <= 1024, "agent: connections must be in 2..1024, got ", connections);
}

void parse_listen_address(const std::string& text, std::string* host, int* port) {
  const std::string t = trim(text);
  const size_t colon = t.rfind(':');
  *host = colon == std::string::npos ? "127.0.0.1" : t.substr(0, colon);
  if (host->empty()) *host = "127.0.0.1";
  *port = parse_int(colon == std::string::npos ? t : t.substr(colon + 1), "port of listen address '" + text + "'");
  HWNAS_CHECK(*port >= 0 && *port <= 65535, "listen address '", text, "': port must be in 0..65535");
}

int parse_request_threads(const json& req, const AgentOptions& opt) {
  if (!req.contains("threads")) return opt.default_threads;
  const int t = json_int(req["threads"], "\"threads\"");
  if (t == 0) return opt.default_threads;
  HWNAS_CHECK(t >= 1 && t <= opt.max_threads, "threads must be in 1..", opt.max_threads, ", got ", t);
  return t;
}

MeasureRequest parse_measure_request(const json& req, const AgentOptions& opt) {
  HWNAS_CHECK(req.is_object(), "request must be a JSON object");
  for (const auto& [k, v] : req.items())
    HWNAS_CHECK(k == "op" || k == "space" || k == "arch" || k == "batch" || k == "threads" || k == "profile",
                "unknown request field '", k, "' (op, space, arch, batch, threads, profile)");
  MeasureRequest r;
  r.threads = parse_request_threads(req, opt);
  if (req.contains("profile")) r.profile = ProfileOptions::from_json(req["profile"]);
  r.profile.validate();
  if (req.contains("op")) {
    HWNAS_CHECK(!req.contains("space") && !req.contains("arch"), "a request names either an op or a space + arch");
    HWNAS_CHECK(req["op"].is_string(), "\"op\" must be an op key string");
    const std::string key = req["op"].get<std::string>();
    HWNAS_CHECK(key.size() <= kMaxSpecChars, "op key longer than ", kMaxSpecChars, " characters");
    r.op = parse_op_spec(key);
    if (req.contains("batch"))
      HWNAS_CHECK(json_int(req["batch"], "\"batch\"") == r.op->batch, "\"batch\" differs from the op key's batch ",
                  r.op->batch);
    check_op_limits(*r.op);
    r.batch = r.op->batch;
    return r;
  }
  HWNAS_CHECK(req.contains("space") && req["space"].is_string() && req.contains("arch") && req["arch"].is_string(),
              "a request needs \"op\" (an op key) or \"space\" and \"arch\" (strings)");
  const std::string space_spec = req["space"].get<std::string>(), arch_text = req["arch"].get<std::string>();
  HWNAS_CHECK(space_spec.size() <= kMaxSpecChars, "space spec longer than ", kMaxSpecChars, " characters");
  HWNAS_CHECK(arch_text.size() <= kMaxArchChars, "arch longer than ", kMaxArchChars, " characters");
  if (req.contains("batch")) r.batch = json_int(req["batch"], "\"batch\"");
  r.space = make_space(space_spec);
  check_network_limits(*r.space, r.batch);
  r.arch = r.space->parse(arch_text);
  r.space->validate(r.arch);
  return r;
}

}  // namespace hwnas
