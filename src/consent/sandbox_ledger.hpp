// The sandbox institution's ledger: each account's transactions and balance, derived from the
// account's id and the calendar alone (SHA-256 of the account id and the day), so that they are
// the same on every instance and after every restart and cost no storage. A day's transactions
// never change; the history covers the kHistoryDays days before today (UTC), so the last 90 days
// always hold data and the dates move with the calendar. Amounts are integer cents. Stateless;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/connector.hpp"

namespace obauth::consent {

// A day as the number of days since 1970-01-01 (UTC).
using Day = std::int64_t;

// "YYYY-MM-DD" of `day`.
std::string DayText(Day day);
// The day of "YYYY-MM-DD" (a real calendar date), or nullopt.
std::optional<Day> ParseDay(std::string_view text);
// Today (UTC) for a Unix time in seconds.
Day DayOf(std::int64_t unix_seconds);

struct LedgerEntry {
  std::string transaction_id;  // unique within the account: "<yyyymmdd>-<n>"
  Day posted = 0;
  bool credit = false;            // CREDIT (money in, or a payment towards a debt) or DEBIT
  std::int64_t amount_cents = 0;  // > 0
  std::string description;
  std::string payee;             // empty when the entry has none
  std::string transaction_type;  // FDX transactionType, e.g. PURCHASE, DEPOSIT, PAYMENT, INTEREST
};

class SandboxLedger {
 public:
  // Days of history before today.
  static constexpr Day kHistoryDays = 400;

  // The entries of `account` posted from `from` to `to` (both included, clamped to the history
  // that ends at `today`), newest first; within a day, the last one first.
  static std::vector<LedgerEntry> Entries(const AccountSummary& account, Day from, Day to,
                                          Day today);
  // The balance at the end of `day` (at most `today`): for deposit and investment accounts what
  // the customer holds; for loans and lines of credit what the customer owes.
  static std::int64_t BalanceCents(const AccountSummary& account, Day day, Day today);
  // How much an entry moves the balance of `account`.
  static std::int64_t Change(const AccountSummary& account, const LedgerEntry& entry);
};

}  // namespace obauth::consent
