#include "testing/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <latch>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testing/response_recorder.hpp"

namespace obauth::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool HasHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::size_t HttpResponse::HeaderCount(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& [key, value] : headers) n += EqualsIgnoreCase(key, name) ? 1 : 0;
  return n;
}

std::string HttpResponse::Describe() const { return std::to_string(status) + " " + body; }

std::string ToWire(const HttpRequest& request, std::string_view host_header) {
  bh::request<bh::string_body> req;
  req.version(11);
  req.method_string(request.method);
  req.target(request.target);
  if (!HasHeader(request.headers, "Host")) req.set(bh::field::host, host_header);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.body() = request.body;
  const bool wants_length = !request.body.empty() || request.method == "POST" ||
                            request.method == "PUT" || request.method == "PATCH";
  if (wants_length && !HasHeader(request.headers, "Content-Length") &&
      !HasHeader(request.headers, "Transfer-Encoding")) {
    req.content_length(request.body.size());
  }
  std::ostringstream wire;
  wire << req.base() << request.body;
  return wire.str();
}

HttpConnection::HttpConnection(const std::string& host, unsigned short port,
                               std::chrono::milliseconds timeout, const std::string& source)
    : host_header_(host + ":" + std::to_string(port)), timeout_(timeout), stream_(ioc_) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("not an IP address: " + host);
  const asio::ip::tcp::endpoint endpoint(address, port);
  if (!source.empty()) {
    auto& socket = stream_.socket();
    socket.open(endpoint.protocol());
    socket.bind({asio::ip::make_address(source), 0}, ec);
    if (ec) throw std::runtime_error("cannot bind to " + source + ": " + ec.message());
  }
  ec = Run([&](auto done) { stream_.async_connect(endpoint, done); }, timeout_);
  if (ec) throw std::runtime_error("cannot connect to " + host_header_ + ": " + ec.message());
}

HttpConnection::~HttpConnection() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

// Starts one asynchronous operation with `start(handler)` and runs the context until it
// completes or the stream's deadline cancels it.
template <class Start>
boost::system::error_code HttpConnection::Run(Start&& start, std::chrono::milliseconds timeout) {
  boost::system::error_code result = asio::error::would_block;
  stream_.expires_after(timeout);
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

HttpResponse HttpConnection::Send(const HttpRequest& request) {
  WriteRaw(ToWire(request, host_header_));
  HttpResponse response = ReadResponse();
  RecordExchange(request, response);
  return response;
}

void HttpConnection::WriteRaw(std::string_view bytes) {
  const auto ec = Run(
      [&](auto done) {
        asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), done);
      },
      timeout_);
  if (ec) throw std::runtime_error("cannot write to " + host_header_ + ": " + ec.message());
}

HttpResponse HttpConnection::ReadResponse() {
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  const auto ec = Run([&](auto done) { bh::async_read(stream_, buffer_, parser, done); }, timeout_);
  if (ec) {
    throw std::runtime_error("no HTTP response from " + host_header_ + ": " + ec.message());
  }
  auto message = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  response.keep_alive = message.keep_alive();
  return response;
}

bool HttpConnection::WaitForClose(std::chrono::milliseconds timeout) {
  if (buffer_.size() > 0) throw std::runtime_error("unexpected bytes from " + host_header_);
  char byte = 0;
  std::size_t got = 0;
  boost::system::error_code result = asio::error::would_block;
  stream_.expires_after(timeout);
  stream_.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t n) {
    result = ec;
    got = n;
  });
  ioc_.restart();
  ioc_.run();
  if (result == beast::error::timeout) return false;
  if (!result && got > 0) throw std::runtime_error("unexpected bytes from " + host_header_);
  return true;  // end of stream, reset, or another error that means the connection is gone
}

HttpResponse SendHttp(const std::string& host, unsigned short port, HttpRequest request,
                      const std::string& source) {
  if (!HasHeader(request.headers, "Connection"))
    request.headers.emplace_back("Connection", "close");
  HttpConnection connection(host, port, std::chrono::seconds(20), source);
  return connection.Send(request);
}

std::vector<HttpResponse> SendConcurrently(const std::string& host, unsigned short port,
                                           std::vector<HttpRequest> requests) {
  std::vector<HttpResponse> responses(requests.size());
  std::latch connected(static_cast<std::ptrdiff_t>(requests.size()));
  std::vector<std::thread> threads;
  threads.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] {
      HttpRequest& request = requests[i];
      if (!HasHeader(request.headers, "Connection")) {
        request.headers.emplace_back("Connection", "close");
      }
      std::optional<HttpConnection> connection;
      std::string failure;
      try {
        connection.emplace(host, port);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      connected.arrive_and_wait();
      try {
        if (connection) responses[i] = connection->Send(request);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!failure.empty()) responses[i] = HttpResponse{0, {}, failure, false};
    });
  }
  for (auto& thread : threads) thread.join();
  return responses;
}

}  // namespace obauth::testing
