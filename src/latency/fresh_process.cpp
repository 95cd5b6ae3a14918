#include "latency/fresh_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/strings.h"
#include "latency/agent.h"

extern char** environ;

namespace hwnas {
namespace {

/// This process's binary when it is hwnas (the agent is one of its
/// commands); empty otherwise.
std::string hwnas_binary() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return !ec && exe.filename() == "hwnas" ? exe.string() : std::string();
}

std::string random_token() {
  std::random_device rd;
  char t[40];
  std::snprintf(t, sizeof t, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return t;
}

class FreshProcessTarget : public Target {
 public:
  FreshProcessTarget(std::unique_ptr<Target> local, std::string spec, std::string binary)
      : local_(std::move(local)), spec_(std::move(spec)), binary_(std::move(binary)) {}
  ~FreshProcessTarget() override { stop(); }

  const TargetInfo& info() const override { return local_->info(); }
  std::string describe() const override { return spec_ + " in a fresh process (hwnas agent on loopback)"; }
  Timing measure_op(const OpSpec& spec, const ProfileOptions& opt) override { return remote().measure_op(spec, opt); }
  Timing measure_arch(const SearchSpace& space, const Arch& arch, const ProfileOptions& opt) override {
    return remote().measure_arch(space, arch, opt);
  }

 private:
  Target& remote() {
    if (!remote_) start();
    return *remote_;
  }

  void start() {
    const TargetInfo& want = local_->info();
    const std::string token = random_token();
    // Everything the child needs is built before fork(): between fork and
    // exec a multi-threaded process may only make async-signal-safe calls.
    int fds[2];
    HWNAS_CHECK(pipe(fds) == 0, "fresh process: pipe: ", std::strerror(errno));
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    std::vector<std::string> args = {binary_, "agent", "--listen", "127.0.0.1:0", "--threads",
                                     std::to_string(want.threads), "--announce-fd", std::to_string(fds[1])};
    std::vector<std::string> env = {"HWNAS_AGENT_TOKEN=" + token};
    for (char** e = environ; *e != nullptr; ++e)
      if (std::strncmp(*e, "HWNAS_AGENT_TOKEN=", 18) != 0) env.push_back(*e);
    std::vector<char*> argv, envp;
    for (std::string& a : args) argv.push_back(a.data());
    for (std::string& e : env) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    const pid_t parent = getpid();
    std::fflush(stderr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // the agent ends with the run
      if (getppid() != parent) _exit(1);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    HWNAS_CHECK(pid_ > 0, "fresh process: fork: ", std::strerror(errno));
    // The agent writes its port to the pipe once it listens.
    std::string line;
    pollfd p{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&p, 1, 60000) > 0) {
      char buf[64];
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    if (line.find('\n') == std::string::npos) {
      stop();
      HWNAS_CHECK(false, "fresh process: ", binary_, " agent did not start on loopback");
    }
    const int port = parse_int(line.substr(0, line.find('\n')), "the port the agent announced");
    remote_ = make_remote_target("127.0.0.1", port, token, want.threads, want.batch, parse_clock(want.clock),
                                 want.fold, runtime_of(want));
    HWNAS_CHECK(remote_->info().id() == want.id(), "fresh process: the agent measures on [", remote_->info().id(),
                "], expected [", want.id(), "]");
  }

  void stop() {
    remote_.reset();
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::unique_ptr<Target> local_;
  std::string spec_, binary_;
  std::unique_ptr<Target> remote_;
  pid_t pid_ = -1;
};

}  // namespace

std::unique_ptr<Target> make_fresh_process_target(const std::string& spec, const std::string& token) {
  std::unique_ptr<Target> t = make_target(spec, token);
  const std::string binary = hwnas_binary();
  const std::string& kind = t->info().kind;
  if ((kind != "local-torch" && kind != "local-opencv") || !t->info().endpoint.empty() || binary.empty()) return t;
  return std::make_unique<FreshProcessTarget>(std::move(t), spec, binary);
}

}  // namespace hwnas
