#include "fdx/data_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "consent/sandbox.hpp"
#include "core/json_text.hpp"
#include "core/numbers.hpp"
#include "core/scopes.hpp"
#include "fdx/fdx_json.hpp"
#include "fdx/sandbox_data.hpp"
#include "store/non_blocking_scope.hpp"

namespace obauth::fdx {
namespace json = boost::json;
using consent::AccountSummary;
using consent::Day;

namespace {

constexpr std::string_view kJson = "application/json";

DataResponse JsonAnswer(const json::value& v) {
  DataResponse out;
  out.content_type = kJson;
  AppendFdxJson(out.body, v);
  return out;
}

// `scopes`: the token's, split once per request (SplitScopes).
bool HasScope(const std::vector<std::string>& scopes, std::string_view wanted) {
  return std::find(scopes.begin(), scopes.end(), wanted) != scopes.end();
}

Error NotConsented(std::string_view scope) {
  return MakeError(ErrorCode::kNotConsented,
                   "The customer did not consent to " + std::string(scope) + " for this connection",
                   "scope " + std::string(scope) + " not in the token");
}

// The scope each resource needs (kCustomer: either of two, checked apart).
std::string_view ScopeOf(Resource resource) {
  switch (resource) {
    case Resource::kTransactions:
      return "TRANSACTIONS";
    case Resource::kPaymentNetworks:
      return "ACCOUNT_PAYMENTS";
    case Resource::kStatements:
    case Resource::kStatement:
      return "STATEMENTS";
    default:
      return kMandatoryDataScope;
  }
}

std::string_view Param(const DataRequest& request, const std::string& name) {
  const auto it = request.params.find(name);
  return it == request.params.end() ? std::string_view() : std::string_view(it->second);
}

// The consented accounts still at the provider, in the consent's order: pointers into `owned`,
// valid while it is.
std::vector<const AccountSummary*> Consented(const store::Connection& connection,
                                             const std::vector<AccountSummary>& owned) {
  std::vector<const AccountSummary*> out;
  for (const auto& id : connection.consent.accounts) {
    const auto it = std::find_if(owned.begin(), owned.end(),
                                 [&](const AccountSummary& a) { return a.account_id == id; });
    if (it != owned.end()) out.push_back(&*it);
  }
  return out;
}

// The account of `accounts` with this id (never null).
Result<const AccountSummary*> FindAccount(const std::vector<const AccountSummary*>& accounts,
                                          std::string_view account_id) {
  for (const AccountSummary* a : accounts) {
    if (a->account_id == account_id) return a;
  }
  return MakeError(ErrorCode::kAccountNotFound, "No account with this id is shared with you",
                   "account not consented or unknown");
}

// A page of `items` from the one whose id is `offset` (the first when none), at most `limit`.
struct PageSpec {
  std::int64_t limit = kDefaultLimit;
  std::string offset;
};

Result<PageSpec> ReadPage(const DataRequest& request) {
  PageSpec page;
  if (const auto limit = Param(request, "limit"); !limit.empty()) {
    const auto n = ParseInt64(limit);
    if (!n || *n < 1 || *n > kMaxLimit) {
      return MakeError(ErrorCode::kValidation,
                       fmt::format("limit must be a whole number from 1 to {}", kMaxLimit));
    }
    page.limit = *n;
  }
  page.offset = std::string(Param(request, "offset"));
  return page;
}

// The list's JSON: {"page": {...}, "links": {"next": ...}, `name`: [...]}, the next page's link
// made of `path` and `query` (the list's own parameters, "&"-terminated, or "").
Result<DataResponse> Paged(std::vector<Item> items, const PageSpec& page, std::string_view name,
                           std::string_view base_url, std::string_view path,
                           std::string_view query) {
  std::size_t start = 0;
  if (!page.offset.empty()) {
    const auto it = std::find_if(items.begin(), items.end(),
                                 [&](const Item& i) { return i.id == page.offset; });
    if (it == items.end()) {
      return MakeError(ErrorCode::kValidation,
                       "offset is not a position of this list: use page.nextOffset as given");
    }
    start = static_cast<std::size_t>(it - items.begin());
  }
  const std::size_t end = std::min(items.size(), start + static_cast<std::size_t>(page.limit));
  DataResponse out;
  out.content_type = kJson;
  std::string& body = out.body;
  body = fmt::format(R"({{"page":{{"totalElements":{})", items.size());
  if (end < items.size()) {
    const std::string& next = items[end].id;
    body += R"(,"nextOffset":)";
    AppendJsonString(body, next);
    body += R"(},"links":{"next":{"href":)";
    AppendJsonString(
        body, fmt::format("{}{}?{}limit={}&offset={}", base_url, path, query, page.limit, next));
    body += '}';
  }
  body += "},";
  AppendJsonString(body, name);
  body += ":[";
  for (std::size_t i = start; i < end; ++i) {
    if (i > start) body += ',';
    body += items[i].json;
  }
  body += "]}";
  return out;
}

// [startTime, endTime] of a list by date: `default_days` days up to today when neither is given.
struct Period {
  Day from;
  Day to;
};

Result<Period> ReadPeriod(const DataRequest& request, Day today, Day default_days) {
  const auto read = [&](const char* name) -> Result<std::optional<Day>> {
    const std::string_view text = Param(request, name);
    if (text.empty()) return std::optional<Day>();
    const auto day = consent::ParseDay(text);
    if (!day) {
      return MakeError(ErrorCode::kInvalidDate,
                       std::string(name) + " must be a date written YYYY-MM-DD");
    }
    return std::optional<Day>(*day);
  };
  OBAUTH_TRY(start, read("startTime"));
  OBAUTH_TRY(end, read("endTime"));
  Period period{0, end.value_or(today)};
  period.from = start.value_or(period.to - default_days + 1);
  if (period.from > period.to) {
    return MakeError(ErrorCode::kInvalidDateRange, "startTime is after endTime");
  }
  return period;
}

std::string PeriodQuery(const Period& period) {
  return fmt::format("startTime={}&endTime={}&", consent::DayText(period.from),
                     consent::DayText(period.to));
}

// True when the Accept header allows a PDF: none, or a media range that matches
// application/pdf without q=0 (RFC 9110 §12.5.1).
bool AcceptsPdf(std::string_view accept) {
  if (accept.find_first_not_of(" \t") == std::string_view::npos) return true;
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    std::string_view params;
    if (const auto semi = range.find(';'); semi != std::string_view::npos) {
      params = range.substr(semi + 1);
      range = range.substr(0, semi);
    }
    const auto trim = [](std::string_view s) {
      const auto b = s.find_first_not_of(" \t");
      if (b == std::string_view::npos) return std::string_view();
      return s.substr(b, s.find_last_not_of(" \t") - b + 1);
    };
    std::string type(trim(range));
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string q(params);
    q.erase(std::remove_if(q.begin(), q.end(), [](char c) { return c == ' ' || c == '\t'; }),
            q.end());
    const bool refused = q.starts_with("q=0") && q.find_first_not_of("q=0.") == std::string::npos;
    if (!refused && (type == "application/pdf" || type == "application/*" || type == "*/*")) {
      return true;
    }
  }
  return false;
}

std::string_view ResourcePath(Resource resource) {
  switch (resource) {
    case Resource::kTransactions:
      return "transactions";
    case Resource::kPaymentNetworks:
      return "payment-networks";
    default:
      return "statements";
  }
}

}  // namespace

std::span<const std::string_view> ParametersOf(Resource resource) {
  static constexpr std::array<std::string_view, 4> kAccounts = {"accountIds", "resultType",
                                                                "offset", "limit"};
  static constexpr std::array<std::string_view, 4> kByDate = {"startTime", "endTime", "offset",
                                                              "limit"};
  static constexpr std::array<std::string_view, 2> kPaged = {"offset", "limit"};
  switch (resource) {
    case Resource::kAccounts:
      return kAccounts;
    case Resource::kTransactions:
    case Resource::kStatements:
      return kByDate;
    case Resource::kPaymentNetworks:
      return kPaged;
    case Resource::kCustomer:
    case Resource::kAccount:
    case Resource::kStatement:
      return {};
  }
  return {};
}

Result<DataService::CachedConnector> DataService::ConnectorOf(std::int64_t provider_id,
                                                              std::int64_t now) const {
  {
    std::lock_guard lock(mu_);
    const auto it = connectors_.find(provider_id);
    if (it != connectors_.end() && it->second.until > now) return it->second;
  }
  auto provider = providers_.GetProvider(provider_id);
  if (!provider && provider.error().code != ErrorCode::kNotFound) return provider.error();
  CachedConnector cached;
  cached.until = now + kProviderCacheSeconds;
  if (provider) {
    cached.connector = consent::ConnectorFor(provider->connector);
    if (auto fdx = consent::FdxConnectorOf(provider->connector); fdx && upstream_ != nullptr) {
      cached.fdx = std::make_shared<const consent::FdxConnector>(std::move(*fdx));
    }
  }
  std::lock_guard lock(mu_);
  if (connectors_.size() >= 10000) connectors_.clear();  // a catalogue has far fewer
  connectors_[provider_id] = cached;
  return cached;
}

const std::string& DataService::Holdings::Lightweight(std::string_view account_id) const {
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (accounts[i].account_id == account_id) return lightweight[i];
  }
  static const std::string kNone;
  return kNone;
}

Result<std::shared_ptr<const DataService::Holdings>> DataService::HoldingsOf(
    const consent::Connector& connector, std::int64_t provider_id, std::string_view customer_id,
    std::int64_t now) const {
  const std::string key = std::to_string(provider_id) + '\n' + std::string(customer_id);
  {
    std::lock_guard lock(mu_);
    const auto it = holdings_.find(key);
    if (it != holdings_.end() && it->second->until > now) return it->second;
  }
  auto owned = connector.Accounts(provider_id, customer_id);
  if (!owned) {
    if (owned.error().code != ErrorCode::kNotFound) return owned.error();
    return MakeError(ErrorCode::kCustomerNotFound, "The provider no longer has this customer");
  }
  auto holdings = std::make_shared<Holdings>();
  holdings->accounts = std::move(*owned);
  for (const auto& a : holdings->accounts) {
    holdings->lightweight.push_back(MakeItem(a.account_id, SandboxAccount(a, false, now)).json);
  }
  holdings->until = now + kProviderCacheSeconds;
  std::lock_guard lock(mu_);
  if (holdings_.size() >= 10000) holdings_.clear();
  holdings_[key] = holdings;
  return std::shared_ptr<const Holdings>(std::move(holdings));
}

Result<DataResponse> DataService::Handle(const DataRequest& request) const {
  const std::int64_t now = clock_.NowSeconds();
  auto connection = connections_.GetConnection(request.connection_id);
  if (!connection && connection.error().code != ErrorCode::kNotFound) return connection.error();
  if (!connection || connection->revoked_at) {
    return MakeError(ErrorCode::kConnectionRevoked,
                     "The customer's connection was revoked: ask the customer to connect again",
                     "connection " + std::string(request.connection_id) + " revoked or unknown");
  }
  const store::Consent& consent = connection->consent;
  OBAUTH_TRY(cached, ConnectorOf(consent.provider_id, now));
  const consent::Connector* connector = cached.connector;
  const std::vector<std::string> scopes = SplitScopes(request.scope);
  // What costs more than a few dozen microseconds is made on a worker, not an I/O thread.
  const bool details =
      Param(request, "resultType") == "details" ||
      (request.resource == Resource::kAccount && HasScope(scopes, "ACCOUNT_DETAILED"));
  if (store::NonBlockingScope::Active() &&
      (details || request.resource == Resource::kStatement || cached.fdx)) {
    return store::WouldBlock();
  }
  // Counted once the request will be answered here (not again when a worker retries it).
  if (const std::int64_t wait = limiter_.Admit(request.connection_id, now); wait > 0) {
    Error e = MakeError(
        ErrorCode::kTooManyAttempts,
        "Too many requests for this connection; retry in " + std::to_string(wait) + " seconds",
        "connection " + std::string(request.connection_id) + " over its rate");
    e.retry_after_seconds = wait;
    return e;
  }
  if (request.resource != Resource::kCustomer && !HasScope(scopes, ScopeOf(request.resource))) {
    return NotConsented(ScopeOf(request.resource));
  }
  if (cached.fdx) {
    if (request.resource == Resource::kCustomer && !HasScope(scopes, "CUSTOMER_CONTACT") &&
        !HasScope(scopes, "CUSTOMER_PERSONAL")) {
      return NotConsented("CUSTOMER_CONTACT or CUSTOMER_PERSONAL");
    }
    return Forward(request, *connection, *cached.fdx);
  }
  const auto* sandbox = dynamic_cast<const consent::Sandbox*>(connector);
  if (sandbox == nullptr) {
    return MakeError(ErrorCode::kNotSupported, "This Data Provider serves no FDX data here",
                     "provider " + std::to_string(consent.provider_id) + " has no data connector");
  }
  OBAUTH_TRY(holdings, HoldingsOf(*sandbox, consent.provider_id, consent.customer_id, now));
  // Pointers into *holdings, which this call holds until it returns.
  const std::vector<const AccountSummary*> accounts = Consented(*connection, holdings->accounts);
  // An investment account's balances and transactions need INVESTMENTS too.
  const bool investments = HasScope(scopes, "INVESTMENTS");
  const auto detailed = [&](const AccountSummary& a) {
    return details && (investments || a.category != consent::AccountCategory::kInvestment);
  };
  const Day today = consent::DayOf(now);
  const std::string base(request.base_url);

  switch (request.resource) {
    case Resource::kCustomer: {
      const bool contact = HasScope(scopes, "CUSTOMER_CONTACT");
      const bool personal = HasScope(scopes, "CUSTOMER_PERSONAL");
      if (!contact && !personal) return NotConsented("CUSTOMER_CONTACT or CUSTOMER_PERSONAL");
      const auto* profile = consent::Sandbox::Profile(consent.customer_id);
      if (profile == nullptr) {
        return MakeError(ErrorCode::kCustomerNotFound, "The provider no longer has this customer");
      }
      // SandboxCustomer takes the accounts themselves: copied for this resource only.
      std::vector<AccountSummary> shared;
      shared.reserve(accounts.size());
      for (const AccountSummary* a : accounts) shared.push_back(*a);
      return JsonAnswer(
          SandboxCustomer(consent.subject, *profile, contact, personal, shared, base));
    }
    case Resource::kAccounts: {
      const std::string_view result_type = Param(request, "resultType");
      if (!result_type.empty() && result_type != "lightweight" && result_type != "details") {
        return MakeError(ErrorCode::kValidation, "resultType must be lightweight or details");
      }
      if (details && !HasScope(scopes, "ACCOUNT_DETAILED")) {
        return NotConsented("ACCOUNT_DETAILED");
      }
      OBAUTH_TRY(page, ReadPage(request));
      std::vector<const AccountSummary*> chosen = accounts;
      std::string query;
      if (const std::string_view ids = Param(request, "accountIds"); !ids.empty()) {
        chosen.clear();
        std::string list(ids);
        std::replace(list.begin(), list.end(), ',', ' ');
        for (const auto& id : SplitScopes(list)) {
          OBAUTH_TRY(account, FindAccount(accounts, id));
          if (std::none_of(chosen.begin(), chosen.end(),
                           [&](const AccountSummary* a) { return a->account_id == id; })) {
            chosen.push_back(account);
          }
        }
        // The link names the accounts found, not the text received.
        query = "accountIds=";
        for (const auto& a : chosen) query += a->account_id + (&a == &chosen.back() ? "&" : ",");
      }
      if (details) query += "resultType=details&";
      std::vector<Item> items;
      for (const AccountSummary* a : chosen) {
        items.push_back(detailed(*a) ? MakeItem(a->account_id, SandboxAccount(*a, true, now))
                                     : Item{a->account_id, holdings->Lightweight(a->account_id)});
      }
      return Paged(std::move(items), page, "accounts", base, "/accounts", query);
    }
    case Resource::kAccount: {
      OBAUTH_TRY(found, FindAccount(accounts, request.account_id));
      const AccountSummary& account = *found;
      return JsonAnswer(SandboxAccount(account, detailed(account), now));
    }
    case Resource::kTransactions:
    case Resource::kPaymentNetworks:
    case Resource::kStatements: {
      const Resource r = request.resource;
      OBAUTH_TRY(found, FindAccount(accounts, request.account_id));
      const AccountSummary& account = *found;
      if (r == Resource::kTransactions && !investments &&
          account.category == consent::AccountCategory::kInvestment) {
        return NotConsented("INVESTMENTS");
      }
      OBAUTH_TRY(page, ReadPage(request));
      const std::string path = fmt::format("/accounts/{}/{}", account.account_id, ResourcePath(r));
      if (r == Resource::kPaymentNetworks) {
        return Paged(SandboxPaymentNetworks(account), page, "paymentNetworks", base, path, "");
      }
      // Transactions: the last 90 days unless asked otherwise; statements: the whole history.
      OBAUTH_TRY(
          period,
          ReadPeriod(request, today,
                     r == Resource::kTransactions ? 90 : consent::SandboxLedger::kHistoryDays));
      if (r == Resource::kTransactions) {
        return Paged(SandboxTransactions(account, period.from, period.to, today), page,
                     "transactions", base, path, PeriodQuery(period));
      }
      return Paged(SandboxStatements(account, period.from, period.to, today, base), page,
                   "statements", base, path, PeriodQuery(period));
    }
    case Resource::kStatement: {
      OBAUTH_TRY(found, FindAccount(accounts, request.account_id));
      const AccountSummary& account = *found;
      if (!AcceptsPdf(request.accept)) {
        return MakeError(ErrorCode::kNotAcceptable,
                         "Statements are available as application/pdf only");
      }
      OBAUTH_TRY(customer, sandbox->FindCustomer(consent.provider_id, consent.customer_id));
      OBAUTH_TRY(pdf,
                 SandboxStatementPdf(account, customer.display_name, request.statement_id, today));
      DataResponse out;
      out.content_type = "application/pdf";
      out.body = std::move(pdf);
      out.filename = fmt::format("statement-{}.pdf", request.statement_id);
      return out;
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown FDX resource");
}

}  // namespace obauth::fdx
