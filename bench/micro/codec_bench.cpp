// Request decoding at the HTTP edge: form bodies, Basic credentials, JSON recipient bodies.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_world.hpp"
#include "http/form.hpp"
#include "http/json_codec.hpp"

namespace obauth::bench {
namespace {

// A client_secret_post token request body of the usual size (ids and secrets as obauth issues).
std::string PostBody() {
  const auto& world = BenchWorld::Get();
  return "grant_type=client_credentials&scope=ACCOUNT_BASIC&client_id=" + world.recipient_id +
         "&client_secret=" + world.recipient_secret;
}

void BM_ParseForm_TokenPostBody(benchmark::State& state) {
  const std::string body = PostBody();
  for (auto _ : state) {
    auto form = http::ParseForm(body);
    benchmark::DoNotOptimize(form);
  }
  state.SetLabel(std::to_string(body.size()) + " B");
}
BENCHMARK(BM_ParseForm_TokenPostBody);

void BM_ParseForm_TokenBasicBody(benchmark::State& state) {
  const std::string body = "grant_type=client_credentials";
  for (auto _ : state) {
    auto form = http::ParseForm(body);
    benchmark::DoNotOptimize(form);
  }
}
BENCHMARK(BM_ParseForm_TokenBasicBody);

void BM_ParseBasicAuth(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const std::string header = BasicHeader(world.recipient_id, world.recipient_secret);
  for (auto _ : state) {
    bool basic = http::HasAuthScheme(header, "Basic");
    auto credentials = http::ParseBasicAuth(header);
    benchmark::DoNotOptimize(basic);
    benchmark::DoNotOptimize(credentials);
  }
}
BENCHMARK(BM_ParseBasicAuth);

// The README's create body: every documented field.
void BM_DecodeRecipientInput(benchmark::State& state) {
  const std::string body =
      R"({"name": "Flinks Fake", "scope": ["ACCOUNT_BASIC", "TRANSACTIONS"],)"
      R"( "redirect_uris": ["https://flinks.fake.com/callback"], "country": "CA",)"
      R"( "logo_uri": "https://flinks.fake.com/logo.png", "description": "A data recipient",)"
      R"( "contacts": [{"email": "john.doe@flinks.fake.com"}]})";
  if (!http::DecodeRecipientInput(body, {true, {}})) {
    state.SkipWithError("body rejected");
    return;
  }
  for (auto _ : state) {
    auto input = http::DecodeRecipientInput(body, {true, {}});
    benchmark::DoNotOptimize(input);
  }
  state.SetLabel(std::to_string(body.size()) + " B");
}
BENCHMARK(BM_DecodeRecipientInput);

// A token request with a JSON body (the shape the Flinks pages show).
void BM_DecodeJsonParams_TokenBody(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const std::string body = R"({"grant_type":"client_credentials","client_id":")" +
                           world.recipient_id + R"(","client_secret":")" + world.recipient_secret +
                           R"("})";
  const std::vector<std::string_view> names{"grant_type", "scope", "client_id", "client_secret"};
  for (auto _ : state) {
    auto params = http::DecodeJsonParams(body, names);
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK(BM_DecodeJsonParams_TokenBody);

void BM_EncodeToken(benchmark::State& state) {
  const auto& world = BenchWorld::Get();
  const oauth::IssuedToken issued{world.partner_id, world.partner_token, kTokenTtl, "client:admin",
                                  std::nullopt};
  for (auto _ : state) {
    auto body = http::EncodeToken(issued);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_EncodeToken);

}  // namespace
}  // namespace obauth::bench
