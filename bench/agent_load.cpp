// The profiling agent under load and attack, on loopback: CLIENTS clients
// each send REQUESTS valid measurement requests while other clients send
// requests without or with a wrong token, oversized, malformed and absurd
// bodies, stall mid-request, or leave before their answer. Prints, per kind
// of client, the answers by HTTP status and the failures (no answer), the
// valid requests' latency percentiles, and whether any two measurements
// overlapped (they must not: they would disturb each other's timing).
// Usage: agent_load [CLIENTS=8] [REQUESTS=20] [STALLED=16]
// (docs/benchmarks/reliability.md)
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "latency/agent.h"

using json = nlohmann::json;
using hwnas::ProfileOptions;

namespace {

constexpr const char* kToken = "load-test-token";
constexpr const char* kOp = "shuffle-k3-e0-se0-cin32-cout32-mid16-s1-h14w14-b1";

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Answers of one kind of client: HTTP status -> count (0 = no answer).
struct Tally {
  std::mutex m;
  std::map<int, int> statuses;
  std::vector<double> latencies_ms;
  std::vector<std::pair<double, double>> windows;
  void add(int status, double ms, const std::string& body) {
    std::lock_guard<std::mutex> lock(m);
    ++statuses[status];
    if (status != 200) return;
    latencies_ms.push_back(ms);
    const json w = json::parse(body).at("window");
    windows.emplace_back(w.at("start_ms").get<double>(), w.at("end_ms").get<double>());
  }
};

void post(int port, const std::string& token, const std::string& body, Tally* tally) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(120);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  const double t0 = now_ms();
  auto res = cli.Post("/v1/measure", h, body, "application/json");
  tally->add(res ? res->status : 0, now_ms() - t0, res ? res->body : "");
}

/// A raw connection that sends `text` and then either holds still or leaves.
int raw_send(int port, const std::string& text) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  return fd;
}

std::string raw_request(const std::string& body, size_t declared) {
  return std::string(
             "POST /v1/measure HTTP/1.1\r\nHost: "
             "127.0.0.1\r\nAuthorization: Bearer ") +
         kToken + "\r\nContent-Length: " + std::to_string(declared) + "\r\n\r\n" + body;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100 * (v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 8;
  const int requests = argc > 2 ? std::atoi(argv[2]) : 20;
  const int stalled = argc > 3 ? std::atoi(argv[3]) : 16;
  hwnas::AgentOptions opt;
  opt.port = 0;
  opt.token = kToken;
  opt.read_timeout_s = 2;
  hwnas::AgentServer server(opt);
  const int port = server.start_background();

  ProfileOptions quick;
  quick.warmup_ms = 1;
  quick.min_time_ms = 2;
  quick.repetitions = 3;
  const std::string valid = json{{"op", kOp}, {"threads", 1}, {"profile", quick.to_json()}}.dump();
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> attacks = {
      {"no token", {"", valid}},
      {"wrong token", {"guess", valid}},
      {"oversized body (200 KB)", {kToken, std::string(200 * 1024, ' ')}},
      {"malformed JSON", {kToken, "{\"op\": "}},
      {"unknown field", {kToken, json{{"op", kOp}, {"evil", 1}}.dump()}},
      {"absurd shape", {kToken, json{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid16-s1-h100000w100000-b1"}}.dump()}},
      {"absurd repetitions", {kToken, json{{"op", kOp}, {"profile", {{"repetitions", 1000000}}}}.dump()}},
  };

  // Clients that stall mid-request for the whole run, and ones that leave
  // before their answer.
  std::vector<int> stalled_fds;
  for (int i = 0; i < stalled; ++i) {
    const std::string r = raw_request(std::string(10, ' '), 100);
    stalled_fds.push_back(raw_send(port, i % 2 ? r.substr(0, 40) : r));
  }
  const double t0 = now_ms();
  std::map<std::string, Tally> tallies;  // every key made here: the client threads only look up
  tallies["valid"];
  for (const auto& a : attacks) tallies[a.first];
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int i = 0; i < requests; ++i) {
        post(port, kToken, valid, &tallies.at("valid"));
        const auto& [name, a] = attacks[(c + i) % attacks.size()];
        post(port, a.first, a.second, &tallies.at(name));
      }
    });
  int left = 0;
  for (int i = 0; i < clients; ++i) {
    const int fd = raw_send(port, raw_request(valid, valid.size()));
    if (fd >= 0) close(fd), ++left;
  }
  for (auto& t : threads) t.join();
  const double seconds = (now_ms() - t0) / 1000;

  // Stalled connections: closed by the agent after its read timeout?
  int dropped = 0;
  for (int fd : stalled_fds) {
    timeval tv{opt.read_timeout_s + 3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[512];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
    }
    if (n == 0 || errno == ECONNRESET) ++dropped;
    close(fd);
  }
  server.stop();

  std::printf(
      "agent under load: %d clients x %d valid requests (op %s, %.0f "
      "ms of timing each) beside as many attacks, "
      "%d stalled connections, %d clients leaving before their answer; "
      "%.1f s\n\n",
      clients, requests, kOp, quick.warmup_ms + quick.min_time_ms * quick.repetitions, stalled, left, seconds);
  std::printf(
      "| client | sent | answers by HTTP status | no answer "
      "|\n|---|---:|---|---:|\n");
  for (auto& [name, t] : tallies) {
    int sent = 0, none = 0;
    std::string by;
    for (const auto& [status, n] : t.statuses) {
      sent += n;
      if (status == 0)
        none += n;
      else
        by += (by.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
    }
    std::printf("| %s | %d | %s | %d |\n", name.c_str(), sent, by.c_str(), none);
  }
  Tally& v = tallies["valid"];
  std::sort(v.windows.begin(), v.windows.end());
  int overlaps = 0;
  for (size_t i = 1; i < v.windows.size(); ++i) overlaps += v.windows[i].first < v.windows[i - 1].second;
  std::printf(
      "\nvalid requests: %zu served, latency p50 %.1f ms, p90 %.1f ms, "
      "p99 %.1f ms, max %.1f ms; "
      "%.1f measurements/s; overlapping measurements: %d\n",
      v.latencies_ms.size(), percentile(v.latencies_ms, 50), percentile(v.latencies_ms, 90),
      percentile(v.latencies_ms, 99), percentile(v.latencies_ms, 100), v.latencies_ms.size() / seconds, overlaps);
  std::printf("stalled connections closed by the agent: %d of %d\n", dropped, stalled);
  const bool ok = overlaps == 0 && static_cast<int>(v.latencies_ms.size()) == clients * requests && dropped == stalled;
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
