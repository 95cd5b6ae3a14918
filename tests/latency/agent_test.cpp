// The agent on loopback with an ephemeral port: real measurements through
// HTTP, refused tokens, refused absurd requests, concurrent clients served one
// measurement at a time, clients that stall or vanish mid-request.
#include "latency/agent.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "core/search_space.h"

namespace hwnas {
namespace {

using json = nlohmann::json;

ProfileOptions quick() {
  ProfileOptions o;
  o.warmup_ms = 1;
  o.min_time_ms = 2;
  o.repetitions = 3;
  return o;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentOptions opt;
    opt.port = 0;  // any free port
    opt.token = "s3cret";
    server_ = std::make_unique<AgentServer>(opt);
    port_ = server_->start_background();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { server_->stop(); }

  httplib::Result post(const std::string& token, const std::string& body) {
    httplib::Client cli("127.0.0.1", port_);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return cli.Post("/v1/measure", h, body, "application/json");
  }

  std::unique_ptr<AgentServer> server_;
  int port_ = 0;
};

TEST_F(AgentTest, AnswersARealMeasurementThroughTheRemoteTarget) {
  auto target = make_target("remote://127.0.0.1:" + std::to_string(port_) + "?threads=1", "s3cret");
  EXPECT_EQ(target->info().kind, "local-torch");
  EXPECT_EQ(target->info().threads, 1);
  EXPECT_EQ(target->info().id(), local_target_info(1, 1).id());  // same device as measuring here
  const Timing op = target->measure_op(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"), quick());
  EXPECT_GT(op.median_ms, 0);
  EXPECT_GE(op.iterations, 1);
  auto space = make_space("hsconas:widths=2,depths=1/1/1/1");
  const Timing net = target->measure_arch(*space, space->parse("k3@0.5,k5@1,k7@0.5,x@1"), quick());
  EXPECT_GT(net.median_ms, 0);
}

// A folding target is another target: its id says so, through the agent
// too, and it times ops and networks with BatchNorm folded.
TEST_F(AgentTest, FoldingTargetsLocalAndRemote) {
  auto local = make_target("local:fold=1");
  EXPECT_TRUE(local->info().fold);
  EXPECT_EQ(local->info().id(), local_target_info(1, 1).id() + "|fold");
  EXPECT_EQ(make_target(local->describe())->info().id(), local->info().id());
  auto space = make_space("mbv2:depths=1/1/1/1/1/1/1,head=32");
  EXPECT_GT(local->measure_arch(*space, space->largest(), quick()).median_ms, 0);
  EXPECT_GT(local->measure_op(parse_op_spec("mb-k3-e6-se0-cin16-cout16-mid96-s1-h14w14-b1"), quick()).median_ms, 0);
  auto remote = make_target(target_with_fold("remote://127.0.0.1:" + std::to_string(port_) + "?threads=1"), "s3cret");
  EXPECT_EQ(remote->info().id(), local->info().id());
  EXPECT_GT(remote->measure_arch(*space, space->largest(), quick()).median_ms, 0);
  EXPECT_EQ(target_with_fold("local:threads=2"), "local:fold=1,threads=2");
  EXPECT_EQ(target_with_fold(target_with_fold("remote://h:1")), "remote://h:1?fold=1");
  EXPECT_THROW(target_with_fold("table:x.csv"), Error);
  EXPECT_THROW(make_target("local:fold=maybe"), Error);
}

// OpenCV DNN is another target, local and through the agent: the same op
// and network built as for LibTorch, exported and timed by OpenCV; its id
// names the engine and says folded (the export folds BatchNorm).
TEST_F(AgentTest, OpenCvTargetsLocalAndRemote) {
  auto local = make_target("opencv");
  EXPECT_EQ(local->info().kind, "local-opencv");
  EXPECT_TRUE(local->info().fold);
  EXPECT_NE(local->info().id(), local_target_info(1, 1, Clock::kWall, true).id());
  EXPECT_EQ(make_target(local->describe())->info().id(), local->info().id());
  auto space = make_space("hsconas:widths=2,depths=1/1/1/1,ops=k3/k5/k7/x/skip/mb3e6");
  const Arch arch = space->parse("k3@0.5,mb3e6@1,x@0.5,k7@1");
  EXPECT_GT(local->measure_arch(*space, arch, quick()).median_ms, 0);
  EXPECT_GT(local->measure_op(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"), quick()).median_ms, 0);
  auto remote = make_target("remote://127.0.0.1:" + std::to_string(port_) + "?threads=1&runtime=opencv", "s3cret");
  EXPECT_EQ(remote->info().id(), local->info().id());
  EXPECT_GT(remote->measure_arch(*space, arch, quick()).median_ms, 0);
  EXPECT_EQ(target_with_fold("opencv:threads=2"), "opencv:threads=2");  // folded already
  EXPECT_THROW(make_target("opencv:fold=1"), Error);
  EXPECT_THROW(make_target("remote://h:1?runtime=tensorrt&token=t"), Error);
  // OpenCV 4.6 cannot broadcast an SE gate over a batch: refused, clearly.
  auto batched = make_target("opencv:batch=2");
  try {
    batched->measure_op(parse_op_spec("mb-k3-e3-se1-cin16-cout16-mid48-s1-h14w14-b2"), quick());
    ADD_FAILURE() << "SE at batch 2 on OpenCV was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("squeeze-and-excitation only at batch 1"), std::string::npos) << e.what();
  }
  EXPECT_GT(batched->measure_op(parse_op_spec("mb-k3-e3-se0-cin16-cout16-mid48-s1-h14w14-b2"), quick()).median_ms, 0);
}

TEST_F(AgentTest, RefusesMissingAndWrongTokens) {
  const std::string body = json{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"},
                                {"profile", quick().to_json()}}.dump();
  auto none = post("", body);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = post("guess", body);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("wrong token"), std::string::npos);
  try {
    make_target("remote://127.0.0.1:" + std::to_string(port_), "guess");
    ADD_FAILURE() << "a wrong token was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
  }
}

TEST_F(AgentTest, RefusesOversizedRequests) {
  // Absurd shape: 100000 x 100000 input.
  auto big = post("s3cret", json{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h100000w100000-b1"}}.dump());
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 400);
  EXPECT_NE(big->body.find("resolution"), std::string::npos) << big->body;
  // Absurd repeat count.
  json reps{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"}, {"profile", {{"repetitions", 1000000}}}};
  auto many = post("s3cret", reps.dump());
  ASSERT_TRUE(many);
  EXPECT_EQ(many->status, 400);
  EXPECT_NE(many->body.find("repetitions"), std::string::npos) << many->body;
  // A body over the size limit.
  auto huge = post("s3cret", std::string(200 * 1024, ' '));
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  // Malformed requests say what is wrong.
  auto junk = post("s3cret", "{not json");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
  EXPECT_NE(junk->body.find("not valid JSON"), std::string::npos) << junk->body;
}

/// A raw TCP connection to the agent, for clients httplib would not be.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{3, 0};  // a test never waits on the agent for long
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { close(); }
  bool connected() const { return connected_; }
  bool send(const std::string& s) { return fd_ >= 0 && ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
  /// True when the agent closes the connection (after any answer it sends)
  /// within the receive timeout.
  bool closed_by_peer() {
    char buf[512];
    while (true) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) continue;
      return n == 0 || errno == ECONNRESET;
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string measure_request(const std::string& token, const std::string& body) {
  return "POST /v1/measure HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(AgentTest, ConcurrentClientsAreServedOneMeasurementAtATime) {
  const std::string body = json{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"},
                                {"profile", quick().to_json()}}.dump();
  constexpr int kClients = 6, kEach = 3;
  std::vector<std::vector<std::pair<double, double>>> windows(kClients);
  std::vector<int> failures(kClients, 0), refused(kClients, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        auto ok = post("s3cret", body);
        if (!ok || ok->status != 200) {
          ++failures[c];
          continue;
        }
        const json w = json::parse(ok->body).at("window");
        windows[c].emplace_back(w.at("start_ms").get<double>(), w.at("end_ms").get<double>());
        // Among the valid clients, ones without the token and with junk.
        auto bad = c % 2 ? post("guess", body) : post("s3cret", "{\"op\": 7}");
        if (bad && bad->status == (c % 2 ? 401 : 400)) ++refused[c];
      }
    });
  }
  for (auto& t : clients) t.join();
  std::vector<std::pair<double, double>> all;
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(failures[c], 0) << "client " << c;
    EXPECT_EQ(refused[c], kEach) << "client " << c;
    all.insert(all.end(), windows[c].begin(), windows[c].end());
  }
  ASSERT_EQ(all.size(), size_t(kClients * kEach));
  std::sort(all.begin(), all.end());
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_GE(all[i].first, all[i - 1].second) << "measurements " << i - 1 << " and " << i << " overlapped";
}

TEST(AgentAttack, StalledClientsAreDroppedAndDoNotBlockOthers) {
  AgentOptions opt;
  opt.port = 0;
  opt.token = "s3cret";
  opt.read_timeout_s = 1;
  AgentServer server(opt);
  const int port = server.start_background();
  // Clients that start a request and stop: headers half sent, a body short of its length.
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 12; ++i) {
    stalled.push_back(std::make_unique<RawClient>(port));
    ASSERT_TRUE(stalled.back()->connected());
    const std::string full = measure_request("s3cret", std::string(100, ' '));
    ASSERT_TRUE(stalled.back()->send(i % 2 ? full.substr(0, 30) : full.substr(0, full.size() - 50)));
  }
  // A client that sends a whole request and leaves before the answer.
  {
    RawClient gone(port);
    ASSERT_TRUE(gone.send(measure_request("s3cret", json{{"op", "shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"},
                                                         {"profile", quick().to_json()}}.dump())));
  }
  // Meanwhile a valid client is served.
  auto target = make_target("remote://127.0.0.1:" + std::to_string(port) + "?threads=1", "s3cret");
  EXPECT_GT(target->measure_op(parse_op_spec("shuffle-k3-e0-se0-cin32-cout32-mid8-s1-h14w14-b1"), quick()).median_ms, 0);
  // The stalled ones are disconnected after the read timeout.
  for (auto& c : stalled) EXPECT_TRUE(c->closed_by_peer());
  server.stop();
}

TEST(Agent, ListenAddressesDefaultToLoopbackAndTokensAreRequired) {
  std::string host;
  int port = 0;
  parse_listen_address("9000", &host, &port);
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9000);
  parse_listen_address("0.0.0.0:8765", &host, &port);
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8765);
  EXPECT_THROW(parse_listen_address("host:port", &host, &port), Error);
  EXPECT_EQ(AgentOptions().host, "127.0.0.1");
  AgentOptions no_token;
  EXPECT_THROW(AgentServer{no_token}, Error);
}

}  // namespace
}  // namespace hwnas
