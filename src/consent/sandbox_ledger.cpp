#include "consent/sandbox_ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "crypto/hash.hpp"

namespace obauth::consent {
namespace {

// The day the balances are anchored on (2026-01-01): a balance is its account's opening amount
// there plus (or minus) the entries in between, so it never depends on today.
constexpr Day kAnchor = 20454;

struct Date {
  int year;
  unsigned month;
  unsigned day;
};

Date DateOf(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

// The bytes a day's entries of one account are drawn from.
class Draw {
 public:
  Draw(const AccountSummary& account, Day day)
      : bytes_(crypto::Sha256("obauth sandbox ledger\n" + account.account_id + "\n" +
                              std::to_string(day))) {}
  // A value below 256.
  unsigned Byte() { return static_cast<unsigned char>(bytes_[next_++ % bytes_.size()]); }
  // Cents in [min, max].
  std::int64_t Cents(std::int64_t min, std::int64_t max) {
    const unsigned value = Byte() << 8 | Byte();
    return min + static_cast<std::int64_t>(value) % (max - min + 1);
  }
  // One of `items`.
  template <class T, std::size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Byte() % N];
  }

 private:
  std::string bytes_;
  std::size_t next_ = 0;
};

struct Merchant {
  std::string_view description;
  std::string_view payee;
  std::int64_t min_cents;
  std::int64_t max_cents;
};

constexpr std::array<Merchant, 8> kMerchants = {{
    {"Grocery store", "Fresh Market", 1500, 18000},
    {"Coffee shop", "Bean There Cafe", 350, 1400},
    {"Pharmacy", "Corner Pharmacy", 800, 6500},
    {"Gas station", "Northern Fuel", 3000, 9500},
    {"Restaurant", "Le Petit Bistro", 2200, 12000},
    {"Online purchase", "Shopwise Online", 1200, 25000},
    {"Transit pass", "City Transit", 300, 15600},
    {"Bookstore", "Chapter House Books", 900, 6000},
}};

void Add(std::vector<LedgerEntry>& out, Day day, bool credit, std::int64_t cents,
         std::string_view description, std::string_view payee, std::string_view type) {
  out.push_back(
      {"", day, credit, cents, std::string(description), std::string(payee), std::string(type)});
}

// Card purchases: none to `most` a day, each at one of kMerchants.
void Purchases(std::vector<LedgerEntry>& out, Draw& draw, Day day, unsigned most) {
  const unsigned count = draw.Byte() % (most + 1);
  for (unsigned i = 0; i < count; ++i) {
    const Merchant& m = draw.Pick(kMerchants);
    Add(out, day, false, draw.Cents(m.min_cents, m.max_cents), m.description, m.payee, "POSDEBIT");
  }
}

// The entries of one day, oldest first, before their ids are given.
std::vector<LedgerEntry> DayEntries(const AccountSummary& account, Day day) {
  std::vector<LedgerEntry> out;
  Draw draw(account, day);
  const Date date = DateOf(day);
  const std::string_view type = account.account_type;
  switch (account.category) {
    case AccountCategory::kDeposit:
      if (type == "SAVINGS") {
        if (date.day == 1) Add(out, day, true, draw.Cents(900, 3200), "Interest", "", "INTEREST");
        if (date.day == 15) {
          Add(out, day, true, 25000, "Transfer from chequing", "", "TRANSFER");
        }
        if (draw.Byte() < 8) {
          Add(out, day, false, draw.Cents(5000, 60000), "Transfer to chequing", "", "TRANSFER");
        }
      } else {
        if (day % 14 == 3) {
          Add(out, day, true, draw.Cents(210000, 240000), "Payroll deposit", "Northwind Payroll",
              "DIRECTDEPOSIT");
        }
        if (date.day == 1) {
          Add(out, day, false, 145000, "Rent", "Maple Property Management", "BILLPAYMENT");
        }
        if (date.day == 10) {
          Add(out, day, false, draw.Cents(6000, 11000), "Hydro bill", "Provincial Hydro",
              "BILLPAYMENT");
        }
        Purchases(out, draw, day, 2);
        if (date.day == 28) Add(out, day, false, 495, "Monthly account fee", "", "FEE");
      }
      break;
    case AccountCategory::kLineOfCredit:
      if (type == "CREDITCARD") {
        Purchases(out, draw, day, 2);
        // Paid in full: the purchases of the 30 days before.
        if (date.day == 20) {
          std::vector<LedgerEntry> month;
          for (Day d = day - 30; d < day; ++d) {
            Draw earlier(account, d);
            Purchases(month, earlier, d, 2);
          }
          std::int64_t total = 0;
          for (const auto& e : month) total += e.amount_cents;
          if (total > 0) Add(out, day, true, total, "Payment - thank you", "", "PAYMENT");
        }
      } else {
        if (draw.Byte() < 40) {
          Add(out, day, false, draw.Cents(2000, 30000), "Advance", "", "ADVANCE");
        }
        if (date.day == 25) {
          Add(out, day, false, draw.Cents(1500, 4000), "Interest charge", "", "INTEREST");
          Add(out, day, true, draw.Cents(60000, 90000), "Payment - thank you", "", "PAYMENT");
        }
      }
      break;
    case AccountCategory::kLoan:
      if (date.day == 1) {
        Add(out, day, false, draw.Cents(105000, 112000), "Interest", "", "INTEREST");
        Add(out, day, true, 185000, "Mortgage payment", "", "PAYMENT");
      }
      break;
    case AccountCategory::kInvestment:
      if (date.day == 5) Add(out, day, true, 25000, "Contribution", "", "CONTRIBUTION");
      if (date.month % 3 == 0 && date.day == 28) {
        Add(out, day, true, draw.Cents(2000, 8000), "Dividend", "Maple Index Fund", "DIVIDEND");
      }
      if (draw.Byte() < 6) {
        Add(out, day, false, draw.Cents(10000, 50000), "Units purchased", "Maple Index Fund",
            "PURCHASED");
      }
      break;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].transaction_id =
        fmt::format("{:04}{:02}{:02}-{}", date.year, date.month, date.day, i + 1);
  }
  return out;
}

// What the account held (or owed) at the end of kAnchor.
std::int64_t Opening(const AccountSummary& account) {
  Draw draw(account, kAnchor - 100000);
  const std::string_view type = account.account_type;
  switch (account.category) {
    case AccountCategory::kDeposit:
      return type == "SAVINGS" ? draw.Cents(800000, 1600000) : draw.Cents(250000, 450000);
    case AccountCategory::kLineOfCredit:
      return type == "CREDITCARD" ? draw.Cents(40000, 120000) : draw.Cents(150000, 350000);
    case AccountCategory::kLoan:
      return draw.Cents(26000000, 31000000);
    case AccountCategory::kInvestment:
      return draw.Cents(1500000, 4500000);
  }
  return 0;
}

std::int64_t NetChange(const AccountSummary& account, Day day) {
  std::int64_t net = 0;
  for (const auto& entry : DayEntries(account, day)) net += SandboxLedger::Change(account, entry);
  return net;
}

}  // namespace

std::string DayText(Day day) {
  const Date date = DateOf(day);
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

std::optional<Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  std::size_t part = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) {
      ++part;
      continue;
    }
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    parts[part] = parts[part] * 10 + (text[i] - '0');
  }
  const std::chrono::year_month_day ymd{std::chrono::year{parts[0]},
                                        std::chrono::month{static_cast<unsigned>(parts[1])},
                                        std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

Day DayOf(std::int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / 86400 : -((-unix_seconds + 86399) / 86400);
}

std::int64_t SandboxLedger::Change(const AccountSummary& account, const LedgerEntry& entry) {
  const bool holds = account.category == AccountCategory::kDeposit ||
                     account.category == AccountCategory::kInvestment;
  return (entry.credit == holds) ? entry.amount_cents : -entry.amount_cents;
}

std::vector<LedgerEntry> SandboxLedger::Entries(const AccountSummary& account, Day from, Day to,
                                                Day today) {
  from = std::max(from, today - kHistoryDays + 1);
  to = std::min(to, today);
  std::vector<LedgerEntry> out;
  for (Day day = to; day >= from; --day) {
    auto entries = DayEntries(account, day);
    out.insert(out.end(), std::make_move_iterator(entries.rbegin()),
               std::make_move_iterator(entries.rend()));
  }
  return out;
}

std::int64_t SandboxLedger::BalanceCents(const AccountSummary& account, Day day, Day today) {
  day = std::min(day, today);
  std::int64_t balance = Opening(account);
  for (Day d = kAnchor + 1; d <= day; ++d) balance += NetChange(account, d);
  for (Day d = day + 1; d <= kAnchor; ++d) balance -= NetChange(account, d);
  return balance;
}

}  // namespace obauth::consent
