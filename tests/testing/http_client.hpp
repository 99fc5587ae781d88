// A small synchronous HTTP/1.1 client (Boost.Beast) for end-to-end tests: any method, headers
// and body, raw bytes when a test needs a broken or partial request, and a deadline on every
// operation. Not thread-safe: one connection per test thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace obauth::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  Headers headers;   // sent as given; Host and Content-Length are added when absent
  std::string body;  // Content-Length is set for a body, and for POST/PUT/PATCH without one
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = false;

  // The first header with this name (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // How many headers have this name (case-insensitive).
  std::size_t HeaderCount(std::string_view name) const;
  // "404 {"message":"Not Found"}": readable in assertion failures.
  std::string Describe() const;
};

// The bytes of `request` on the wire, HTTP/1.1, with Host set to `host_header` when absent.
std::string ToWire(const HttpRequest& request, std::string_view host_header);

// One TCP connection to a server. Every operation gives up after the timeout and throws
// std::runtime_error, as it does for any I/O error, so a hung server fails the test instead of
// hanging it.
class HttpConnection {
 public:
  // Connects to host:port (an IP address), from `source` (a local IP address such as 127.0.0.2)
  // when given. Throws on failure.
  HttpConnection(const std::string& host, unsigned short port,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20),
                 const std::string& source = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Writes the request and reads one response, which is recorded for the contract check when
  // the test run asks for it (RecordExchange, response_recorder.hpp). The connection stays open
  // for the next request unless the server closed it.
  HttpResponse Send(const HttpRequest& request);
  void WriteRaw(std::string_view bytes);
  HttpResponse ReadResponse();
  // True once the server has closed the connection (end of stream or reset) within `timeout`;
  // false if it is still open then. Throws if the server sends bytes instead.
  bool WaitForClose(std::chrono::milliseconds timeout);

 private:
  template <class Start>
  boost::system::error_code Run(Start&& start, std::chrono::milliseconds timeout);

  std::string host_header_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// Sends one request on a new connection (with Connection: close) and returns the response;
// the connection comes from the local address `source` when given.
HttpResponse SendHttp(const std::string& host, unsigned short port, HttpRequest request,
                      const std::string& source = {});

// Sends each request on its own new connection (with Connection: close), as close to the same
// moment as possible: every thread connects first, then all write together. Answers the
// responses in request order; a request that fails at the socket level answers status 0 with
// the error as its body. Thread-safe.
std::vector<HttpResponse> SendConcurrently(const std::string& host, unsigned short port,
                                           std::vector<HttpRequest> requests);

}  // namespace obauth::testing
