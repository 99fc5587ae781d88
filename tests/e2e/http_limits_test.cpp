// The HTTP edge's limits (docs/security.md): body and header sizes, a deadline for a whole
// request however slowly it trickles in (slowloris), idle keep-alive connections, a maximum
// number of connections, pipelined requests answered in order, ambiguous framing refused, and
// chunk lines and trailers bounded, trailer fields never taken for headers, and what a
// connection holds once its answer is written or while its client does not read.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "e2e/obauth_test.hpp"
#include "testing/encoding.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::Base64Encode;
using obauth::testing::HttpConnection;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;
using Clock = std::chrono::steady_clock;

std::string ToHex(std::size_t n) {
  char text[20];
  return std::string(text, std::to_chars(text, text + sizeof text, n, 16).ptr);
}

class HttpLimits : public ObauthTest {
 protected:
  HttpConnection Connect() { return HttpConnection(server().host(), server().port()); }

  // Sends `raw` bytes on a new connection and reads one response.
  HttpResponse SendRaw(const std::string& raw) {
    HttpConnection connection = Connect();
    connection.WriteRaw(raw);
    return connection.ReadResponse();
  }

  // The server's resident memory, in KiB (VmRSS).
  long RssKib() {
    std::ifstream status("/proc/" + std::to_string(server().pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

  // Writes `head`, then `filler` bytes of 'a' in 64 KiB writes until the server stops reading
  // (it answered and closed) or `filler` is sent; reads the answer.
  HttpResponse SendEndlessly(const std::string& head, std::size_t filler) {
    HttpConnection connection = Connect();
    connection.WriteRaw(head);
    const std::string block(64 * 1024, 'a');
    try {
      for (std::size_t sent = 0; sent < filler; sent += block.size()) connection.WriteRaw(block);
    } catch (const std::exception&) {
      // The server refused and closed: its answer is already on the way.
    }
    return connection.ReadResponse();
  }

  static std::string TokenRequestWithBody(std::size_t body_bytes) {
    return "POST /api/v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/x-www-form-urlencoded\r\nContent-Length: " +
           std::to_string(body_bytes) + "\r\n\r\n" + std::string(body_bytes, 'a');
  }
};

TEST_F(HttpLimits, BodyOverTheLimitIs413AndAtTheLimitIsRead) {
  StartServer({"--max-body-bytes", "2048"});
  const HttpResponse over = SendRaw(TokenRequestWithBody(2049));
  EXPECT_EQ(over.status, 413) << over.Describe();
  EXPECT_EQ(StringAt(ParseJsonObject(over.body), "error_description"),
            "Request body larger than 2048 bytes");
  const HttpResponse at = SendRaw(TokenRequestWithBody(2048));
  EXPECT_EQ(at.status, 400) << at.Describe();  // read, and refused as a token request
}

// The token, introspection and revocation endpoints answer everything in RFC 6749 §5.2 errors,
// also the requests the edge refuses to read; every other path keeps {"message"}.
TEST_F(HttpLimits, RefusalsOnTheOAuthEndpointsAreRfc6749ErrorsNamingTheLimit) {
  StartServer({"--max-body-bytes", "2048", "--max-header-bytes", "2048"});
  const Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  const Headers padded = {{"X-Pad", std::string(2100, 'p')}};
  for (const std::string path : {"/api/v1/token", "/api/v1/introspect", "/api/v1/revoke"}) {
    SCOPED_TRACE(path);
    const HttpResponse body = Send({"POST", path, form, std::string(2049, 'a')});
    ExpectOAuthError(body, 413, "invalid_request");
    EXPECT_EQ(body.Header("Pragma").value_or(""), "no-cache");
    EXPECT_EQ(StringAt(ParseJsonObject(body.body), "error_description"),
              "Request body larger than 2048 bytes");
    const HttpResponse head = Send({"POST", path + "?x=1", padded, "token=x"});
    ExpectOAuthError(head, 431, "invalid_request");
    EXPECT_EQ(head.Header("Pragma").value_or(""), "no-cache");
    EXPECT_EQ(StringAt(ParseJsonObject(head.body), "error_description"),
              "Request line and headers larger than 2048 bytes");
    // Framing the server will not guess at (RFC 9112 §6.3).
    const HttpResponse framing = SendRaw("POST " + path +
                                         " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                         "Transfer-Encoding: chunked\r\n\r\nabc");
    ExpectOAuthError(framing, 400, "invalid_request");
    EXPECT_EQ(StringAt(ParseJsonObject(framing.body), "error_description"),
              "Malformed HTTP request");
  }
  // The admin API and every other path keep {"message"}, with the limit named too.
  ExpectMessage(Send({"POST",
                      "/api/v1/recipients",
                      {{"Content-Type", "application/json"}},
                      std::string(2049, ' ')}),
                413, "Request body larger than 2048 bytes");
  ExpectMessage(Send({"GET", "/healthz", padded, {}}), 431,
                "Request line and headers larger than 2048 bytes");
  // A request line over the limit never names a path: {"message"}.
  ExpectMessage(SendRaw("GET /api/v1/token?" + std::string(2100, 'q') + " HTTP/1.1\r\n\r\n"), 431);
}

TEST_F(HttpLimits, DefaultBodyLimitIs64KiB) {
  StartServer();
  EXPECT_EQ(SendRaw(TokenRequestWithBody(64 * 1024 + 1)).status, 413);
  EXPECT_EQ(SendRaw(TokenRequestWithBody(64 * 1024)).status, 400);
}

TEST_F(HttpLimits, HeadersOverTheLimitAre431) {
  StartServer({"--max-header-bytes", "2048"});
  const HttpResponse over =
      SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(2100, 'p') + "\r\n\r\n");
  EXPECT_EQ(over.status, 431) << over.Describe();
  const HttpResponse under =
      SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(1500, 'p') + "\r\n\r\n");
  EXPECT_EQ(under.status, 200) << under.Describe();
}

TEST_F(HttpLimits, DefaultHeaderLimitIs16KiB) {
  StartServer();
  EXPECT_EQ(SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(17 * 1024, 'p') +
                    "\r\n\r\n")
                .status,
            431);
}

TEST_F(HttpLimits, RequestTricklingInIsCutOffAtTheRequestTimeout) {
  StartServer({"--request-timeout", "1", "--idle-timeout", "30"});
  HttpConnection connection = Connect();
  const auto start = Clock::now();
  connection.WriteRaw("POST /api/v1/token HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  bool closed = false;
  while (!closed && Clock::now() - start < std::chrono::seconds(6)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      connection.WriteRaw("a");  // one more byte of a header that never ends
    } catch (const std::exception&) {
      closed = true;
    }
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed) << "still open after 6 s of trickling";
  EXPECT_GE(elapsed, std::chrono::milliseconds(900)) << "closed before the timeout";
}

TEST_F(HttpLimits, IdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
  StartServer({"--idle-timeout", "1"});
  HttpConnection connection = Connect();
  ASSERT_EQ(connection.Send({"GET", "/healthz", {}, ""}).status, 200);
  const auto answered = Clock::now();
  EXPECT_TRUE(connection.WaitForClose(std::chrono::seconds(5)));
  EXPECT_GE(Clock::now() - answered, std::chrono::milliseconds(900));
}

TEST_F(HttpLimits, ConnectionsBeyondTheMaximumAreRefusedAtOnce) {
  StartServer({"--max-connections", "3"});
  std::vector<std::unique_ptr<HttpConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<HttpConnection>(server().host(), server().port()));
    ASSERT_EQ(open.back()->Send({"GET", "/healthz", {}, ""}).status, 200);
  }
  HttpConnection extra = Connect();
  const HttpResponse refused = extra.ReadResponse();  // sent without waiting for a request
  EXPECT_EQ(refused.status, 503) << refused.Describe();
  EXPECT_EQ(StringAt(ParseJsonObject(refused.body), "message"), "Too many connections");
  EXPECT_EQ(refused.Header("Retry-After").value_or(""), "1");
  // Once one closes, a new connection is served again.
  open.pop_back();
  EXPECT_TRUE(Eventually([&] {
    HttpConnection again = Connect();
    try {
      return again.Send({"GET", "/healthz", {}, ""}).status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }));
}

TEST_F(HttpLimits, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  HttpConnection connection = Connect();
  connection.WriteRaw(
      "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-Id: third\r\n\r\n");
  const HttpResponse first = connection.ReadResponse();
  const HttpResponse second = connection.ReadResponse();
  const HttpResponse third = connection.ReadResponse();
  EXPECT_EQ(first.Header("X-Request-Id").value_or(""), "first");
  EXPECT_EQ(first.body, R"({"status":"ready"})");
  EXPECT_EQ(second.Header("X-Request-Id").value_or(""), "second");
  EXPECT_EQ(second.body, R"({"status":"ok"})");
  EXPECT_EQ(third.Header("X-Request-Id").value_or(""), "third");
  EXPECT_EQ(third.status, 404);
}

TEST_F(HttpLimits, AmbiguousFramingIsRefusedWith400NeverGuessed) {
  StartServer();
  const std::string head =
      "POST /api/v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\n";
  const std::string body = "grant_type=client_credentials";
  const HttpResponse both = SendRaw(head + "Content-Length: " + std::to_string(body.size()) +
                                    "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  EXPECT_EQ(both.status, 400) << both.Describe();
  const HttpResponse duplicate =
      SendRaw(head + "Content-Length: " + std::to_string(body.size()) +
              "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(duplicate.status, 400) << duplicate.Describe();
  const HttpResponse conflicting =
      SendRaw(head + "Content-Length: 5\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n" + body);
  EXPECT_EQ(conflicting.status, 400) << conflicting.Describe();
}

TEST_F(HttpLimits, ChunkLinesAndTrailersThatNeverEndAre431AndCostNoMemory) {
  StartServer({"--max-header-bytes", "2048"});
  const std::string chunked =
      "POST /api/v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
  // One refused connection first: what any connection costs (more under the sanitizers) is
  // then not counted.
  SendEndlessly(chunked + "5;ext=", 64 * 1024);
  const long before = RssKib();
  // 32 MiB of chunk extension, then of trailer field, on one connection each.
  for (const std::string start : {"5;ext=", "5\r\nabcde\r\n0\r\nX-Filler: "}) {
    SCOPED_TRACE(start);
    const HttpResponse r = SendEndlessly(chunked + start, 32 * 1024 * 1024);
    ExpectOAuthError(r, 431, "invalid_request");
    EXPECT_EQ(StringAt(ParseJsonObject(r.body), "error_description"),
              "A chunk line or the trailer section larger than 2048 bytes");
  }
  // Far less than what was sent: before the bound the whole line was kept.
  EXPECT_LT(RssKib() - before, 8 * 1024) << "the refused bytes were not kept";
}

TEST_F(HttpLimits, TrailerFieldsAreRefusedNeverTakenForHeaders) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  // A bearer token only in the trailer of a chunked GET: 400, not the partner's list.
  const HttpResponse list = SendRaw(
      "GET /api/v1/recipients HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\nAuthorization: Bearer " +
      token + "\r\n\r\n");
  ExpectMessage(list, 400,
                "Trailer fields are not accepted: send every field in the header section");
  // A Content-Type only in the trailer of a token request: 400 as well.
  const std::string form = "grant_type=client_credentials&scope=client%3Aadmin";
  const std::string head = "POST /api/v1/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                           Base64Encode(partner.client_id + ":" + partner.client_secret) +
                           "\r\nTransfer-Encoding: chunked\r\n";
  const std::string body = ToHex(form.size()) + "\r\n" + form + "\r\n0\r\n";
  const HttpResponse typed =
      SendRaw(head + "\r\n" + body + "Content-Type: application/x-www-form-urlencoded\r\n\r\n");
  ExpectOAuthError(typed, 400, "invalid_request");
  EXPECT_EQ(StringAt(ParseJsonObject(typed.body), "error_description"),
            "Trailer fields are not accepted: send every field in the header section");
  // The same request with its fields in the header section, chunked, is served.
  const HttpResponse served =
      SendRaw(head + "Content-Type: application/x-www-form-urlencoded\r\n\r\n" + body + "\r\n");
  EXPECT_EQ(served.status, 200) << served.Describe();
}

// A recipient whose list summary is about 8 KB: the longest name, description and URLs, and
// 20 contacts.
std::string LargeSummaryRecipientJson(int i) {
  const std::string n = std::to_string(i);
  boost::json::array contacts;
  for (int c = 0; c < 20; ++c) {
    contacts.push_back(boost::json::object{
        {"email", "c" + std::to_string(c) + std::string(60, 'x') + "@large.example"}});
  }
  const std::string path(1990, 'p');
  return boost::json::serialize(
      boost::json::object{{"name", "Large " + n + std::string(240, 'n')},
                          {"scope", "ACCOUNT_BASIC"},
                          {"redirect_uris", boost::json::array{"https://large.example/cb"}},
                          {"logo_uri", "https://large.example/l" + path},
                          {"description", std::string(512, 'd')},
                          {"terms_uri", "https://large.example/t" + path},
                          {"client_uri", "https://large.example/c" + path},
                          {"contacts", contacts}});
}

// What a connection holds (docs/security.md, "HTTP"): once an answer is written, nothing of it
// (an idle keep-alive connection kept its last answer: 113 KiB after GET /openapi.yaml, the whole
// page after a list); an embedded document is never copied per request; a client that never
// reads pins one piece of a list (at most 256 KiB past one item), however long the list and its
// items. The server's resident memory is measured, with the allocator told to reuse freed memory
// at once (AddressSanitizer's quarantine would otherwise keep it) and to keep two arenas (not
// one per worker thread, each of which would grow on its first use).
TEST_F(HttpLimits, ConnectionsKeepNoAnswerOnceWrittenAndSlowReadersPinOnePiece) {
  // The connection's side is the same on both backends; libpq's results, allocated and freed on
  // the workers at their own pace, only blur the measure.
  if (OnPostgres()) GTEST_SKIP() << "measured on SQLite";
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(asan ? asan : "") + ":quarantine_size_mb=0";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1);
  ::setenv("MALLOC_ARENA_MAX", "2", 1);
  const Credentials partner = CreatePartner();
  StartServer({"--db-pool", "2"});
  const std::string token = AdminToken(partner);
  // A list longer than the kernel takes into a socket's send buffer (4 MiB here): past that,
  // what a client does not read waits in the server.
  for (int i = 0; i < 600; ++i) CreateRecipient(token, LargeSummaryRecipientJson(i));
  const std::size_t list_size = AdminGet(token, kRecipientsPath).body.size();
  ASSERT_GT(list_size, 4608u * 1024);

  const std::string auth = "Authorization: Bearer " + token + "\r\n";
  const std::string page =
      "GET /api/v1/recipients?limit=1000 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
  const std::string whole = "GET /api/v1/recipients HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
  const std::string document = "GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n";
  // Warm-up, on connections closed at once: what is not per connection (the database's page
  // cache, the allocator's arenas, two of them) reaches its size first.
  for (int i = 0; i < 10; ++i) {
    for (const auto& request : {page, whole, document}) {
      HttpConnection warm = Connect();
      warm.WriteRaw(request);
      ASSERT_EQ(warm.ReadResponse().status, 200);
    }
  }

  // 100 keep-alive connections, each after reading its answer: a page of the list, or the API
  // description.
  long before = RssKib();
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<HttpConnection>(server().host(), server().port()));
    idle.back()->WriteRaw(i % 2 ? page : document);
    const HttpResponse r = idle.back()->ReadResponse();
    ASSERT_EQ(r.status, 200) << r.Describe();
  }
  const long idle_kib = RssKib() - before;
  EXPECT_LT(idle_kib, 100 * 48) << "KiB for 100 idle connections";

  // 20 connections that ask for the whole list (4.5 MiB) and never read; the idle ones stay
  // open, so that what they would have held is not reused.
  namespace asio = boost::asio;
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> stalled;
  before = RssKib();
  for (int i = 0; i < 20; ++i) {
    stalled.emplace_back(ioc);
    stalled.back().open(asio::ip::tcp::v4());
    stalled.back().set_option(asio::socket_base::receive_buffer_size(4096));
    stalled.back().connect(
        {asio::ip::make_address(server().host()), static_cast<unsigned short>(server().port())});
    asio::write(stalled.back(), asio::buffer(whole));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the server writes what it can
  const long stalled_kib = RssKib() - before;
  EXPECT_LT(stalled_kib, 20 * 1536) << "KiB for 20 connections that never read";
  std::cout << "idle: " << idle_kib / 100
            << " KiB per connection; never reading: " << stalled_kib / 20
            << " KiB per connection\n";
}

}  // namespace
}  // namespace obauth::e2e
