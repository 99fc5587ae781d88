// Transaction: the consent flow's state between the browser's pages, and its text form (the
// plaintext that AuthorizeService seals into the pages' hidden field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace obauth::consent {

enum class Language { kEnglish, kFrench };

// The flow's state between the browser's pages.
struct Transaction {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string scope;  // canonical, space-separated
  std::int64_t provider_id = 0;
  std::string code_challenge;  // PKCE S256; empty: none
  Language language = Language::kEnglish;
  std::string customer_id;  // empty until the customer signed in
  std::int64_t expires_at = 0;
  std::string session_digest;  // SHA-256 of the browser's session cookie
  // Through an fdx connector: the PKCE verifier of obauth's authorization request at the
  // provider (the sealed transaction is that request's `state`); empty otherwise.
  std::string upstream_verifier;
};

// Length-prefixed fields ("<decimal length>:<bytes>" each, in a fixed order): any bytes in any
// field read back as they were written.
std::string EncodeTransaction(const Transaction& t);
// nullopt unless `text` is exactly what EncodeTransaction writes.
std::optional<Transaction> DecodeTransaction(std::string_view text);

}  // namespace obauth::consent
