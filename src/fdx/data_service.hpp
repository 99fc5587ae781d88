// DataService: the FDX data endpoints (reference §10) for a connection's access token — the
// customer, the consented accounts, their transactions, payment networks and statements — with
// the rules of docs/fdx.md: only the accounts the customer chose are visible (others are
// kAccountNotFound, and absent from lists), each resource needs its scope in the token
// (kNotConsented otherwise), lists are paged with an opaque offset, and a revoked connection is
// kNotConsented. The sandbox institution's answers are computed from consent/sandbox.hpp and its
// ledger; nothing is stored. Plain values in and out; the HTTP edge (http/fdx_routes.cpp) reads
// the request and writes the answer. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "consent/connector.hpp"
#include "consent/upstream.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fdx/rate_limit.hpp"
#include "store/connection_store.hpp"
#include "store/provider_store.hpp"

namespace obauth::fdx {

enum class Resource {
  kCustomer,         // GET /customers/current
  kAccounts,         // GET /accounts
  kAccount,          // GET /accounts/{accountId}
  kTransactions,     // GET /accounts/{accountId}/transactions
  kPaymentNetworks,  // GET /accounts/{accountId}/payment-networks
  kStatements,       // GET /accounts/{accountId}/statements
  kStatement,        // GET /accounts/{accountId}/statements/{statementId}
};

// The query parameters `resource` takes; any other is refused by the HTTP edge.
std::span<const std::string_view> ParametersOf(Resource resource);

// Lists: `limit` items a page unless the request asks for fewer (1 to kMaxLimit).
inline constexpr std::int64_t kDefaultLimit = 100;
inline constexpr std::int64_t kMaxLimit = 500;

struct DataRequest {
  Resource resource = Resource::kAccounts;
  std::string_view connection_id;             // the access token's connection
  std::string_view scope;                     // the access token's scopes, space-separated
  std::string_view account_id;                // the path's, for the resources of one account
  std::string_view statement_id;              // the path's, for kStatement
  std::map<std::string, std::string> params;  // the query's, each given once
  std::string_view accept;                    // the Accept header, "" when none was sent
  std::string_view base_url;                  // "{issuer}/api/fdx/5": links are absolute
  std::string_view target;  // the request's path after /api/fdx/5 and its query, as received
};

struct DataResponse {
  std::string content_type;  // "application/json" or, for a statement, "application/pdf"
  std::string body;
  std::string filename;  // a statement's file name (Content-Disposition), else ""
  // Through an fdx connector, the provider's answer passes on as it came: its status (a §9.2
  // error too), Retry-After and WWW-Authenticate.
  int status = 200;
  std::string retry_after;
  std::string challenge;
};

class DataService {
 public:
  // The stores and the clock must outlive the service; `connections` should answer from memory
  // (CachingStore). Today is the clock's day in UTC.
  // At most `requests_per_minute` requests per connection (0: no limit).
  // `upstream` (nullable) reaches the providers behind an fdx connector.
  DataService(store::ConnectionStore& connections, store::ProviderStore& providers,
              const Clock& clock, std::int64_t requests_per_minute,
              const consent::Upstream* upstream = nullptr)
      : connections_(connections),
        providers_(providers),
        clock_(clock),
        limiter_(requests_per_minute, 60),
        upstream_(upstream) {}

  // The answer to `request`. Errors: kConnectionRevoked (revoked or unknown connection),
  // kNotConsented (the resource's scope is not in the token), kAccountNotFound, kCustomerNotFound,
  // kNotFound (no such statement), kInvalidDate / kInvalidDateRange (startTime, endTime),
  // kValidation (limit, offset, resultType, accountIds), kNotAcceptable (a statement in a type the
  // Accept header does not allow), kTooManyAttempts (past the connection's rate limit, with
  // retry_after_seconds), kNotSupported (the provider has no FDX data), or the stores'
  // failures.
  [[nodiscard]] Result<DataResponse> Handle(const DataRequest& request) const;

 private:
  // A catalogue entry's connector, read again after kProviderCacheSeconds (a change of
  // connector reaches the data endpoints within that time); nullptr: none.
  static constexpr std::int64_t kProviderCacheSeconds = 10;
  struct CachedConnector {
    const consent::Connector* connector = nullptr;
    std::shared_ptr<const consent::FdxConnector> fdx;  // set for an fdx connector
    std::int64_t until = 0;
  };
  Result<CachedConnector> ConnectorOf(std::int64_t provider_id, std::int64_t now) const;

  // Through an fdx connector (upstream_data.cpp): the provider's answer to the request, and the
  // connection's provider tokens, refreshed when they expire (or when `force`d) and stored.
  Result<DataResponse> Forward(const DataRequest& request, const store::Connection& connection,
                               const consent::FdxConnector& connector) const;
  Result<consent::UpstreamTokens> FreshTokens(const store::Connection& connection,
                                              const consent::FdxConnector& connector,
                                              bool force) const;

  // A customer's accounts at a provider, with each one's lightweight JSON, read again after
  // kProviderCacheSeconds like the connector.
  struct Holdings {
    std::vector<consent::AccountSummary> accounts;
    std::vector<std::string> lightweight;  // accounts[i]'s
    std::int64_t until = 0;
    const std::string& Lightweight(std::string_view account_id) const;
  };
  Result<std::shared_ptr<const Holdings>> HoldingsOf(const consent::Connector& connector,
                                                     std::int64_t provider_id,
                                                     std::string_view customer_id,
                                                     std::int64_t now) const;

  store::ConnectionStore& connections_;
  store::ProviderStore& providers_;
  const Clock& clock_;
  mutable ConnectionRateLimiter limiter_;
  const consent::Upstream* upstream_;
  // The lock of a connection's refresh, shared by those waiting for it (refresh_gates_ holds an
  // entry while anyone does).
  std::shared_ptr<std::mutex> RefreshGate(const std::string& connection_id) const;
  mutable std::mutex refresh_mu_;
  mutable std::unordered_map<std::string, std::weak_ptr<std::mutex>> refresh_gates_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::int64_t, CachedConnector> connectors_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Holdings>> holdings_;
};

}  // namespace obauth::fdx
