#include "testing/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace obauth::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Owns the descriptors of a pipe made with O_CLOEXEC, so no other child inherits them.
struct Pipe {
  Pipe() {
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(Errno("pipe2"));
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int TakeRead() { return std::exchange(fds[0], -1); }
  void CloseRead() {
    if (fds[0] >= 0) ::close(std::exchange(fds[0], -1));
  }
  void CloseWrite() {
    if (fds[1] >= 0) ::close(std::exchange(fds[1], -1));
  }
  int fds[2] = {-1, -1};
};

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  void Dup(int from, int to) { Check(posix_spawn_file_actions_adddup2(&actions_, from, to)); }
  void Open(int fd, const std::string& path, int flags) {
    Check(posix_spawn_file_actions_addopen(&actions_, fd, path.c_str(), flags, 0644));
  }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  static void Check(int rc) {
    if (rc != 0) throw std::runtime_error(std::string("posix_spawn_file_actions: ") + strerror(rc));
  }
  posix_spawn_file_actions_t actions_;
};

// This process's environment with the "NAME=VALUE" entries of `overrides` added or replacing
// those of the same name.
std::vector<std::string> Environment(const std::vector<std::string>& overrides) {
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    bool replaced = false;
    for (const auto& o : overrides) replaced = replaced || name_of(o) == name_of(*e);
    if (!replaced) entries.emplace_back(*e);
  }
  entries.insert(entries.end(), overrides.begin(), overrides.end());
  return entries;
}

// Starts argv with a clean signal state: nothing blocked, default dispositions for the signals
// the tests send or that a closed pipe raises; `environment` as Environment() makes it.
pid_t Spawn(const std::vector<std::string>& argv, FileActions& actions,
            const std::vector<std::string>& environment) {
  if (argv.empty()) throw std::runtime_error("Spawn: empty argv");
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> entries = Environment(environment);
  std::vector<char*> envp;
  for (auto& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), actions.get(), &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  return pid;
}

ExitStatus FromWaitStatus(int status) {
  if (WIFEXITED(status)) return {ExitStatus::Kind::kExited, WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {ExitStatus::Kind::kSignaled, WTERMSIG(status)};
  return {ExitStatus::Kind::kTimedOut, -1};
}

// The status of `pid` once it has exited, polling until `deadline`; nullopt if still running.
std::optional<ExitStatus> WaitUntil(pid_t pid, Clock::time_point deadline) {
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return FromWaitStatus(status);
    if (r < 0 && errno != EINTR) throw std::runtime_error(Errno("waitpid"));
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

ExitStatus Kill(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {ExitStatus::Kind::kTimedOut, -1};
}

int PollTimeoutMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ExitStatus::ToString() const {
  switch (kind) {
    case Kind::kExited:
      return "exit " + std::to_string(value);
    case Kind::kSignaled:
      return "signal " + std::to_string(value) + " (" + strsignal(value) + ")";
    case Kind::kTimedOut:
      return "timed out";
  }
  return "unknown";
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::vector<std::string>& environment) {
  const auto deadline = Clock::now() + timeout;
  Pipe out;
  Pipe err;
  FileActions actions;
  actions.Open(0, "/dev/null", O_RDONLY);
  actions.Dup(out.fds[1], 1);
  actions.Dup(err.fds[1], 2);
  const pid_t pid = Spawn(argv, actions, environment);
  out.CloseWrite();
  err.CloseWrite();

  CommandResult result;
  pollfd fds[2] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  bool timed_out = false;
  while (open > 0) {
    const int n = ::poll(fds, 2, PollTimeoutMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(Errno("poll"));
    if (n == 0) {
      timed_out = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }
  std::optional<ExitStatus> status;
  if (!timed_out) status = WaitUntil(pid, deadline);
  result.status = status ? *status : Kill(pid);
  switch (result.status.kind) {
    case ExitStatus::Kind::kExited:
      result.exit_code = result.status.value;
      break;
    case ExitStatus::Kind::kSignaled:
      result.exit_code = 128 + result.status.value;
      break;
    case ExitStatus::Kind::kTimedOut:
      result.exit_code = -1;
      break;
  }
  return result;
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  std::vector<std::string> argv = {options_.binary, "serve", "--db", options_.db};
  const auto& extra = options_.extra_args;
  if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

  Pipe out;
  FileActions actions;
  actions.Open(0, "/dev/null", O_RDONLY);
  actions.Dup(out.fds[1], 1);
  actions.Open(2, options_.log_file.string(), O_WRONLY | O_CREAT | O_APPEND);
  pid_ = Spawn(argv, actions, options_.environment);
  out.CloseWrite();
  stdout_fd_ = out.TakeRead();

  auto fail = [&](const std::string& why) {
    const ExitStatus status = exit_ ? *exit_ : Stop(SIGKILL, 5s);
    ::close(std::exchange(stdout_fd_, -1));
    throw std::runtime_error("obauth serve " + why + " (" + status.ToString() +
                             "); stdout so far: '" + first_line_ + "'; server log:\n" + log_text());
  };

  // The first stdout line announces the bound address.
  const auto deadline = Clock::now() + options_.start_timeout;
  std::string received;
  while (received.find('\n') == std::string::npos) {
    pollfd fd = {stdout_fd_, POLLIN, 0};
    const int n = ::poll(&fd, 1, PollTimeoutMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) fail("did not print its address within the start timeout");
    char buffer[512];
    const ssize_t got = ::read(stdout_fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      first_line_ = received;
      exit_ = WaitUntil(pid_, Clock::now() + 5s);
      fail("closed stdout before printing its address");
    }
    received.append(buffer, static_cast<std::size_t>(got));
  }
  first_line_ = received.substr(0, received.find('\n'));
  static const std::regex kListening(
      R"(^listening on http://(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d+)$)");
  std::smatch match;
  if (!std::regex_match(first_line_, match, kListening)) {
    fail("printed an unexpected first line");
  }
  host_ = match[1].str();
  const unsigned long port = std::stoul(match[2].str());
  if (port == 0 || port > 65535) fail("announced an impossible port");
  port_ = static_cast<unsigned short>(port);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exit_) Stop(SIGTERM);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::string ServerProcess::base_url() const {
  return "http://" + host_ + ":" + std::to_string(port_);
}

std::string ServerProcess::log_text() const { return ReadFile(options_.log_file); }

bool ServerProcess::running() { return !exit_ && !WaitFor(0ms); }

void ServerProcess::Signal(int signal) {
  if (!exit_) ::kill(pid_, signal);
}

std::optional<ExitStatus> ServerProcess::WaitFor(std::chrono::milliseconds timeout) {
  if (!exit_) exit_ = WaitUntil(pid_, Clock::now() + timeout);
  return exit_;
}

ExitStatus ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (exit_) return *exit_;
  ::kill(pid_, signal);
  if (!WaitFor(timeout)) exit_ = Kill(pid_);
  return *exit_;
}

}  // namespace obauth::testing
