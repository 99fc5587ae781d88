// Child processes for end-to-end tests: one-shot command lines (RunCommand) and a long-running
// `obauth serve` (ServerProcess). Not thread-safe: each object belongs to the test that made it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace obauth::testing {

// How a child process ended.
struct ExitStatus {
  enum class Kind { kExited, kSignaled, kTimedOut };
  Kind kind = Kind::kTimedOut;
  int value = -1;  // the exit code for kExited, the signal number for kSignaled

  bool ExitedWith(int code) const { return kind == Kind::kExited && value == code; }
  // "exit 0", "signal 9" or "timed out": readable in assertion failures.
  std::string ToString() const;
};

struct CommandResult {
  ExitStatus status;
  int exit_code = -1;  // the exit code, 128 + signal when killed, -1 when it timed out
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs argv[0] (a path) with the arguments argv[1..], stdin from /dev/null, and collects its
// output. Its environment is this process's, with the "NAME=VALUE" entries of `environment`
// added or replacing those of the same name. A child still running after `timeout` is killed
// (status kTimedOut). Throws std::runtime_error when the process cannot be started.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20),
                         const std::vector<std::string>& environment = {});

struct ServerOptions {
  std::string binary;                      // path of the obauth executable
  std::string db;                          // --db: a SQLite path or a PostgreSQL URL
  std::filesystem::path log_file;          // receives the server's stderr (appended)
  std::vector<std::string> extra_args;     // appended after --db (and --listen)
  std::vector<std::string> environment{};  // "NAME=VALUE" added to the inherited environment
  std::chrono::milliseconds start_timeout = std::chrono::seconds(20);
};

// `obauth serve --db DB --listen 127.0.0.1:0 EXTRA...` (without that --listen when EXTRA names
// one), started with posix_spawn. The
// constructor returns once the first stdout line `listening on http://HOST:PORT` has arrived,
// and throws std::runtime_error (quoting the server log) when the process exits first, stays
// silent past start_timeout, or prints anything else. The destructor stops a running server
// with SIGTERM (SIGKILL if it will not exit).
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }
  std::string base_url() const;  // http://HOST:PORT, as announced
  const std::string& first_line() const { return first_line_; }
  const std::filesystem::path& log_file() const { return options_.log_file; }
  std::string log_text() const;  // the server's stderr so far

  // True until the process has exited (and been reaped).
  bool running();
  // Sends `signal` without waiting.
  void Signal(int signal);
  // Waits up to `timeout` for the process to exit; nullopt if it is still running.
  std::optional<ExitStatus> WaitFor(std::chrono::milliseconds timeout);
  // Sends `signal` and waits up to `timeout` for the exit. A process still running then is
  // killed with SIGKILL and the answer is kTimedOut. An already finished process answers its
  // earlier status.
  ExitStatus Stop(int signal = SIGTERM,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  ServerOptions options_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<ExitStatus> exit_;
  std::string first_line_;
  std::string host_;
  unsigned short port_ = 0;
};

}  // namespace obauth::testing
