// SqlStore (store/sql/sql_store.hpp) over a backend that counts every time it is asked for the
// database: under a NonBlockingScope no call of any store interface reaches it.
#include "store/sql/sql_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/non_blocking_scope.hpp"
#include "store/sql/sql_store_impl.hpp"
#include "store/sqlite/queries.hpp"

namespace obauth::store::sql {
namespace {

Error Refused() { return InternalError("the fake database refuses every statement"); }

// A statement of the fake database; never runs.
struct FakeStatement {
  template <class T>
  FakeStatement& Bind(int, const T&) {
    return *this;
  }
  Result<bool> Step() { return Refused(); }
  Result<void> Run() { return Refused(); }
  int Changes() const { return 0; }
  std::string Text(int) const { return {}; }
  std::string Bytes(int) const { return {}; }
  std::optional<std::string> OptionalText(int) const { return std::nullopt; }
  std::int64_t Int(int) const { return 0; }
  std::optional<std::int64_t> OptionalInt(int) const { return std::nullopt; }
};

struct FakeDb {
  Result<std::unique_ptr<FakeStatement>> Prepare(const char*) { return Refused(); }
  template <class F>
  auto ReadTransaction(F&& body) -> decltype(body()) {
    return body();
  }
};

// Counts every connection borrowed, write transaction begun and change version read.
class CountingBackend final : public SqlStore<CountingBackend, FakeDb, sqlite::Queries> {
 public:
  struct Lease {
    FakeDb* db;
    FakeDb& operator*() const { return *db; }
  };
  Result<Lease> Acquire() {
    ++touched;
    return Lease{&db_};
  }
  Result<void> Write(const std::function<Result<void>(FakeDb&)>& body) {
    ++touched;
    return body(db_);
  }
  Result<std::uint64_t> ReadForeignChangeVersion() {
    ++touched;
    return std::uint64_t{1};
  }

  int touched = 0;

 private:
  FakeDb db_;
};

// Calls every method of every store interface; `check` sees each result.
template <class Check>
void CallEverything(Database& d, Check&& check) {
  const AuditEvent audit{};
  const Recipient recipient{};
  check("CreatePartner", d.CreatePartner({"pt-1", "P", 1}, "h", audit));
  check("FindClient", d.FindClient("pt-1"));
  check("RecordSecretUse", d.RecordSecretUse({{1, "pt-1", 5, 1}}));
  check("RevokeToken", d.RevokeToken("pt-1", "jti", 9));
  check("PurgeRevokedTokens", d.PurgeRevokedTokens(9));
  check("CreateRecipient", d.CreateRecipient(recipient, "h", nullptr, audit));
  check("ListRecipients", d.ListRecipients("pt-1", {std::nullopt, 10}));
  check("GetRecipient", d.GetRecipient("pt-1", "dc-1", 5));
  check("UpdateRecipient", d.UpdateRecipient(recipient, audit));
  check("RotateSecret", d.RotateSecret({"pt-1", "dc-1", "h", 5, 0, false}, nullptr, audit));
  check("RevokePreviousSecret", d.RevokePreviousSecret("pt-1", "dc-1", 5, audit));
  check("RetireRecipient", d.RetireRecipient("pt-1", "dc-1", 5, audit));
  check("ListAuditEvents", d.ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10}));
  check("FindReplay", d.FindReplay("pt-1", "k", 0));
  check("PurgeReplays", d.PurgeReplays(5));
  check("UpsertProviders", d.UpsertProviders({Provider{}}));
  check("ListProviders", d.ListProviders());
  check("GetProvider", d.GetProvider(1000));
  check("ListProvidersForRecipient", d.ListProvidersForRecipient("dc-1"));
  check("RequestRegistrations", d.RequestRegistrations("pt-1", {"dc-1"}, {1000}, 5, audit));
  check("ListRegistrations", d.ListRegistrations("pt-1", std::nullopt, {std::nullopt, 10}));
  check("GetRegistration", d.GetRegistration("dc-1", 1000));
  check("TransitionRegistration",
        d.TransitionRegistration("dc-1", 1000, RegistrationStatus::kPendingApproval,
                                 RegistrationStatus::kActive, 5, audit));
  check("GetSetting", d.GetSetting("k"));
  check("GetOrCreateSetting", d.GetOrCreateSetting("k", "v"));
  check("ReplaceSetting", d.ReplaceSetting("k", "v", "w"));
  const AuthorizationCode code{};
  const Connection connection{};
  check("CreateCode", d.CreateCode(code));
  check("FindCode", d.FindCode("c", "h"));
  check("RedeemCode", d.RedeemCode("c", "h", connection, "r", 5, 9, audit, audit));
  check("PurgeCodes", d.PurgeCodes(5));
  check("FindConnectionByRefresh", d.FindConnectionByRefresh("cn-1", "r"));
  check("GetConnection", d.GetConnection("cn-1"));
  check("TouchConnections", d.TouchConnections({{"cn-1", 5}}));
  check("RevokeConnection", d.RevokeConnection("cn-1", 5, 9, audit));
  check("SetUpstream", d.SetUpstream("cn-1", std::string("sealed")));
  check("ListUpstreamRevocations", d.ListUpstreamRevocations(10));
  check("ListConnections", d.ListConnections("dc-1", {std::nullopt, 10}));
  check("ListCustomerConnections", d.ListCustomerConnections(1000, "alice"));
  check("ForeignChangeVersion", d.ForeignChangeVersion());
}

TEST(SqlStore, EveryCallWouldBlockUnderNonBlockingScopeWithoutTouchingTheDatabase) {
  CountingBackend backend;
  DomainMetrics metrics;
  backend.CountInto(&metrics);
  int calls = 0;
  {
    NonBlockingScope no_blocking;
    CallEverything(backend, [&](std::string_view call, const auto& result) {
      SCOPED_TRACE(call);
      ++calls;
      ASSERT_FALSE(result);
      EXPECT_EQ(result.error().code, ErrorCode::kWouldBlock);
    });
  }
  EXPECT_EQ(calls, 39);
  EXPECT_EQ(backend.touched, 0);
  EXPECT_EQ(metrics.db_latency(DomainMetrics::DbOperation::kRead).count(), 0u);
  EXPECT_EQ(metrics.db_latency(DomainMetrics::DbOperation::kWrite).count(), 0u);
}

TEST(SqlStore, OutsideTheScopeEveryCallReachesTheDatabase) {
  CountingBackend backend;
  int calls = 0;
  CallEverything(backend, [&](std::string_view call, const auto& result) {
    SCOPED_TRACE(call);
    ++calls;
    EXPECT_EQ(backend.touched, calls);
    if (!result) {
      EXPECT_NE(result.error().code, ErrorCode::kWouldBlock);
    }
  });
  EXPECT_EQ(calls, 39);
}

}  // namespace
}  // namespace obauth::store::sql
