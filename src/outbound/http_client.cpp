#include "outbound/http_client.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <optional>
#include <vector>

namespace obauth::outbound {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Error Invalid(std::string message) { return MakeError(ErrorCode::kValidation, std::move(message)); }

Error Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}

std::string HostHeader(const Url& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const bool default_port = url.port == (url.tls ? "443" : "80");
  return default_port ? host : host + ":" + url.port;
}

std::string WithHint(std::string message, const std::string& hint) {
  return hint.empty() ? message : message + " " + hint;
}

// The TLS client context every https exchange shares, made on first use: an OpenSSL SSL_CTX
// costs ~115 us to make and loading the system's trusted certificates ~21 ms on this machine's
// CA bundle, far more than a request to a provider nearby. SSL_CERT_FILE and SSL_CERT_DIR are
// read then, once per process. OpenSSL allows an SSL_CTX to be shared across threads once set up.
struct TlsClient {
  TlsClient() : context(asio::ssl::context::tls_client) {
    context.set_default_verify_paths(load_error);
    if (!load_error) context.set_verify_mode(asio::ssl::verify_peer, load_error);
  }
  asio::ssl::context context;
  error_code load_error;
};

Result<asio::ssl::context*> SharedTlsClient() {
  static TlsClient client;
  if (client.load_error) {
    return Unavailable("Cannot load the system's trusted certificates: " +
                       client.load_error.message());
  }
  return &client.context;
}

// One request and its answer on a new connection, with one deadline for all of it: each step
// runs the io_context until that step completes, and the deadline's handler closes the socket,
// which completes whatever step is waiting. The io_context is the calling thread's own, kept
// between exchanges (it costs file descriptors and system calls to make); a host given as an
// address is connected to without a lookup (a lookup starts Asio's resolver thread).
class Exchange {
 public:
  Exchange(const Url& url, const Limits& limits) : url_(url), limits_(limits) {
    ioc_.restart();
    error_code ec;
    const auto address = asio::ip::make_address(url_.host, ec);
    if (!ec) address_ = address;
  }

  Result<Answer> Run(bh::request<bh::string_body>& request) {
    deadline_.expires_after(limits_.timeout);
    deadline_.async_wait([this](error_code ec) {
      if (ec) return;  // cancelled: the exchange finished in time
      timed_out_ = true;
      if (resolver_) resolver_->cancel();
      error_code ignored;
      socket_.close(ignored);
    });
    auto answer = Steps(request);
    deadline_.cancel();
    ioc_.run();  // lets the cancelled deadline's handler run
    return answer;
  }

 private:
  static asio::io_context& ThreadContext() {
    static thread_local asio::io_context ioc{1};
    return ioc;
  }

  void Wait(const bool& done) {
    while (!done && ioc_.run_one() > 0) {
    }
  }

  Error TimedOut(std::string_view step) const {
    const auto ms = limits_.timeout.count();
    const std::string within =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    return Unavailable(WithHint(
        "No answer from " + url_.text + " within " + within + " (" + std::string(step) + ").",
        limits_.timeout_hint));
  }

  Error Unreachable(std::string message) const {
    return Unavailable(WithHint(std::move(message), limits_.unreachable_hint));
  }

  Result<std::vector<tcp::endpoint>> Endpoints() {
    std::vector<tcp::endpoint> endpoints;
    if (address_) {
      endpoints.emplace_back(*address_, static_cast<unsigned short>(std::stoul(url_.port)));
      return endpoints;
    }
    bool done = false;
    error_code result;
    resolver_.emplace(ioc_);
    resolver_->async_resolve(url_.host, url_.port,
                             [&](error_code e, const tcp::resolver::results_type& found) {
                               result = e;
                               for (const auto& entry : found)
                                 endpoints.push_back(entry.endpoint());
                               done = true;
                             });
    Wait(done);
    if (timed_out_) return TimedOut("resolving " + url_.host);
    if (result) {
      return Unreachable("Cannot resolve the host " + url_.host + " of " + url_.text + ": " +
                         result.message() + ".");
    }
    return endpoints;
  }

  Result<Answer> Steps(bh::request<bh::string_body>& request) {
    asio::ssl::context* tls = nullptr;
    if (url_.tls) {
      OBAUTH_TRY(shared, SharedTlsClient());
      tls = shared;
    }
    OBAUTH_TRY(endpoints, Endpoints());
    bool done = false;
    error_code result;
    asio::async_connect(socket_, endpoints, [&](error_code ec, const tcp::endpoint&) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("connecting");
    if (result)
      return Unreachable("Cannot connect to " + url_.text + ": " + result.message() + ".");
    if (!tls) return WriteAndRead(socket_, request);
    asio::ssl::stream<tcp::socket&> stream(socket_, *tls);
    if (auto r = Handshake(stream); !r) return r.error();
    return WriteAndRead(stream, request);
  }

  Result<void> Handshake(asio::ssl::stream<tcp::socket&>& stream) {
    SSL* ssl = stream.native_handle();
    // OpenSSL checks the name (or address) against the certificate during the handshake, and
    // reports a mismatch as a verification error with its own reason.
    if (address_) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str()) != 1) {
        return Unavailable("Cannot check the certificate of " + url_.text);
      }
    } else {
      // RFC 6066 §3: SNI carries host names only, never addresses.
      if (SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1 ||
          SSL_set1_host(ssl, url_.host.c_str()) != 1) {
        return Unavailable("Cannot check the certificate of " + url_.text);
      }
    }
    bool done = false;
    error_code result;
    stream.async_handshake(asio::ssl::stream_base::client, [&](error_code e) {
      result = e;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("TLS handshake");
    if (result) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return Unavailable("The certificate of " + url_.text +
                           " is not accepted: " + X509_verify_cert_error_string(verify) +
                           ". It must be valid for the host " + url_.host +
                           " and trusted by the system's store (for a private CA, point "
                           "SSL_CERT_FILE at its certificate).");
      }
      return Unavailable("TLS handshake with " + url_.text + " failed: " + result.message() +
                         ". Is it an https server?");
    }
    return {};
  }

  template <class Stream>
  Result<Answer> WriteAndRead(Stream& stream, bh::request<bh::string_body>& request) {
    bool done = false;
    error_code result;
    bh::async_write(stream, request, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("sending the request");
    if (result) {
      return Unreachable("Lost the connection to " + url_.text +
                         " while sending: " + result.message() + ".");
    }

    bh::response_parser<bh::string_body> parser;
    parser.body_limit(limits_.max_body_bytes);
    beast::flat_buffer buffer;
    done = false;
    bh::async_read(stream, buffer, parser, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("waiting for the answer");
    if (result == bh::error::body_limit) {
      return Unavailable("The answer of " + url_.text + " is larger than " +
                         std::to_string(limits_.max_body_bytes) + " bytes.");
    }
    if (result) {
      return Unavailable("No usable answer from " + url_.text + ": " + result.message() + ".");
    }
    auto& response = parser.get();
    Answer answer;
    answer.status = static_cast<int>(response.result_int());
    answer.body = std::move(response.body());
    for (const auto& field : response) {
      answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return answer;
  }

  const Url& url_;
  const Limits& limits_;
  std::optional<asio::ip::address> address_;  // the host, when it is an address
  asio::io_context& ioc_ = ThreadContext();
  tcp::socket socket_{ioc_};
  std::optional<tcp::resolver> resolver_;
  asio::steady_timer deadline_{ioc_};
  bool timed_out_ = false;
};

}  // namespace

std::string_view Answer::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return {};
}

Result<Url> ParseUrl(std::string_view text) {
  const std::string shown = "'" + std::string(text) + "'";
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return Invalid(shown + " is not an absolute URL such as https://auth.example.com");
  const boost::urls::url_view& u = *parsed;
  Url url;
  url.text = std::string(text);
  if (u.scheme_id() == boost::urls::scheme::https) {
    url.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return Invalid(shown + " must start with https:// (or http:// on localhost)");
  }
  if (u.has_userinfo() || u.has_query()) {
    return Invalid(shown + " must have no user, password or query");
  }
  url.host = u.host_address();
  if (url.host.empty()) return Invalid(shown + " has no host");
  url.port = u.has_port() ? std::string(u.port()) : std::string(url.tls ? "443" : "80");
  if (url.port.empty() || url.port.size() > 5 || std::stoul(url.port) > 65535) {
    return Invalid(shown + " has an invalid port");
  }
  error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  url.loopback = ec ? url.host == "localhost" : address.is_loopback();
  url.base_path = std::string(u.encoded_path());
  while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
  return url;
}

Result<Answer> Send(const Url& url, const Request& r, const Limits& limits) {
  bh::request<bh::string_body> request;
  request.method_string(r.method);
  request.target(url.base_path + r.target);
  request.version(11);
  request.set(bh::field::host, HostHeader(url));
  request.set(bh::field::user_agent, limits.user_agent);
  request.set(bh::field::connection, "close");
  for (const auto& [name, value] : r.headers) request.set(name, value);
  request.body() = std::string(r.body);
  request.prepare_payload();
  try {
    Exchange exchange(url, limits);
    return exchange.Run(request);
  } catch (const std::exception& e) {
    // Asio throws only when the system refuses resources (sockets, TLS context).
    return Unavailable("Cannot reach " + url.text + ": " + e.what());
  }
}

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  const std::string credentials = FormEncode(user) + ":" + FormEncode(password);
  std::string out(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(credentials.data()),
                                static_cast<int>(credentials.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

}  // namespace obauth::outbound
