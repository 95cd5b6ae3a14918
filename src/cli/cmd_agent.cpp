// hwnas agent: run on the device; answers measurement requests over HTTP so a
// search on another machine can use `--target remote://HOST:PORT`.
#include <csignal>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "cli/command.h"
#include "core/error.h"
#include "latency/agent.h"

namespace hwnas {
namespace {

struct AgentArgs {
  std::string listen = "127.0.0.1:8765";
  std::string token;
  int threads = 1;
  int announce_fd = -1;
};

AgentServer* g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

void run(const AgentArgs& a) {
  AgentOptions opt;
  parse_listen_address(a.listen, &opt.host, &opt.port);
  opt.token = a.token;
  opt.default_threads = a.threads;
  AgentServer server(opt);
  const int port = server.bind();
  if (a.announce_fd < 0)
    std::fprintf(stderr, "hwnas agent: listening on %s:%d (%s); default %d thread(s)\n", opt.host.c_str(), port,
               opt.host == "127.0.0.1" || opt.host == "localhost" ? "loopback only" : "reachable from the network",
               opt.default_threads);
  if (a.announce_fd >= 0) {
    // The parent that started this agent on port 0 learns the port here.
    const std::string line = std::to_string(port) + "\n";
    const bool ok = write(a.announce_fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    close(a.announce_fd);
    HWNAS_CHECK(ok, "agent: cannot write the port to --announce-fd ", a.announce_fd);
  }
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  server.serve();
  g_server = nullptr;
}

void setup(CLI::App& app) {
  auto* a = new AgentArgs();
  auto* cmd = app.add_subcommand("agent", "Serve latency measurements of this device over HTTP (for --target remote://)");
  cmd->add_option("--listen", a->listen, "HOST:PORT to bind (PORT alone binds loopback; 0.0.0.0:PORT for all)")
      ->capture_default_str();
  cmd->add_option("--token", a->token, "Secret every request must carry (Authorization: Bearer T)")
      ->envname("HWNAS_AGENT_TOKEN");
  cmd->add_option("--threads", a->threads, "Intra-op threads when a request names none")->capture_default_str();
  cmd->add_option("--announce-fd", a->announce_fd, "File descriptor to write the bound port to (for a parent process)")
      ->group("");
  cmd->callback([a] { run(*a); });
}

}  // namespace
HWNAS_COMMAND(50, setup);
}  // namespace hwnas
