// The remote profiling agent: `hwnas agent --listen HOST:PORT --token T` runs
// on the device (the same binary) and answers measurement requests over
// HTTP; the searching machine reaches it through `--target remote://HOST:PORT`.
//
// Protocol (JSON bodies, token in "Authorization: Bearer T"):
//   GET  /v1/info?threads=N&batch=B&clock=C&fold=1&runtime=R -> {"target": TargetInfo, "server": "hwnas 0.1.0"}
//   POST /v1/measure                 -> {"target": TargetInfo, "timing": Timing}
//        body: {"op": "<OpSpec key>", "threads": N, "profile": ProfileOptions}
//           or {"space": "<space spec>", "arch": "<arch text>", "batch": B,
//               "threads": N, "profile": ProfileOptions}
// Errors: 401 without the right token, 400 with {"error": "..."} for bad or
// absurd requests (shapes, repeat counts, unknown fields), 413 for bodies
// over the size limit. Measurements run one at a time, with the same
// profiler as local measurements; each answer of /v1/measure carries its
// "window" {"start_ms", "end_ms"} on the agent's monotonic clock, so a
// client can check that no two measurements overlapped. One request per
// connection; a client silent mid-request is disconnected after
// read_timeout_s.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "latency/target.h"

namespace hwnas {

struct AgentOptions {
  std::string host = "127.0.0.1";  ///< bind address; loopback unless told otherwise
  int port = 8765;                 ///< 0 = any free port (bind() returns it)
  std::string token;               ///< required; requests without it get 401
  int default_threads = 1;         ///< threads when a request names none
  int max_threads = 256;           ///< requests for more threads are refused
  size_t max_body_bytes = 64 * 1024;  ///< larger request bodies get 413
  int read_timeout_s = 5;  ///< a client silent this long mid-request is disconnected
  /// Connections served at once: clients that never finish a request hold
  /// one each until read_timeout_s, so there is room for many beside the
  /// measuring one (measurements still run one at a time).
  int connections = 32;

  /// Throws hwnas::Error naming the bad field (empty token, bad port, ...).
  void validate() const;
};

/// Parses "HOST:PORT" or "PORT" (then the host is 127.0.0.1); throws on bad input.
void parse_listen_address(const std::string& text, std::string* host, int* port);

/// A checked measurement request (the body of POST /v1/measure): an op, or
/// a space and an arch of it at `batch`.
struct MeasureRequest {
  int threads = 1;
  ProfileOptions profile;
  std::optional<OpSpec> op;
  std::shared_ptr<const SearchSpace> space;  ///< set when no op is
  Arch arch;
  int batch = 1;
};

/// The "threads" of a request: absent or 0 is the agent's default; throws
/// beyond 1..max_threads.
int parse_request_threads(const nlohmann::json& request, const AgentOptions& opt);
/// Checks a request body (fields, types, limits, the op key or the space
/// and arch) without measuring; throws hwnas::Error naming the problem.
MeasureRequest parse_measure_request(const nlohmann::json& request, const AgentOptions& opt);

/// Runs one authenticated measurement request (the body of POST /v1/measure)
/// and returns the response JSON; throws hwnas::Error for bad requests.
nlohmann::json handle_measure_request(const nlohmann::json& request, const AgentOptions& opt);

/// The HTTP server. Not copyable; stop() may be called from another thread.
class AgentServer {
 public:
  explicit AgentServer(AgentOptions opt);
  ~AgentServer();
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  /// Binds the listening socket; returns the port (the chosen one for port 0).
  /// Throws hwnas::Error when the address cannot be bound.
  int bind();
  /// Serves requests until stop(); call bind() first.
  void serve();
  /// bind() (if not yet bound) and serve() on a background thread; returns the port.
  int start_background();
  /// Stops serving and joins the background thread, if any.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A Target backed by an agent at host:port. threads / batch / clock / fold /
/// runtime are sent with every request; 0 threads means the agent's default.
std::unique_ptr<Target> make_remote_target(const std::string& host, int port, const std::string& token,
                                           int threads, int batch, Clock clock = Clock::kWall, bool fold = false,
                                           Runtime runtime = Runtime::kTorch);

}  // namespace hwnas
