// The agent on loopback with an ephemeral port: real measurements through
// HTTP, refused tokens, refused absurd requests.
#include "latency/agent.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

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
