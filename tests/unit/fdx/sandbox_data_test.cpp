#include "fdx/sandbox_data.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>
#include <string>

namespace obauth::fdx {
namespace {

using consent::AccountSummary;
using consent::Day;

constexpr std::int64_t kProvider = 9000;
constexpr Day kToday = 20790;  // 2026-12-03
constexpr std::string_view kBase = "https://obauth.example/api/fdx/5";

// An item's JSON text, parsed.
boost::json::object Parsed(const Item& item) { return boost::json::parse(item.json).as_object(); }

std::vector<AccountSummary> AccountsOf(std::string_view username) {
  auto accounts = consent::Sandbox().Accounts(kProvider, username);
  EXPECT_TRUE(accounts);
  return accounts ? *accounts : std::vector<AccountSummary>{};
}

TEST(SandboxData, AnAccountIsWrappedByItsKindAndGivesBalancesOnlyWithDetails) {
  const auto accounts = AccountsOf("alice");
  ASSERT_EQ(accounts.size(), 4u);
  const std::int64_t now = kToday * 86400 + 3600;
  const auto light = SandboxAccount(accounts[0], false, now);
  ASSERT_TRUE(light.contains("depositAccount"));
  EXPECT_FALSE(light.at("depositAccount").as_object().contains("currentBalance"));
  const auto detailed = SandboxAccount(accounts[0], true, now);
  const auto& a = detailed.at("depositAccount").as_object();
  EXPECT_TRUE(a.at("currentBalance").is_double());
  EXPECT_EQ(a.at("balanceAsOf").as_string(), "2026-12-03T01:00:00Z");
  EXPECT_TRUE(SandboxAccount(accounts[2], true, now).contains("locAccount"));
  EXPECT_TRUE(SandboxAccount(accounts[3], true, now).contains("investmentAccount"));
  EXPECT_TRUE(SandboxAccount(AccountsOf("bob")[1], true, now)
                  .at("loanAccount")
                  .as_object()
                  .contains("principalBalance"));
}

TEST(SandboxData, StatementsAreTheCompleteMonthsOfTheHistoryNewestFirst) {
  const auto account = AccountsOf("alice")[0];
  const auto all = SandboxStatements(account, 0, kToday, kToday, kBase);
  // 400 days before 2026-12-03 start on 2025-10-30: November 2025 to November 2026.
  ASSERT_EQ(all.size(), 13u);
  EXPECT_EQ(all.front().id, "2026-11");
  EXPECT_EQ(all.back().id, "2025-11");
  EXPECT_EQ(Parsed(all.front()).at("statementDate").as_string(), "2026-11-30");
  EXPECT_EQ(Parsed(all.front()).at("links").as_array()[0].at("href").as_string(),
            std::string(kBase) + "/accounts/" + account.account_id + "/statements/2026-11");
  // By the statement's date.
  const auto some = SandboxStatements(account, *consent::ParseDay("2026-06-01"),
                                      *consent::ParseDay("2026-08-31"), kToday, kBase);
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some.front().id, "2026-08");
  EXPECT_EQ(some.back().id, "2026-06");
}

TEST(SandboxData, AStatementExistsOnlyForACompleteMonthOfTheHistory) {
  const auto account = AccountsOf("alice")[0];
  const auto pdf = SandboxStatementPdf(account, "Alice Martin", "2026-11", kToday);
  ASSERT_TRUE(pdf);
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  for (const char* id : {"2026-12", "2025-10", "2026-13", "2026-1", "", "2026-11-01", "../x"}) {
    const auto missing = SandboxStatementPdf(account, "Alice Martin", id, kToday);
    ASSERT_FALSE(missing) << id;
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << id;
  }
}

TEST(SandboxData, TransactionsCarryTheirAccountAndUniqueIdsNewestFirst) {
  for (const auto& account : AccountsOf("carol")) {
    const auto items = SandboxTransactions(account, kToday - 89, kToday, kToday);
    ASSERT_FALSE(items.empty()) << account.account_type;
    std::set<std::string> ids;
    std::string previous = "9999";
    for (const auto& item : items) {
      const auto parsed = Parsed(item);
      const auto& t = parsed.begin()->value().as_object();
      EXPECT_EQ(t.at("accountId").as_string(), account.account_id);
      EXPECT_EQ(t.at("transactionId").as_string(), item.id);
      EXPECT_TRUE(ids.insert(item.id).second);
      const std::string posted(t.at("postedTimestamp").as_string());
      EXPECT_LE(posted, previous);
      previous = posted;
    }
  }
}

TEST(SandboxData, OnlyADepositAccountHasAPaymentNetwork) {
  const auto accounts = AccountsOf("alice");
  const auto networks = SandboxPaymentNetworks(accounts[0]);
  ASSERT_EQ(networks.size(), 1u);
  const std::string identifier(Parsed(networks[0]).at("identifier").as_string());
  EXPECT_EQ(identifier.size(), 7u);
  EXPECT_EQ("****" + identifier.substr(3), accounts[0].masked_number);
  EXPECT_TRUE(SandboxPaymentNetworks(accounts[2]).empty());
}

}  // namespace
}  // namespace obauth::fdx
