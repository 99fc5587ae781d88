#include "http/server.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "http/request_log.hpp"
#include "store/non_blocking_scope.hpp"

namespace obauth::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
// Sockets bound to one io_context's executor: no type-erased executor on the hot path.
using Socket = tcp::socket::rebind_executor<asio::io_context::executor_type>::other;

namespace {

// The request's own X-Request-Id when it is safe to repeat, else "".
std::string ClientRequestId(const Request& request) {
  auto it = request.find("X-Request-Id");
  if (it == request.end() || !IsSafeRequestId(it->value())) return {};
  return std::string(it->value());
}

// Appends the line that starts a chunk of `size` bytes (RFC 9112 §7.1); "\r\n" ends it.
void AppendChunkSize(std::size_t size, std::string& out) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, size, 16).ptr;
  out.append(digits, end);
  out += "\r\n";
}

// Gives back what `value` holds: swapped with an empty one, not assigned one, since a string
// move-assigned from an empty (short) one keeps its capacity: a list page's body would stay with
// an idle connection.
template <class T>
void FreeAll(T& value) {
  T empty;
  using std::swap;
  swap(value, empty);
}

// The response's head as it goes on the wire: status line, fields, blank line.
void SerializeHead(const Response& response, std::string& out) {
  out.clear();
  out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(response.result_int());
  out += ' ';
  out += response.reason();
  out += "\r\n";
  for (const auto& field : response) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
}

// Room in the read buffer beyond --max-header-bytes: the start of the body or of a pipelined
// request read together with a head at the limit.
constexpr std::size_t kReadSlackBytes = 4096;

// Between requests a connection keeps its read buffer and the buffer of response heads up to
// this size each (an ordinary request and head fit); larger ones are freed once used, and
// whatever else a request or its answer held is freed as soon as the answer is written.
constexpr std::size_t kKeptBufferBytes = 4096;

// How often each I/O thread looks for connections past their deadline: deadlines are enforced
// within this much of their time.
constexpr std::chrono::milliseconds kSweepInterval{250};

// The whole answer to a connection beyond max_connections.
const std::string kTooManyConnections = [] {
  const std::string body = R"({"message":"Too many connections"})";
  return "HTTP/1.1 503 Service Unavailable\r\nServer: obauth\r\nContent-Type: "
         "application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}();

}  // namespace

class Session;

// One I/O thread's share of the server: its event loop and the connections bound to it. A
// connection lives on one I/O thread from accept to close, so its handlers never run
// concurrently and need no strand; `sessions` is touched on that thread only.
struct IoThread {
  asio::io_context ioc{1};
  asio::steady_timer sweeper{ioc};
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  // Responses made during this pass of the event loop, written together after it (SendUnsent).
  std::vector<std::shared_ptr<Session>> unsent;
};

void SendUnsent(IoThread& thread);

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, std::shared_ptr<spdlog::logger> l)
      : options(std::move(o)),
        log(std::move(l)),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        io(static_cast<std::size_t>(std::max(1, options.io_threads))),
        acceptor(io.front().ioc),
        accept_pause(io.front().ioc),
        grace_timer(io.front().ioc) {
    auto prefix = crypto::RandomBytes(4);
    request_prefix = prefix ? crypto::ToHex(*prefix) : "0";
  }

  void Accept();
  void Refuse(Socket socket);
  void Sweep(IoThread& thread);
  void Unregister(IoThread& thread, std::uint64_t id);
  void BeginShutdown();
  // A new id, "PREFIX:N": a form no client's X-Request-Id can take (IsSafeRequestId allows no
  // ':'), so that a client can never make its request, in the log or the audit trail, look like
  // another one the server named.
  std::string NextRequestId() { return request_prefix + ":" + std::to_string(++request_counter); }

  const Router* router = nullptr;  // set by Run() before the first accept
  const ServerOptions options;
  std::shared_ptr<spdlog::logger> log;
  asio::thread_pool workers;
  std::vector<IoThread> io;
  tcp::acceptor acceptor;                  // on io[0]
  asio::steady_timer accept_pause;         // on io[0]: after a failed accept (out of descriptors)
  asio::steady_timer grace_timer;          // on io[0]
  SteadyClock::time_point refusal_logged;  // io[0] only
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> live_sessions{0};
  std::uint64_t next_session = 0;  // io[0] only (accept handler)
  std::size_t next_thread = 0;     // io[0] only
  std::string request_prefix;
  std::atomic<std::uint64_t> request_counter{0};
};

// One connection: reads a request, answers it (inline when it can be answered from memory,
// otherwise on the worker pool), writes the response, repeats while keep-alive holds.
// Deadlines: a connection waiting for a request closes after idle_timeout; once a request's
// first byte is there, the whole request must arrive within request_timeout, and the response
// must be written within it too. The I/O thread's sweeper notices the first byte and closes
// connections past their deadline. No deadline runs while the router works.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, std::shared_ptr<Server::Impl> server, IoThread& thread, std::uint64_t id)
      : socket_(std::move(socket)), server_(std::move(server)), thread_(thread), id_(id) {
    beast::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) peer_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    // What is read but not yet parsed: a request's head, or a chunk line or trailer section,
    // which the parser needs whole. Beast's header limit does not count the last two, so this
    // bound is what keeps a chunk line that never ends from growing the connection.
    buffer_.max_size(server_->options.max_header_bytes + kReadSlackBytes);
  }
  ~Session() { server_->Unregister(thread_, id_); }

  void Start() { Read(); }

  // Closes the connection now, whatever it was doing (the server is being destroyed).
  void Abort() { Close(); }

  // Called by the sweeper on this connection's thread.
  void CloseIfExpired(SteadyClock::time_point now) {
    if (idle_ && Receiving()) {
      idle_ = false;
      deadline_ = now + server_->options.request_timeout;
    }
    if (now >= deadline_) Close();
  }

  // Part of a graceful shutdown, on this connection's thread: a connection waiting for its next
  // request is closed now; one with a request in flight closes after writing the response. A
  // request counts as in flight from its first byte (parsed, buffered, or still in the socket),
  // not only once complete: otherwise a client caught mid-upload loses its request.
  void CloseIfIdle() {
    if (!busy_ && !Receiving()) Close();
  }

 private:
  // Some of a request is here: parsed, buffered, or still in the socket.
  bool Receiving() {
    beast::error_code ec;
    return buffer_.size() > 0 || (parser_ && parser_->got_some()) || socket_.available(ec) > 0;
  }

  void Read() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->on_chunk_header(on_chunk_header_);
    fields_before_trailer_.reset();
    // A pipelined request may already be in the buffer.
    idle_ = buffer_.size() == 0;
    deadline_ = SteadyClock::now() +
                (idle_ ? server_->options.idle_timeout : server_->options.request_timeout);
    bh::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    const auto& options = server_->options;
    if (ec == bh::error::body_limit) {
      return Reject(MakeError(
          ErrorCode::kBodyTooLarge,
          "Request body larger than " + std::to_string(options.max_body_bytes) + " bytes"));
    }
    if (ec == bh::error::header_limit ||
        (ec == bh::error::buffer_overflow && !parser_->is_header_done())) {
      return Reject(MakeError(ErrorCode::kHeadTooLarge,
                              "Request line and headers larger than " +
                                  std::to_string(options.max_header_bytes) + " bytes"));
    }
    if (ec == bh::error::buffer_overflow) {
      return Reject(MakeError(ErrorCode::kHeadTooLarge,
                              "A chunk line or the trailer section larger than " +
                                  std::to_string(options.max_header_bytes) + " bytes"));
    }
    if (ec && &ec.category() == &bh::make_error_code(bh::error::end_of_stream).category() &&
        ec != bh::error::end_of_stream && ec != bh::error::partial_message) {
      return Reject(MakeError(ErrorCode::kMalformedHttp, "Malformed HTTP request", ec.message()));
    }
    if (ec) return Close();  // closed by the peer, timed out, or cancelled by shutdown
    // Beast adds trailer fields to the header fields: a field no proxy saw in the header
    // section (Authorization, Content-Type) must not count as one.
    if (fields_before_trailer_ && FieldCount(parser_->get()) != *fields_before_trailer_) {
      return Reject(MakeError(ErrorCode::kMalformedHttp,
                              "Trailer fields are not accepted: send every field in the header "
                              "section"));
    }

    busy_ = true;
    started_ = SteadyClock::now();
    deadline_ = SteadyClock::time_point::max();
    request_ = parser_->release();
    request_id_ = server_->NextRequestId();
    client_request_id_ = ClientRequestId(request_);
    if (server_->log->should_log(spdlog::level::debug)) {
      server_->log->debug("request id={}{}{} {}", request_id_,
                          client_request_id_.empty() ? "" : " client_request_id=",
                          client_request_id_, DescribeRequestForLog(request_));
    }
    // Requests usually answered from memory run right here; one that turns out to need the
    // database (or any other) goes to the worker pool, so no I/O thread waits on disk.
    if (Router::WorthTryingInline(request_)) {
      Routed routed;
      {
        store::NonBlockingScope no_blocking;
        routed = server_->router->Handle(request_, {PublicRequestId(), peer_, request_id_});
      }
      if (!routed.would_block) return Respond(std::move(routed));
    }
    // The work guard keeps this I/O thread's loop running while the worker holds the request.
    asio::post(server_->workers, [self = shared_from_this(),
                                  work = asio::make_work_guard(socket_.get_executor())]() mutable {
      self->routed_ = self->server_->router->Handle(
          self->request_, {self->PublicRequestId(), self->peer_, self->request_id_});
      const auto executor = self->socket_.get_executor();
      asio::post(executor, [self = std::move(self)]() { self->Respond(std::move(self->routed_)); });
    });
  }

  void Respond(Routed routed) {
    response_ = std::move(routed.response);
    stream_ = std::move(routed.stream);
    constant_body_ = routed.constant_body;
    // An HTTP/1.0 client cannot read chunks: its streamed body ends when the connection closes.
    const bool keep_alive =
        request_.keep_alive() && !server_->stopping && !(stream_ && request_.version() < 11);
    Finish(request_.method_string(), routed.route, routed.note, keep_alive, request_.version());
  }

  // Answers a request that could not be read, then closes the connection. Its body is in the
  // error format of the path once the request line has been parsed (the token endpoint's
  // refusals are RFC 6749 errors), else the admin API's {"message"}.
  void Reject(const Error& error) {
    busy_ = true;
    started_ = SteadyClock::now();
    request_id_ = server_->NextRequestId();
    client_request_id_.clear();
    // The parser stores the target as soon as it has read the request line.
    const std::string_view target = parser_ ? std::string_view(parser_->get().target()) : "";
    const ErrorFormat format =
        target.empty() ? ErrorFormat::kMessage : Router::ErrorFormatOf(target);
    Routed refused = FormattedError(format, error, "unreadable");
    response_ = std::move(refused.response);
    if (format == ErrorFormat::kFdx) SetFdxHeaders(response_, request_id_, request_id_);
    linger_ = true;
    Finish("-", refused.route, refused.note, false, 11);
  }

  void Finish(std::string_view method, std::string_view route, const std::string& note,
              bool keep_alive, unsigned version) {
    SetCommonHeaders(response_, PublicRequestId());
    response_.version(version);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    if (!constant_body_.empty()) response_.content_length(constant_body_.size());
    const bool chunked = stream_ && version >= 11;
    if (stream_) {
      response_.erase(bh::field::content_length);
      if (chunked) response_.set(bh::field::transfer_encoding, "chunked");
    }
    keep_alive_ = keep_alive;
    const auto now = SteadyClock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - started_).count();
    const int status = static_cast<int>(response_.result_int());
    if (server_->options.metrics) server_->options.metrics->RecordRequest(route, status, ms / 1000);
    const auto level = status >= 500 ? spdlog::level::err : spdlog::level::info;
    server_->log->log(
        level, "request id={}{}{} method={} route={} status={} duration_ms={:.3f} peer={}{}{}",
        request_id_, client_request_id_.empty() ? "" : " client_request_id=", client_request_id_,
        ForLog(method), route, status, ms, peer_,
        note.empty() ? "" : " note=", ForLog(note, 2 * kMaxLoggedBytes));
    SerializeHead(response_, out_);
    chunked_ = chunked;
    body_ = constant_body_.empty() ? std::string_view(response_.body()) : constant_body_;
    end_of_body_ = "";
    if (chunked && !body_.empty()) {
      AppendChunkSize(body_.size(), out_);
      end_of_body_ = "\r\n";
    }
    Write();
  }

  // Writes out_ (a head, or a chunk's size line), then body_ where it is (never copied), then
  // end_of_body_, in one gathered write within request_timeout. Not at once: the responses made
  // while the loop works through the requests that one poll found ready go out one after the
  // other once it is done, so that a client waiting on several connections is woken once for
  // them all, not once for each (on loopback a wake-up costs the sender more than the write).
  void Write() {
    deadline_ = SteadyClock::now() + server_->options.request_timeout;
    if (thread_.unsent.empty())
      asio::post(thread_.ioc, [&thread = thread_] { SendUnsent(thread); });
    thread_.unsent.push_back(shared_from_this());
  }

  // The write itself, by SendUnsent once the pass is over.
  friend void SendUnsent(IoThread& thread);
  void Send() {
    const std::array<asio::const_buffer, 3> buffers{
        asio::buffer(out_), asio::buffer(body_.data(), body_.size()),
        asio::buffer(end_of_body_.data(), end_of_body_.size())};
    asio::async_write(
        socket_, buffers,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  // A streamed body's next piece, made on a worker (it may read the database), written here.
  void NextPiece() {
    asio::post(server_->workers, [self = shared_from_this(),
                                  work = asio::make_work_guard(socket_.get_executor())]() mutable {
      Result<std::optional<std::string>> piece = std::optional<std::string>();
      try {
        piece = self->stream_->Next();
      } catch (const std::exception& e) {
        piece = InternalError(e.what());
      }
      const auto executor = self->socket_.get_executor();
      asio::post(executor, [self = std::move(self), piece = std::move(piece)]() mutable {
        self->WritePiece(std::move(piece));
      });
    });
  }

  // Ends a streamed body (sent, or given up). Its pieces were made on the workers, whose glibc
  // arenas keep what they freed: give it back to the system, off this connection's thread, so
  // the server returns to its idle size after a burst of long lists.
  void EndStream() {
    if (!stream_) return;
    stream_.reset();
    asio::post(server_->workers, [] { malloc_trim(0); });
  }

  void WritePiece(Result<std::optional<std::string>> piece) {
    if (!piece) {
      // The head went out with 200: all that is left is to stop, visibly incomplete.
      server_->log->warn("request id={} streamed response ended early: {}", request_id_,
                         piece.error().internal);
      EndStream();
      busy_ = false;
      return Close();
    }
    out_.clear();
    end_of_body_ = "";
    if (!*piece) {
      EndStream();
      if (!chunked_) {  // HTTP/1.0: the close ends the body
        busy_ = false;
        return Close();
      }
      out_ = "0\r\n\r\n";
    } else {
      piece_ = std::move(**piece);
      if (chunked_) {
        AppendChunkSize(piece_.size(), out_);
        end_of_body_ = "\r\n";
      }
    }
    body_ = piece_;
    Write();
  }

  void OnWrite(beast::error_code ec) {
    if (!ec && stream_) {
      ReleaseWritten();  // not kept while the next piece is made and sent
      return NextPiece();
    }
    EndStream();
    busy_ = false;
    ReleaseAnswer();
    if (!ec && linger_) return Linger();
    if (ec || !keep_alive_) return Close();
    Read();
  }

  // After refusing a request whose rest is still arriving (a body over the limit): stop sending
  // and read and drop what comes for up to 2 s or 1 MiB before closing. Closing at once would
  // reset the connection, and the client could lose the answer it has not read yet.
  void Linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    deadline_ = SteadyClock::now() + std::chrono::seconds(2);
    DrainSome(0);
  }
  void DrainSome(std::size_t drained) {
    if (drained > (1u << 20)) return Close();
    scratch_.resize(16 * 1024);
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this(), drained](
                                                        beast::error_code ec, std::size_t n) {
      if (ec) return self->Close();
      self->DrainSome(drained + n);
    });
  }

  // The id the client sees (X-Request-Id) and the audit trail records: its own when it sent a
  // safe one (the log line shows both), else the generated one.
  const std::string& PublicRequestId() const {
    return client_request_id_.empty() ? request_id_ : client_request_id_;
  }

  // Frees the body just written (the head's or a piece's).
  void ReleaseWritten() {
    body_ = {};
    FreeAll(response_.body());
    FreeAll(piece_);
  }

  // Frees what the request and its answer held once the answer is written: a connection
  // waiting for its next request (or for a slow reader to drain the socket) keeps little.
  void ReleaseAnswer() {
    ReleaseWritten();
    constant_body_ = {};
    FreeAll(request_);
    FreeAll(response_);
    if (out_.capacity() > kKeptBufferBytes) FreeAll(out_);
    if (buffer_.size() == 0 && buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  }

  void Close() {
    deadline_ = SteadyClock::time_point::max();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  static std::size_t FieldCount(const Request& request) {
    return static_cast<std::size_t>(std::distance(request.begin(), request.end()));
  }

  Socket socket_;
  beast::flat_buffer buffer_;
  std::optional<bh::request_parser<bh::string_body>> parser_;
  // The header fields a chunked request had when its last chunk came, before its trailer.
  std::optional<std::size_t> fields_before_trailer_;
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_header_ =
      [this](std::uint64_t size, beast::string_view, beast::error_code&) {
        if (size == 0) fields_before_trailer_ = FieldCount(parser_->get());
      };
  Request request_;
  Routed routed_;  // written by a worker, read back on this connection's thread
  Response response_;
  std::shared_ptr<BodyStream> stream_;  // the rest of response_'s body, while it is being sent
  bool chunked_ = false;                // response_'s body goes in chunks
  std::string_view constant_body_;      // response_'s body when it lives in the program
  std::string out_;                     // the head, or a chunk's size line, being written
  std::string piece_;                   // the piece of a streamed body being written
  std::string_view body_;               // what follows out_: response_'s body or piece_
  std::string_view end_of_body_;        // "\r\n" after a chunk
  std::string scratch_;                 // bytes dropped while lingering
  std::shared_ptr<Server::Impl> server_;
  IoThread& thread_;
  const std::uint64_t id_;
  std::string peer_;
  std::string request_id_;         // generated, unique: the log's id=
  std::string client_request_id_;  // the request's own safe X-Request-Id, or ""
  SteadyClock::time_point started_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  bool busy_ = false;
  bool idle_ = false;    // waiting for a request's first byte
  bool linger_ = false;  // drain the connection after the response (Reject)
  bool keep_alive_ = false;
};

void Server::Impl::Accept() {
  IoThread& target = io[next_thread++ % io.size()];
  acceptor.async_accept(target.ioc.get_executor(), [self = shared_from_this(), &target](
                                                       beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || self->stopping) return;
    if (!ec && self->live_sessions >= self->options.max_connections) {
      self->Refuse(std::move(socket));
    } else if (!ec) {
      const std::uint64_t id = ++self->next_session;
      ++self->live_sessions;
      if (self->options.metrics) self->options.metrics->ConnectionOpened();
      // The connection is registered and started on its own I/O thread.
      asio::post(target.ioc, [self, &target, id, socket = std::move(socket)]() mutable {
        auto session = std::make_shared<Session>(std::move(socket), self, target, id);
        target.sessions.emplace(id, session);
        session->Start();
      });
    } else {
      // Out of file descriptors, most likely: pause instead of retrying in a tight loop.
      self->log->warn("accept failed: {}; pausing 100 ms", ec.message());
      self->accept_pause.expires_after(std::chrono::milliseconds(100));
      self->accept_pause.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopping) self->Accept();
      });
      return;
    }
    self->Accept();
  });
}

void Server::Impl::Refuse(Socket socket) {
  if (options.metrics) options.metrics->ConnectionRefused();
  const auto now = SteadyClock::now();
  if (now - refusal_logged >= std::chrono::seconds(10)) {
    refusal_logged = now;
    log->warn("refusing connections: {} open (--max-connections)", live_sessions.load());
  }
  auto refused = std::make_shared<Socket>(std::move(socket));
  asio::async_write(*refused, asio::buffer(kTooManyConnections),
                    [refused](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      refused->shutdown(tcp::socket::shutdown_both, ignored);
                      refused->close(ignored);
                    });
}

void SendUnsent(IoThread& thread) {
  auto batch = std::move(thread.unsent);
  thread.unsent.clear();
  for (const auto& session : batch) session->Send();
}

void Server::Impl::Sweep(IoThread& thread) {
  thread.sweeper.expires_after(kSweepInterval);
  thread.sweeper.async_wait([self = shared_from_this(), &thread](beast::error_code ec) {
    if (ec) return;  // cancelled: the server has stopped and this thread has no connections
    const auto now = SteadyClock::now();
    std::vector<std::shared_ptr<Session>> live;
    live.reserve(thread.sessions.size());
    for (auto& [id, weak] : thread.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->CloseIfExpired(now);
    if (self->stopping && thread.sessions.empty()) return;
    self->Sweep(thread);
  });
}

void Server::Impl::Unregister(IoThread& thread, std::uint64_t id) {
  thread.sessions.erase(id);
  if (options.metrics) options.metrics->ConnectionClosed();
  if (stopping && thread.sessions.empty()) thread.sweeper.cancel();
  // The last connection gone during a shutdown: nothing is left to wait for.
  if (--live_sessions == 0 && stopping) {
    asio::post(io.front().ioc, [self = shared_from_this()] { self->grace_timer.cancel(); });
  }
}

void Server::Impl::BeginShutdown() {
  asio::post(io.front().ioc, [self = shared_from_this()] {
    if (self->stopping.exchange(true)) return;
    beast::error_code ignored;
    self->acceptor.close(ignored);
    for (auto& thread : self->io) {
      asio::post(thread.ioc, [self, &thread] {
        std::vector<std::shared_ptr<Session>> live;
        for (auto& [id, weak] : thread.sessions) {
          if (auto s = weak.lock()) live.push_back(std::move(s));
        }
        for (auto& s : live) s->CloseIfIdle();
        if (thread.sessions.empty()) thread.sweeper.cancel();
      });
    }
    if (self->live_sessions == 0) return;
    self->grace_timer.expires_after(self->options.shutdown_grace);
    self->grace_timer.async_wait([self](beast::error_code ec) {
      if (ec) return;  // cancelled: every connection finished in time
      self->log->warn("shutdown grace period over; closing remaining connections");
      for (auto& thread : self->io) thread.ioc.stop();
    });
  });
}

Server::Server(ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(log))) {}

Server::~Server() {
  for (auto& thread : impl_->io) thread.ioc.stop();
  impl_->workers.join();
  // Handlers still queued on the stopped loops (a timer's wait, an accept, a connection's read,
  // a response a worker posted back after the loop stopped) hold the Impl, which holds the loops:
  // a cycle that would outlive the server. Cancel what waits and run the queues dry once more, on
  // this thread (every other has ended), so the last reference goes with them.
  impl_->stopping = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->accept_pause.cancel();
  impl_->grace_timer.cancel();
  for (int round = 0; round < 3; ++round) {  // a handler on one loop may post to another
    for (auto& thread : impl_->io) {
      thread.sweeper.cancel();
      std::vector<std::shared_ptr<Session>> live;  // closing may end a session: not while iterating
      for (const auto& [id, weak] : thread.sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
      for (const auto& session : live) session->Abort();
      live.clear();
      thread.ioc.restart();
      thread.ioc.poll();
      thread.unsent.clear();
    }
  }
}

Result<std::string> Server::Listen() {
  const auto& o = impl_->options;
  const std::string where = o.host + ":" + std::to_string(o.port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->io.front().ioc);
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
  for (auto& thread : impl_->io) impl_->Sweep(thread);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->io.size(); ++i) {
    threads.emplace_back([this, i] { impl_->io[i].ioc.run(); });
  }
  impl_->io.front().ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers.join();
}

void Server::Shutdown() { impl_->BeginShutdown(); }

}  // namespace obauth::http
