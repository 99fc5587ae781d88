#include "consent/sandbox_ledger.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "consent/sandbox.hpp"
#include "core/secret.hpp"

namespace obauth::consent {
namespace {

constexpr std::int64_t kProvider = 9000;
constexpr Day kToday = 20790;  // 2026-12-03

std::vector<AccountSummary> AccountsOf(std::string_view username) {
  auto accounts = Sandbox().Accounts(kProvider, username);
  EXPECT_TRUE(accounts);
  return accounts ? *accounts : std::vector<AccountSummary>{};
}

std::vector<AccountSummary> EveryAccount() {
  std::vector<AccountSummary> out;
  for (const char* username : {"alice", "bob", "carol"}) {
    for (auto& a : AccountsOf(username)) out.push_back(a);
  }
  return out;
}

TEST(SandboxDays, ReadAndWriteCalendarDates) {
  EXPECT_EQ(DayText(0), "1970-01-01");
  EXPECT_EQ(DayText(kToday), "2026-12-03");
  EXPECT_EQ(ParseDay("2026-12-03"), std::optional<Day>(kToday));
  EXPECT_EQ(ParseDay("2024-02-29"), std::optional<Day>(19782));
  for (const char* bad : {"2025-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20261203",
                          "2026-12-03T00", "abcd-ef-gh", "", "2026-12-32"}) {
    EXPECT_FALSE(ParseDay(bad)) << bad;
  }
  EXPECT_EQ(DayOf(0), 0);
  EXPECT_EQ(DayOf(86399), 0);
  EXPECT_EQ(DayOf(86400), 1);
  EXPECT_EQ(DayOf(1796256000), kToday);  // 2026-12-03T00:00:00Z
}

TEST(SandboxLedger, TheSameAccountAndDaysGiveTheSameEntriesAndAccountsDiffer) {
  const auto accounts = AccountsOf("alice");
  ASSERT_EQ(accounts.size(), 4u);
  const auto first = SandboxLedger::Entries(accounts[0], kToday - 60, kToday, kToday);
  const auto again = SandboxLedger::Entries(accounts[0], kToday - 60, kToday, kToday);
  ASSERT_EQ(first.size(), again.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].transaction_id, again[i].transaction_id);
    EXPECT_EQ(first[i].amount_cents, again[i].amount_cents);
    EXPECT_EQ(first[i].description, again[i].description);
  }
  // A later "today" changes nothing about the days before it.
  const auto tomorrow = SandboxLedger::Entries(accounts[0], kToday - 60, kToday, kToday + 1);
  ASSERT_EQ(tomorrow.size(), first.size());
  EXPECT_EQ(tomorrow.front().transaction_id, first.front().transaction_id);
  // Another customer's chequing account has other entries.
  const auto bob = AccountsOf("bob");
  ASSERT_FALSE(bob.empty());
  const auto other = SandboxLedger::Entries(bob[0], kToday - 60, kToday, kToday);
  bool differ = other.size() != first.size();
  for (std::size_t i = 0; !differ && i < first.size(); ++i) {
    differ = other[i].amount_cents != first[i].amount_cents;
  }
  EXPECT_TRUE(differ);
}

TEST(SandboxLedger, EveryAccountHasEntriesInEachMonthOfTheLast90DaysNewestFirst) {
  for (const auto& account : EveryAccount()) {
    SCOPED_TRACE(account.account_type);
    const auto entries = SandboxLedger::Entries(account, kToday - 89, kToday, kToday);
    for (Day start = kToday - 89; start <= kToday - 29; start += 30) {
      const auto month = SandboxLedger::Entries(account, start, start + 29, kToday);
      EXPECT_FALSE(month.empty()) << "from " << DayText(start);
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      EXPECT_TRUE(ids.insert(e.transaction_id).second) << e.transaction_id;
      EXPECT_GT(e.amount_cents, 0);
      EXPECT_FALSE(e.description.empty());
      EXPECT_FALSE(e.transaction_type.empty());
      EXPECT_GE(e.posted, kToday - 89);
      EXPECT_LE(e.posted, kToday);
      if (i > 0) {
        EXPECT_LE(e.posted, entries[i - 1].posted) << "newest first";
      }
    }
  }
}

TEST(SandboxLedger, HistoryEndsTodayAndReachesBack400Days) {
  const auto account = AccountsOf("alice")[0];
  EXPECT_TRUE(SandboxLedger::Entries(account, kToday + 1, kToday + 30, kToday).empty());
  const auto all = SandboxLedger::Entries(account, 0, kToday + 30, kToday);
  ASSERT_FALSE(all.empty());
  EXPECT_LE(all.front().posted, kToday);
  EXPECT_GT(all.back().posted, kToday - SandboxLedger::kHistoryDays);
  EXPECT_LE(all.back().posted, kToday - SandboxLedger::kHistoryDays + 14);
}

TEST(SandboxLedger, EachDaysEntriesMoveTheBalanceByWhatTheyAmountTo) {
  for (const auto& account : EveryAccount()) {
    SCOPED_TRACE(account.account_type);
    for (Day day : {kToday, kToday - 17, Day{20454}, Day{20400}}) {
      std::int64_t net = 0;
      for (const auto& e : SandboxLedger::Entries(account, day, day, kToday)) {
        net += SandboxLedger::Change(account, e);
      }
      EXPECT_EQ(SandboxLedger::BalanceCents(account, day, kToday) -
                    SandboxLedger::BalanceCents(account, day - 1, kToday),
                net)
          << DayText(day);
    }
    EXPECT_GT(SandboxLedger::BalanceCents(account, kToday, kToday), 0)
        << "the sandbox's customers neither overdraw nor pay off their debts";
  }
}

}  // namespace
}  // namespace obauth::consent
