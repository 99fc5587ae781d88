// The pure route functions (Router::Handle, no socket) against a real SqliteStore in a
// temporary directory: what one request costs in-process, before the HTTP edge, thread
// hand-offs and logging of the server are added. Also the store reads behind them.
#include <benchmark/benchmark.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>

#include "bench_world.hpp"

namespace obauth::bench {
namespace {

namespace bh = boost::beast::http;

http::Request Make(bh::verb verb, std::string_view target, std::string body = {},
                   std::string_view content_type = {}) {
  http::Request req{verb, target, 11};
  req.set(bh::field::host, "127.0.0.1:8080");
  if (!content_type.empty()) req.set(bh::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

const http::RequestContext kContext{"bench-1", "127.0.0.1:40000", "bench-1"};

void Run(benchmark::State& state, const http::Request& req, unsigned expect) {
  const auto& router = *BenchWorld::Get().router;
  const auto first = router.Handle(req, kContext);
  if (first.response.result_int() != expect) {
    state.SkipWithError(("unexpected status " + std::to_string(first.response.result_int()) + ": " +
                         first.response.body())
                            .c_str());
    return;
  }
  for (auto _ : state) {
    auto routed = router.Handle(req, kContext);
    benchmark::DoNotOptimize(routed);
  }
}

void BM_Router_TokenBasic(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  http::Request req = Make(bh::verb::post, "/api/v1/token", "grant_type=client_credentials",
                           "application/x-www-form-urlencoded");
  req.set(bh::field::authorization, BasicHeader(world.recipient_id, world.recipient_secret));
  Run(state, req, 200);
}
BENCHMARK(BM_Router_TokenBasic);

void BM_Router_TokenPost(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const http::Request req = Make(bh::verb::post, "/api/v1/token",
                                 "grant_type=client_credentials&client_id=" + world.recipient_id +
                                     "&client_secret=" + world.recipient_secret,
                                 "application/x-www-form-urlencoded");
  Run(state, req, 200);
}
BENCHMARK(BM_Router_TokenPost);

void BM_Router_AdminGetRecipient(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  http::Request req = Make(bh::verb::get, "/api/v1/recipients/" + world.recipient_id);
  req.set(bh::field::authorization, "Bearer " + world.partner_token);
  Run(state, req, 200);
}
BENCHMARK(BM_Router_AdminGetRecipient);

// A durable write per iteration (SQLite WAL, synchronous=FULL: one fsync per commit), so this
// measures the disk as much as the code. Rotates a recipient no other benchmark uses.
void BM_Router_RotateSecret(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  http::Request req = Make(bh::verb::post, "/api/v1/recipients/" + world.rotated_id + "/secret");
  req.set(bh::field::authorization, "Bearer " + world.partner_token);
  Run(state, req, 200);
}
BENCHMARK(BM_Router_RotateSecret)->Unit(benchmark::kMicrosecond);

// The store reads behind the routes above.
void BM_Store_FindClient(benchmark::State& state) {
  auto& world = BenchWorld::Get();
  for (auto _ : state) {
    auto client = world.sqlite->FindClient(world.recipient_id);
    benchmark::DoNotOptimize(client);
  }
}
BENCHMARK(BM_Store_FindClient);

void BM_Store_GetRecipient(benchmark::State& state) {
  auto& world = BenchWorld::Get();
  const std::int64_t now = world.clock.NowSeconds();
  for (auto _ : state) {
    auto recipient = world.sqlite->GetRecipient(world.partner_id, world.recipient_id, now);
    benchmark::DoNotOptimize(recipient);
  }
}
BENCHMARK(BM_Store_GetRecipient);

}  // namespace
}  // namespace obauth::bench
