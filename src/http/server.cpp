#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "http/json_codec.hpp"
#include "store/caching_store.hpp"

namespace obauth::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

bool IsSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

class Session;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, std::shared_ptr<spdlog::logger> l)
      : options(std::move(o)),
        log(std::move(l)),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        acceptor(ioc),
        control(asio::make_strand(ioc)),
        grace_timer(control) {
    auto prefix = crypto::RandomBytes(4);
    request_prefix = prefix ? crypto::ToHex(*prefix) : "0";
  }

  void Accept();
  void Register(const std::shared_ptr<Session>& session);
  void Unregister(std::uint64_t id);
  void BeginShutdown();
  std::string NextRequestId(const Request& request) {
    if (auto it = request.find("X-Request-Id");
        it != request.end() && IsSafeRequestId(it->value())) {
      return std::string(it->value());
    }
    return request_prefix + "-" + std::to_string(++request_counter);
  }

  const Router* router = nullptr;  // set by Run() before the first accept
  const ServerOptions options;
  std::shared_ptr<spdlog::logger> log;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::strand<asio::io_context::executor_type> control;
  asio::steady_timer grace_timer;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session = 0;
  std::string request_prefix;
  std::atomic<std::uint64_t> request_counter{0};
};

// One connection: reads a request, hands it to the worker pool, writes the answer, repeats
// while keep-alive holds. All members are touched on the connection's strand only.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server, std::uint64_t id)
      : stream_(std::move(socket)), server_(std::move(server)), id_(id) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() { server_->Unregister(id_); }

  std::uint64_t id() const { return id_; }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Part of a graceful shutdown: a connection waiting for its next request is closed now; one
  // with a request in flight closes after writing the response. A request counts as in flight
  // from its first byte (parsed, buffered, or still in the socket), not only once complete:
  // otherwise a client caught mid-upload loses its request.
  void CloseIfIdle() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      const bool receiving = self->buffer_.size() > 0 ||
                             (self->parser_ && self->parser_->got_some()) ||
                             self->stream_.socket().available(ec) > 0;
      if (!self->busy_ && !receiving) self->stream_.socket().close();
    });
  }

 private:
  void Read() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    stream_.expires_after(server_->options.read_timeout);
    bh::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bh::error::body_limit) {
      return Reject(bh::status::payload_too_large, "Request body too large");
    }
    if (ec == bh::error::header_limit) {
      return Reject(bh::status::request_header_fields_too_large, "Request header too large");
    }
    if (ec && &ec.category() == &bh::make_error_code(bh::error::end_of_stream).category() &&
        ec != bh::error::end_of_stream && ec != bh::error::partial_message) {
      return Reject(bh::status::bad_request, "Malformed HTTP request");
    }
    if (ec) return Close();  // closed by the peer, timed out, or cancelled by shutdown

    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    auto request = std::make_shared<Request>(parser_->release());
    request_id_ = server_->NextRequestId(*request);
    // Requests usually answered from memory run right here; one that turns out to need the
    // database (or any other) goes to the worker pool, so no I/O thread waits on disk.
    if (Router::WorthTryingInline(*request)) {
      Routed routed;
      {
        store::NonBlockingScope no_blocking;
        routed = server_->router->Handle(*request, {request_id_, peer_});
      }
      if (!routed.would_block) return Respond(*request, std::move(routed));
    }
    // The work guard keeps Run() from returning while the worker holds this request.
    asio::post(server_->workers, [self = shared_from_this(), request,
                                  work = asio::make_work_guard(stream_.get_executor())]() mutable {
      auto routed = std::make_shared<Routed>(
          self->server_->router->Handle(*request, {self->request_id_, self->peer_}));
      asio::post(self->stream_.get_executor(),
                 [self, request, routed]() { self->Respond(*request, std::move(*routed)); });
    });
  }

  void Respond(const Request& request, Routed routed) {
    response_ = std::move(routed.response);
    const bool keep_alive = request.keep_alive() && !server_->stopping;
    Finish(request.method_string(), routed.route, routed.note, keep_alive, request.version());
  }

  // Answers a request that could not be read, then closes the connection.
  void Reject(bh::status status, std::string_view message) {
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    request_id_ = server_->request_prefix + "-" + std::to_string(++server_->request_counter);
    response_ = Response{status, 11};
    response_.set(bh::field::content_type, "application/json");
    response_.body() = EncodeMessage(message);
    Finish("-", "unreadable", {}, false, 11);
  }

  void Finish(std::string_view method, std::string_view route, const std::string& note,
              bool keep_alive, unsigned version) {
    SetCommonHeaders(response_, request_id_);
    response_.version(version);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    keep_alive_ = keep_alive;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    const int status = static_cast<int>(response_.result_int());
    const auto level = status >= 500 ? spdlog::level::err : spdlog::level::info;
    server_->log->log(
        level, "request id={} method={} route={} status={} duration_ms={:.3f} peer={}{}{}",
        request_id_, method, route, status, ms, peer_, note.empty() ? "" : " note=", note);
    stream_.expires_after(server_->options.read_timeout);
    bh::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    busy_ = false;
    if (ec || !keep_alive_) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bh::request_parser<bh::string_body>> parser_;
  Response response_;
  std::shared_ptr<Server::Impl> server_;
  const std::uint64_t id_;
  std::string peer_;
  std::string request_id_;
  std::chrono::steady_clock::time_point started_;
  bool busy_ = false;
  bool keep_alive_ = false;
};

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (ec == asio::error::operation_aborted || self->stopping) return;
                          if (!ec) {
                            std::uint64_t id;
                            {
                              std::lock_guard lock(self->mu);
                              id = ++self->next_session;
                            }
                            auto session = std::make_shared<Session>(std::move(socket), self, id);
                            self->Register(session);
                            session->Start();
                          } else {
                            self->log->warn("accept failed: {}", ec.message());
                          }
                          self->Accept();
                        });
}

void Server::Impl::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu);
  sessions.emplace(session->id(), session);
}

void Server::Impl::Unregister(std::uint64_t id) {
  bool last = false;
  {
    std::lock_guard lock(mu);
    sessions.erase(id);
    last = sessions.empty() && stopping;
  }
  // The last connection gone during a shutdown: nothing is left to wait for.
  if (last) {
    asio::post(control, [self = shared_from_this()] { self->grace_timer.cancel(); });
  }
}

void Server::Impl::BeginShutdown() {
  asio::post(control, [self = shared_from_this()] {
    if (self->stopping.exchange(true)) return;
    beast::error_code ignored;
    self->acceptor.close(ignored);
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(self->mu);
      for (auto& [id, weak] : self->sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->CloseIfIdle();
    if (live.empty()) return;
    self->grace_timer.expires_after(self->options.shutdown_grace);
    self->grace_timer.async_wait([self](beast::error_code ec) {
      if (ec) return;  // cancelled: every connection finished in time
      self->log->warn("shutdown grace period over; closing remaining connections");
      self->ioc.stop();
    });
  });
}

Server::Server(ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(log))) {}

Server::~Server() {
  impl_->ioc.stop();
  impl_->workers.join();
}

Result<std::string> Server::Listen() {
  const auto& o = impl_->options;
  const std::string where = o.host + ":" + std::to_string(o.port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(o.host, std::to_string(o.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return MakeError(ErrorCode::kUnavailable, "", "cannot resolve listen address " + where);
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable, "",
                     "cannot listen on " + where + ": " + ec.message());
  }
  const auto bound = acceptor.local_endpoint();
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                   : bound.address().to_string();
  return host + ":" + std::to_string(bound.port());
}

void Server::Run(const Router& router) {
  impl_->router = &router;
  impl_->Accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.io_threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers.join();
}

void Server::Shutdown() { impl_->BeginShutdown(); }

}  // namespace obauth::http
