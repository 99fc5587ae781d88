// Server: the Beast/Asio HTTP/1.1 edge. Accepts connections, reads one request at a time per
// connection with size limits and deadlines, runs the Router on a worker pool (store calls
// block, so they never run on the I/O threads), writes the response, logs one line per request.
// Listen() and Run() are called once from one thread; Shutdown() from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace spdlog {
class logger;
}

namespace obauth::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int io_threads = 1;
  int worker_threads = 2;
  std::size_t max_body_bytes = 64 * 1024;    // larger bodies get 413
  std::size_t max_header_bytes = 16 * 1024;  // larger request heads get 431
  // A request must arrive whole within this from its first byte, however slowly it trickles
  // (slowloris); a response must be written within it too.
  std::chrono::seconds request_timeout{30};
  std::chrono::seconds idle_timeout{30};    // a connection waiting for its next request closes
  std::size_t max_connections = 10000;      // beyond: answered 503 and closed at once
  std::chrono::seconds shutdown_grace{10};  // in-flight requests get this long to finish
  Metrics* metrics = nullptr;               // when set: every request and connection is counted
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<spdlog::logger> log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. The bound address as "HOST:PORT" (the real port when 0 was asked),
  // or kUnavailable naming the address when it cannot be bound.
  [[nodiscard]] Result<std::string> Listen();

  // Serves requests with `router` (which must outlive the call) until Shutdown() has drained
  // every connection. Runs I/O on the calling thread plus io_threads - 1 more.
  void Run(const Router& router);

  // Stops accepting, closes idle connections, lets requests in flight finish and their
  // responses be written (up to shutdown_grace), then makes Run() return. Idempotent.
  void Shutdown();

 private:
  friend class Session;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace obauth::http
