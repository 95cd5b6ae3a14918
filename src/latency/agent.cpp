#include "latency/agent.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "core/strings.h"

namespace hwnas {

using json = nlohmann::json;

namespace {

constexpr const char* kServerName = "hwnas 0.1.0";

/// Compares without an early exit, so response times do not leak the token.
bool token_equal(const std::string& given, const std::string& expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

}  // namespace

json handle_measure_request(const json& body, const AgentOptions& opt) {
  const MeasureRequest req = parse_measure_request(body, opt);
  const Timing timing = req.op ? profile_op(*req.op, req.profile, req.threads)
                               : profile_network(*req.space, req.arch, req.batch, req.profile, req.threads);
  const TargetInfo info = local_target_info(req.threads, req.batch, req.profile.clock, req.profile.fold,
                                            req.profile.runtime);
  return json{{"target", info.to_json()}, {"timing", timing.to_json()}};
}

struct AgentServer::Impl {
  AgentOptions opt;
  httplib::Server server;
  std::mutex measure_mutex;  // one measurement at a time: concurrent runs would disturb each other
  std::thread thread;
  bool bound = false;
  int port = 0;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// ms since the agent started, on the monotonic clock.
  double clock_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  }
};

AgentServer::AgentServer(AgentOptions opt) : impl_(std::make_unique<Impl>()) {
  opt.validate();
  impl_->opt = std::move(opt);
  Impl* im = impl_.get();
  httplib::Server& srv = im->server;
  srv.set_payload_max_length(im->opt.max_body_bytes);
  srv.set_read_timeout(im->opt.read_timeout_s, 0);
  srv.set_write_timeout(im->opt.read_timeout_s, 0);
  srv.set_keep_alive_max_count(1);  // an idle kept-alive connection would hold a worker
  const size_t connections = static_cast<size_t>(im->opt.connections);
  srv.new_task_queue = [connections] { return new httplib::ThreadPool(connections); };
  auto send_error = [](httplib::Response& res, int status, const std::string& msg) {
    res.status = status;
    res.set_content(json{{"error", msg}}.dump(), "application/json");
  };
  auto authorised = [im, send_error](const httplib::Request& req, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (starts_with(auth, prefix) && token_equal(auth.substr(prefix.size()), im->opt.token)) return true;
    send_error(res, 401, auth.empty() ? "missing token (send Authorization: Bearer T)" : "wrong token");
    return false;
  };
  srv.Get("/v1/info", [im, authorised, send_error](const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req, res)) return;
    try {
      json r = json::object();
      if (req.has_param("threads")) r["threads"] = parse_int(req.get_param_value("threads"), "threads");
      const int threads = parse_request_threads(r, im->opt);
      const int batch = req.has_param("batch") ? parse_int(req.get_param_value("batch"), "batch") : 1;
      const Clock clock = req.has_param("clock") ? parse_clock(req.get_param_value("clock")) : Clock::kWall;
      const bool fold = req.has_param("fold") && parse_flag(req.get_param_value("fold"), "fold");
      const Runtime runtime = req.has_param("runtime") ? parse_runtime(req.get_param_value("runtime")) : Runtime::kTorch;
      const TargetInfo info = local_target_info(threads, batch, clock, fold, runtime);
      res.set_content(json{{"target", info.to_json()}, {"server", kServerName}}.dump(), "application/json");
    } catch (const Error& e) {
      send_error(res, 400, e.what());
    }
  });
  srv.Post("/v1/measure", [im, authorised, send_error](const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req, res)) return;
    try {
      json body;
      try {
        body = json::parse(req.body);
      } catch (const json::exception& e) {  // parse_error, or out_of_range for numbers beyond double
        HWNAS_CHECK(false, "request body is not valid JSON: ", e.what());
      }
      json answer;
      {
        std::lock_guard<std::mutex> lock(im->measure_mutex);
        const double start = im->clock_ms();
        answer = handle_measure_request(body, im->opt);
        answer["window"] = {{"start_ms", start}, {"end_ms", im->clock_ms()}};
      }
      res.set_content(answer.dump(), "application/json");
    } catch (const Error& e) {
      send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    }
  });
  srv.set_error_handler([send_error](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      const std::string msg = res.status == 413 ? "request body too large"
                              : res.status == 404 ? "no such endpoint (GET /v1/info, POST /v1/measure)"
                                                  : str_cat("HTTP ", res.status);
      send_error(res, res.status, msg);
    }
  });
}

AgentServer::~AgentServer() { stop(); }

int AgentServer::bind() {
  Impl& im = *impl_;
  if (im.bound) return im.port;
  if (im.opt.port == 0) {
    im.port = im.server.bind_to_any_port(im.opt.host);
    HWNAS_CHECK(im.port > 0, "agent: cannot bind ", im.opt.host, " to any port");
  } else {
    HWNAS_CHECK(im.server.bind_to_port(im.opt.host, im.opt.port), "agent: cannot bind ", im.opt.host, ":",
                im.opt.port, " (in use, or not an address of this machine)");
    im.port = im.opt.port;
  }
  im.bound = true;
  return im.port;
}

void AgentServer::serve() {
  HWNAS_CHECK(impl_->bound, "agent: bind() before serve()");
  impl_->server.listen_after_bind();
}

int AgentServer::start_background() {
  const int port = bind();
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return port;
}

void AgentServer::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    // httplib's stop() is a no-op until the listening loop runs; wait for it.
    for (int i = 0; i < 5000 && !impl_->server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (impl_->bound) impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

namespace {

/// Client side: a Target whose measurements run on the agent's device.
class RemoteTarget : public Target {
 public:
  RemoteTarget(std::string host, int port, std::string token, int threads, int batch, Clock clock, bool fold,
               Runtime runtime)
      : host_(std::move(host)), port_(port), token_(std::move(token)), threads_(threads), batch_(batch),
        clock_(clock), fold_(fold || runtime == Runtime::kOpenCv), runtime_(runtime) {
    const json r = call("GET", "/v1/info" + query(), json());
    info_ = TargetInfo::from_json(r.at("target"), "agent " + endpoint());
    info_.endpoint = endpoint();
  }
  const TargetInfo& info() const override { return info_; }
  std::string describe() const override { return endpoint() + query(); }
  Timing measure_op(const OpSpec& spec, const ProfileOptions& opt) override {
    HWNAS_CHECK(spec.batch == batch_, "op ", spec.key(), " has batch ", spec.batch, ", target ", describe(),
                " measures batch ", batch_);
    json req{{"op", spec.key()}, {"profile", with_clock(opt).to_json()}, {"threads", threads_}};
    return timing_of(call("POST", "/v1/measure", req));
  }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions& opt) override {
    const std::string spec = space.description.empty() ? space.name : space.description;
    json req{{"space", spec}, {"arch", space.format(arch)}, {"batch", batch_},
             {"profile", with_clock(opt).to_json()}, {"threads", threads_}};
    return timing_of(call("POST", "/v1/measure", req));
  }

 private:
  std::string endpoint() const { return str_cat("remote://", host_, ":", port_); }
  /// The settings as a query string (the target's factory form without the token).
  std::string query() const {
    std::string q = str_cat("?batch=", batch_, "&clock=", to_string(clock_));
    if (threads_ > 0) q += str_cat("&threads=", threads_);
    if (runtime_ == Runtime::kOpenCv) q += "&runtime=opencv";
    else if (fold_) q += "&fold=1";
    return q;
  }
  ProfileOptions with_clock(ProfileOptions opt) const {
    opt.clock = clock_;
    opt.fold = fold_;
    opt.runtime = runtime_;
    return opt;
  }

  Timing timing_of(const json& r) {
    const TargetInfo got = TargetInfo::from_json(r.at("target"), "agent " + endpoint());
    HWNAS_CHECK(got.id() == info_.id(), "agent ", endpoint(), " measured on [", got.id(), "], expected [",
                info_.id(), "]");
    return Timing::from_json(r.at("timing"), "agent " + endpoint() + " timing");
  }

  json call(const std::string& method, const std::string& path, const json& body) {
    httplib::Client cli(host_, port_);
    cli.set_connection_timeout(10);
    cli.set_read_timeout(600);
    const httplib::Headers headers{{"Authorization", "Bearer " + token_}};
    httplib::Result res = method == "GET" ? cli.Get(path.c_str(), headers)
                                          : cli.Post(path.c_str(), headers, body.dump(), "application/json");
    HWNAS_CHECK(res, "cannot reach agent at ", endpoint(), ": ", httplib::to_string(res.error()));
    json r;
    try {
      r = json::parse(res->body);
    } catch (const json::exception&) {
      HWNAS_CHECK(false, "agent at ", endpoint(), " answered HTTP ", res->status, " with a non-JSON body");
    }
    if (res->status != 200) {
      const std::string msg = r.is_object() && r.contains("error") ? r["error"].get<std::string>() : res->body;
      HWNAS_CHECK(false, "agent at ", endpoint(), " refused the request (HTTP ", res->status, "): ", msg);
    }
    return r;
  }

  std::string host_;
  int port_;
  std::string token_;
  int threads_, batch_;
  Clock clock_;
  bool fold_;
  Runtime runtime_;
  TargetInfo info_;
};

}  // namespace

std::unique_ptr<Target> make_remote_target(const std::string& host, int port, const std::string& token,
                                           int threads, int batch, Clock clock, bool fold, Runtime runtime) {
  HWNAS_CHECK(!token.empty(), "remote target ", host, ":", port, ": a token is required");
  HWNAS_CHECK(batch >= 1 && batch <= 1024, "remote target: batch must be in 1..1024, got ", batch);
  HWNAS_CHECK(threads >= 0 && threads <= 256, "remote target: threads must be in 0..256, got ", threads);
  return std::make_unique<RemoteTarget>(host, port, token, threads, batch, clock, fold, runtime);
}

}  // namespace hwnas
