// The profiling agent's measurement requests (the body of POST /v1/measure):
// every body is refused with a clear message or becomes a request within the
// agent's limits. Nothing is measured here.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz.h"
#include "latency/agent.h"

using namespace hwnas;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AgentOptions opt;
  opt.token = "t";
  opt.max_threads = 16;
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(fuzz::text(data, size));
  } catch (const nlohmann::json::exception&) {
    return 0;  // the agent answers 400 "request body is not valid JSON"
  }
  fuzz::refused_or_ok([&] {
    const MeasureRequest r = parse_measure_request(body, opt);
    fuzz::require(r.threads >= 1 && r.threads <= opt.max_threads, "agent: threads beyond the limit accepted");
    fuzz::require(r.batch >= 1 && r.batch <= 1024, "agent: batch beyond the limit accepted");
    fuzz::require(r.op.has_value() != (r.space != nullptr), "agent: a request with both or neither op and arch");
  });
  return 0;
}
