#include "consent/transaction.hpp"

#include <charconv>
#include <string>

#include "core/numbers.hpp"

namespace obauth::consent {
namespace {

void Put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out.push_back(':');
  out += field;
}

std::optional<std::string_view> Take(std::string_view& in) {
  const auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 6) return std::nullopt;
  std::size_t length = 0;
  const auto [end, ec] = std::from_chars(in.data(), in.data() + colon, length);
  if (ec != std::errc{} || end != in.data() + colon || length > in.size() - colon - 1) {
    return std::nullopt;
  }
  const std::string_view field = in.substr(colon + 1, length);
  in.remove_prefix(colon + 1 + length);
  return field;
}

}  // namespace

std::string EncodeTransaction(const Transaction& t) {
  std::string out;
  for (std::string_view field :
       {std::string_view(t.client_id), std::string_view(t.redirect_uri), std::string_view(t.state),
        std::string_view(t.scope), std::string_view(t.code_challenge),
        std::string_view(t.customer_id), std::string_view(t.session_digest),
        std::string_view(t.upstream_verifier)}) {
    Put(out, field);
  }
  Put(out, std::to_string(t.provider_id));
  Put(out, t.language == Language::kFrench ? "fr" : "en");
  Put(out, std::to_string(t.expires_at));
  return out;
}

std::optional<Transaction> DecodeTransaction(std::string_view in) {
  Transaction t;
  for (std::string* field : {&t.client_id, &t.redirect_uri, &t.state, &t.scope, &t.code_challenge,
                             &t.customer_id, &t.session_digest, &t.upstream_verifier}) {
    const auto value = Take(in);
    if (!value) return std::nullopt;
    *field = std::string(*value);
  }
  const auto provider = Take(in);
  const auto language = Take(in);
  const auto expires = Take(in);
  if (!provider || !language || !expires || !in.empty()) return std::nullopt;
  const auto provider_id = ParseInt64(*provider);
  const auto expires_at = ParseInt64(*expires);
  if (!provider_id || !expires_at) return std::nullopt;
  t.provider_id = *provider_id;
  t.language = *language == "fr" ? Language::kFrench : Language::kEnglish;
  t.expires_at = *expires_at;
  return t;
}

}  // namespace obauth::consent
