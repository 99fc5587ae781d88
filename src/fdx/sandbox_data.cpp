#include "fdx/sandbox_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/time_format.hpp"
#include "fdx/fdx_json.hpp"
#include "fdx/statement_pdf.hpp"

namespace obauth::fdx {
namespace json = boost::json;
using consent::AccountCategory;
using consent::AccountSummary;
using consent::Day;
using consent::SandboxLedger;

namespace {

// What the sandbox's products pay or charge, in percent a year.
struct Terms {
  double interest_rate;
  std::int64_t credit_line_cents;  // lines of credit and cards
};

Terms TermsOf(const AccountSummary& account) {
  const std::string_view type = account.account_type;
  if (type == "SAVINGS") return {2.25, 0};
  if (type == "CREDITCARD") return {20.99, 500000};
  if (type == "LINEOFCREDIT") return {7.45, 1500000};
  if (type == "MORTGAGE") return {4.89, 0};
  if (account.category == AccountCategory::kDeposit) return {0.01, 0};
  return {0.0, 0};
}

double Money(std::int64_t cents) { return static_cast<double>(cents) / 100.0; }

// How FDX names an account category: the account's wrapper, its accountCategory, and the
// wrapper of its transactions.
struct Kind {
  std::string_view wrapper;
  std::string_view category;
  std::string_view transaction_wrapper;
};

Kind KindOf(AccountCategory category) {
  switch (category) {
    case AccountCategory::kDeposit:
      return {"depositAccount", "DEPOSIT_ACCOUNT", "depositTransaction"};
    case AccountCategory::kLoan:
      return {"loanAccount", "LOAN_ACCOUNT", "loanTransaction"};
    case AccountCategory::kLineOfCredit:
      return {"locAccount", "LOC_ACCOUNT", "locTransaction"};
    case AccountCategory::kInvestment:
      return {"investmentAccount", "INVESTMENT_ACCOUNT", "investmentTransaction"};
  }
  return {"depositAccount", "DEPOSIT_ACCOUNT", "depositTransaction"};
}

bool IsLiability(const AccountSummary& account) {
  return account.category == AccountCategory::kLoan ||
         account.category == AccountCategory::kLineOfCredit;
}

// The first day of the month after the one `day` is in.
Day NextMonth(Day day) {
  namespace c = std::chrono;
  const c::year_month_day ymd{c::sys_days{c::days{day}}};
  const c::year_month_day next =
      c::year_month_day{ymd.year(), ymd.month(), c::day{1}} + c::months{1};
  return c::sys_days{next}.time_since_epoch().count();
}

// The first day of the month of "YYYY-MM", if it is a month.
std::optional<Day> MonthStart(std::string_view id) {
  if (id.size() != 7) return std::nullopt;
  return consent::ParseDay(std::string(id) + "-01");
}

std::string MonthName(Day first) {
  static constexpr std::string_view kNames[] = {"January",   "February", "March",    "April",
                                                "May",       "June",     "July",     "August",
                                                "September", "October",  "November", "December"};
  const std::string text = consent::DayText(first);
  const int month = std::stoi(text.substr(5, 2));
  return fmt::format("{} {}", kNames[month - 1], text.substr(0, 4));
}

// The months of the account's history that ended before `today`: [first, last] days, newest
// first.
std::vector<std::pair<Day, Day>> CompleteMonths(Day today) {
  std::vector<std::pair<Day, Day>> out;
  const Day oldest = today - SandboxLedger::kHistoryDays + 1;
  for (Day first = NextMonth(oldest - 1);;) {  // the first month that starts in the history
    const Day next = NextMonth(first);
    if (next > today) break;
    out.emplace_back(first, next - 1);
    first = next;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Item MakeItem(std::string id, const json::object& json) {
  Item item{std::move(id), {}};
  AppendFdxJson(item.json, json);
  return item;
}

json::object SandboxCustomer(std::string_view customer_id, const consent::SandboxProfile& profile,
                             bool contact, bool personal, std::span<const AccountSummary> accounts,
                             std::string_view base_url) {
  json::object out{{"customerId", customer_id}};
  if (personal) {
    out["name"] = {{"first", profile.first_name}, {"last", profile.last_name}};
    out["dateOfBirth"] = profile.date_of_birth;
  }
  if (contact) {
    out["email"] = json::array{json::string(profile.email)};
    out["addresses"] = json::array{json::object{{"line1", profile.line1},
                                                {"city", profile.city},
                                                {"region", profile.region},
                                                {"postalCode", profile.postal_code},
                                                {"country", profile.country},
                                                {"type", "HOME"}}};
    out["telephones"] = json::array{
        json::object{{"type", "CELL"}, {"country", "1"}, {"number", profile.telephone}}};
  }
  json::array items;
  for (const auto& account : accounts) {
    items.push_back(json::object{
        {"accountId", account.account_id},
        {"relationship", "PRIMARY"},
        {"links", json::array{json::object{
                      {"href", std::string(base_url) + "/accounts/" + account.account_id},
                      {"action", "GET"}}}}});
  }
  out["accounts"] = std::move(items);
  return out;
}

json::object SandboxAccount(const AccountSummary& account, bool details, std::int64_t now) {
  json::object a{{"accountId", account.account_id},
                 {"accountCategory", KindOf(account.category).category},
                 {"accountType", account.account_type},
                 {"accountNumberDisplay", account.masked_number},
                 {"productName", account.display_name},
                 {"nickname", account.display_name},
                 {"status", "OPEN"},
                 {"description", account.display_name},
                 {"currency", {{"currencyCode", account.currency}}}};
  if (details) {
    const Day today = consent::DayOf(now);
    const Terms terms = TermsOf(account);
    const std::int64_t balance = SandboxLedger::BalanceCents(account, today, today);
    const auto recent = SandboxLedger::Entries(account, today - 30, today, today);
    a["balanceType"] = IsLiability(account) ? "LIABILITY" : "ASSET";
    a["balanceAsOf"] = FormatRfc3339(now);
    if (!recent.empty()) a["lastActivityDate"] = consent::DayText(recent.front().posted);
    a["transactionsIncluded"] = false;
    a["interestRate"] = terms.interest_rate;
    a["interestRateType"] = account.category == AccountCategory::kLoan ? "FIXED" : "VARIABLE";
    switch (account.category) {
      case AccountCategory::kDeposit:
        a["routingTransitNumber"] =
            std::string(consent::Sandbox::kTransit) + std::string(consent::Sandbox::kInstitution);
        a["currentBalance"] = Money(balance);
        a["availableBalance"] = Money(balance);
        a["annualPercentageYield"] = terms.interest_rate;
        break;
      case AccountCategory::kLineOfCredit:
        a["currentBalance"] = Money(balance);
        a["creditLine"] = Money(terms.credit_line_cents);
        a["availableCredit"] = Money(std::max<std::int64_t>(0, terms.credit_line_cents - balance));
        break;
      case AccountCategory::kLoan:
        a["principalBalance"] = Money(balance);
        a["nextPaymentAmount"] = 1850.0;
        a["nextPaymentDate"] = consent::DayText(NextMonth(today));
        break;
      case AccountCategory::kInvestment:
        a["currentValue"] = Money(balance);
        break;
    }
  }
  return {{KindOf(account.category).wrapper, std::move(a)}};
}

std::vector<Item> SandboxTransactions(const AccountSummary& account, Day from, Day to, Day today) {
  std::vector<Item> out;
  for (auto& entry : SandboxLedger::Entries(account, from, to, today)) {
    const std::string at = FormatRfc3339(entry.posted * 86400);
    json::object t{{"accountId", account.account_id},
                   {"transactionId", entry.transaction_id},
                   {"postedTimestamp", at},
                   {"transactionTimestamp", at},
                   {"description", entry.description},
                   {"debitCreditMemo", entry.credit ? "CREDIT" : "DEBIT"},
                   {"amount", Money(entry.amount_cents)},
                   {"status", "POSTED"},
                   {"transactionType", entry.transaction_type}};
    if (!entry.payee.empty()) t["payee"] = entry.payee;
    out.push_back(MakeItem(std::move(entry.transaction_id),
                           {{KindOf(account.category).transaction_wrapper, std::move(t)}}));
  }
  return out;
}

std::vector<Item> SandboxPaymentNetworks(const AccountSummary& account) {
  if (account.category != AccountCategory::kDeposit) return {};
  const std::string bank_id =
      std::string(consent::Sandbox::kInstitution) + std::string(consent::Sandbox::kTransit);
  return {MakeItem("CA_ACSS", {{"bankId", bank_id},
                               {"identifier", account.account_number},
                               {"identifierType", "ACCOUNT_NUMBER"},
                               {"type", "CA_ACSS"},
                               {"transferIn", true},
                               {"transferOut", true}})};
}

std::vector<Item> SandboxStatements(const AccountSummary& account, Day from, Day to, Day today,
                                    std::string_view base_url) {
  std::vector<Item> out;
  for (const auto& [first, last] : CompleteMonths(today)) {
    if (last < from || last > to) continue;
    std::string id = consent::DayText(first).substr(0, 7);
    json::object s{
        {"accountId", account.account_id},
        {"statementId", id},
        {"statementDate", consent::DayText(last)},
        {"description", MonthName(first) + " statement"},
        {"status", "AVAILABLE"},
        {"links", json::array{json::object{{"href", fmt::format("{}/accounts/{}/statements/{}",
                                                                base_url, account.account_id, id)},
                                           {"action", "GET"},
                                           {"types", json::array{"application/pdf"}}}}}};
    out.push_back(MakeItem(std::move(id), s));
  }
  return out;
}

Result<std::string> SandboxStatementPdf(const AccountSummary& account,
                                        std::string_view customer_name,
                                        std::string_view statement_id, Day today) {
  const auto first = MonthStart(statement_id);
  const auto months = CompleteMonths(today);
  const auto month = std::find_if(months.begin(), months.end(),
                                  [&](const auto& m) { return first && m.first == *first; });
  if (month == months.end()) {
    return MakeError(ErrorCode::kNotFound, "The account has no statement with this id");
  }
  const auto [start, end] = *month;
  StatementContent content;
  content.institution = "obauth Sandbox Bank";
  content.customer_name = customer_name;
  content.account_name = account.display_name;
  content.account_number_display = account.masked_number;
  content.currency = account.currency;
  content.period_start = consent::DayText(start);
  content.period_end = consent::DayText(end);
  // A debt is shown as a negative balance, so that a payment (a credit) raises it towards zero.
  const std::int64_t sign = IsLiability(account) ? -1 : 1;
  content.opening_balance_cents = sign * SandboxLedger::BalanceCents(account, start - 1, today);
  content.closing_balance_cents = sign * SandboxLedger::BalanceCents(account, end, today);
  auto entries = SandboxLedger::Entries(account, start, end, today);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    content.lines.push_back(
        {consent::DayText(it->posted), std::move(it->description), it->credit, it->amount_cents});
  }
  return RenderStatementPdf(content);
}

}  // namespace obauth::fdx
