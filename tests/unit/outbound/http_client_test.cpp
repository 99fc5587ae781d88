// outbound::Send against small servers on 127.0.0.1 (a thread each, plain Asio): the calling
// thread's event loop and the shared TLS context are kept between exchanges, so an exchange
// that failed (timed out, refused) must leave nothing behind for the next one.
#include "outbound/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace obauth::outbound {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Accepts `connections` connections one after the other; each gets `answer` once its request's
// head is read (or nothing at all when `answer` is empty: the connection is held until the
// client closes it).
class TinyServer {
 public:
  TinyServer(int connections, std::string answer)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        thread_([this, connections, answer = std::move(answer)] {
          for (int i = 0; i < connections; ++i) {
            tcp::socket socket(ioc_);
            acceptor_.accept(socket);
            boost::system::error_code ec;
            asio::streambuf head;
            asio::read_until(socket, head, "\r\n\r\n", ec);
            if (answer.empty()) {
              char byte;
              socket.read_some(asio::buffer(&byte, 1), ec);  // until the client gives up
            } else {
              asio::write(socket, asio::buffer(answer), ec);
            }
          }
        }) {}
  ~TinyServer() { thread_.join(); }
  std::string Url(std::string_view host = "127.0.0.1") const {
    return "http://" + std::string(host) + ":" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

Result<Answer> Get(const std::string& url, std::chrono::milliseconds timeout = 5000ms) {
  auto parsed = ParseUrl(url);
  if (!parsed) return parsed.error();
  Limits limits;
  limits.timeout = timeout;
  Request request;
  request.target = "/x";
  return Send(*parsed, request, limits);
}

std::string ClosedPortUrl() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
}

TEST(OutboundSend, OneThreadAsksAgainAfterATimeoutAndARefusal) {
  TinyServer answering(3, kOk);
  TinyServer silent(1, "");

  auto first = Get(answering.Url());
  ASSERT_TRUE(first) << first.error().public_message;
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "ok");

  auto timed_out = Get(silent.Url(), 300ms);
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(timed_out.error().public_message.find("within 300 ms (waiting for the answer)"),
            std::string::npos)
      << timed_out.error().public_message;

  auto refused = Get(ClosedPortUrl());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().public_message.find("Cannot connect to"), std::string::npos)
      << refused.error().public_message;

  // A name is looked up (localhost), an address is not: both reach the server.
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto again = Get(answering.Url(host));
    ASSERT_TRUE(again) << host << ": " << again.error().public_message;
    EXPECT_EQ(again->body, "ok");
  }
}

TEST(OutboundSend, ThreadsSendAtOnceEachOnItsOwnLoop) {
  constexpr int kThreads = 4;
  TinyServer answering(kThreads * 3, kOk);
  std::vector<std::thread> threads;
  std::atomic<int> answered = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        auto answer = Get(answering.Url());
        if (answer && answer->body == "ok") ++answered;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered, kThreads * 3);
}

}  // namespace
}  // namespace obauth::outbound
