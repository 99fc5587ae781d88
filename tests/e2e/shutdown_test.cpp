// SIGTERM and SIGINT: stop accepting, finish requests in flight, exit 0.
#include <gtest/gtest.h>

#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using namespace std::chrono_literals;
using obauth::testing::FormBody;
using obauth::testing::HttpConnection;

class Shutdown : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
  }

  HttpRequest TokenRequest() const {
    return {"POST",
            std::string(kTokenPath),
            {{"Content-Type", "application/x-www-form-urlencoded"}},
            FormBody({{"grant_type", "client_credentials"},
                      {"client_id", partner_.client_id},
                      {"client_secret", partner_.client_secret}})};
  }

  // Waits until the server refuses new connections, which is how a shutdown begins.
  bool WaitUntilRefusingConnections(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        HttpConnection probe(server().host(), server().port(), 1s);
      } catch (const std::runtime_error&) {
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  Credentials partner_;
};

TEST_F(Shutdown, SigtermExitsZero) {
  EXPECT_EQ(RequestToken(partner_).status, 200);
  EXPECT_EQ(StopServer(SIGTERM).ToString(), "exit 0");
}

TEST_F(Shutdown, SigintExitsZero) {
  EXPECT_EQ(RequestToken(partner_).status, 200);
  EXPECT_EQ(StopServer(SIGINT).ToString(), "exit 0");
}

TEST_F(Shutdown, IdleKeepAliveConnectionDoesNotDelayExit) {
  HttpConnection connection(server().host(), server().port());
  const HttpResponse first = connection.Send({"GET", "/healthz", {}, {}});
  ASSERT_EQ(first.status, 200);
  ASSERT_TRUE(first.keep_alive);

  server().Signal(SIGTERM);
  // Well inside the server's 10 s grace period: an idle connection is closed, not waited for.
  const auto status = server().WaitFor(5s);
  ASSERT_TRUE(status.has_value()) << "the server waited for an idle keep-alive connection";
  EXPECT_EQ(status->ToString(), "exit 0");
  EXPECT_TRUE(connection.WaitForClose(2s));
}

TEST_F(Shutdown, RequestInFlightWhenSigtermArrivesStillGetsItsResponse) {
  HttpConnection connection(server().host(), server().port());
  // A first exchange proves the connection has been accepted by the server.
  ASSERT_EQ(connection.Send({"GET", "/healthz", {}, {}}).status, 200);

  // The second request is half sent when the signal arrives.
  const std::string wire = obauth::testing::ToWire(
      TokenRequest(), server().host() + ":" + std::to_string(server().port()));
  const std::size_t half = wire.size() - 10;
  connection.WriteRaw(wire.substr(0, half));
  std::this_thread::sleep_for(100ms);
  server().Signal(SIGTERM);
  ASSERT_TRUE(WaitUntilRefusingConnections(5s)) << "the server kept accepting after SIGTERM";
  ASSERT_TRUE(server().running()) << "the server exited with a request in flight";

  connection.WriteRaw(wire.substr(half));
  const HttpResponse response = connection.ReadResponse();
  EXPECT_EQ(response.status, 200) << response.Describe();
  EXPECT_FALSE(response.keep_alive) << "a stopping server should close the connection";
  EXPECT_TRUE(response.Header("X-Request-Id").has_value());

  const auto status = server().WaitFor(5s);
  ASSERT_TRUE(status.has_value()) << "the server did not exit after answering";
  EXPECT_EQ(status->ToString(), "exit 0");
}

}  // namespace
}  // namespace obauth::e2e
