// hwnas launch: one command as N data-parallel processes on this machine,
// torchrun's way: each gets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and
// trains its shard of every batch (nn/data_parallel.h). Rank 0 prints;
// the others keep only their errors.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/error.h"
#include "core/strings.h"

extern char** environ;

namespace hwnas {
namespace {

struct Args {
  int nproc = 2;
  std::vector<std::string> command;
};

/// A free TCP port on loopback for the rendezvous (bound, read, released).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  HWNAS_CHECK(fd >= 0, "launch: socket: ", std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  HWNAS_CHECK(ok, "launch: no free port on loopback: ", std::strerror(errno));
  return ntohs(a.sin_port);
}

void launch(const Args& a) {
  HWNAS_CHECK(a.nproc >= 1 && a.nproc <= 64, "--nproc must be in 1..64, got ", a.nproc);
  HWNAS_CHECK(!a.command.empty(), "launch: give the command to run, e.g. hwnas launch --nproc 2 train ...");
  // Only the training commands are data-parallel throughout; the others
  // (search, profile, run) would repeat their non-training work on every rank.
  const std::string& sub = a.command.front();
  HWNAS_CHECK(sub == "train" || sub == "retrain", "launch: '", sub,
              "' is not data-parallel; hwnas launch runs train or retrain");
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  HWNAS_CHECK(n > 0, "launch: cannot find the hwnas binary: ", std::strerror(errno));
  self[n] = '\0';
  const int port = free_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < a.nproc; ++r) {
    std::vector<std::string> args{self};
    args.insert(args.end(), a.command.begin(), a.command.end());
    std::vector<std::string> env{str_cat("RANK=", r), str_cat("LOCAL_RANK=", r), str_cat("WORLD_SIZE=", a.nproc),
                                 "MASTER_ADDR=127.0.0.1", str_cat("MASTER_PORT=", port)};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string v = *e;
      if (!starts_with(v, "RANK=") && !starts_with(v, "LOCAL_RANK=") && !starts_with(v, "WORLD_SIZE=") &&
          !starts_with(v, "MASTER_ADDR=") && !starts_with(v, "MASTER_PORT="))
        env.push_back(v);
    }
    std::vector<char*> argv, envp;
    for (std::string& s : args) argv.push_back(s.data());
    for (std::string& s : env) envp.push_back(s.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    HWNAS_CHECK(pid >= 0, "launch: fork: ", std::strerror(errno));
    if (pid == 0) {
      if (r > 0) {  // one voice: rank 0's output; the others' stdout is dropped
        const int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
      }
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    pids.push_back(pid);
  }
  // The first rank to fail takes the others down: a collective would wait for it forever.
  int failed_rank = -1, failed_status = 0, left = a.nproc;
  while (left > 0) {
    int status = 0;
    const pid_t pid = wait(&status);
    if (pid < 0) break;
    --left;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && failed_rank < 0) {
      for (size_t r = 0; r < pids.size(); ++r)
        if (pids[r] == pid) failed_rank = static_cast<int>(r);
      failed_status = status;
      for (pid_t p : pids)
        if (p != pid) kill(p, SIGTERM);
    }
  }
  HWNAS_CHECK(failed_rank < 0, "launch: rank ", failed_rank, " of ", a.nproc, " failed (",
              WIFEXITED(failed_status) ? str_cat("exit status ", WEXITSTATUS(failed_status))
                                       : str_cat("signal ", WTERMSIG(failed_status)),
              "); the other ranks were stopped");
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "launch", "Run train or retrain as N data-parallel processes (c10d, Gloo), torchrun-style");
  auto* a = new Args();
  cmd->add_option("--nproc", a->nproc, "Processes (ranks) on this machine")->capture_default_str();
  cmd->add_option("command", a->command, "The hwnas command and its options, after --")->required();
  cmd->callback([a] { launch(*a); });
}

}  // namespace
HWNAS_COMMAND(52, setup);
}  // namespace hwnas
