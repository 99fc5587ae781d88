// The customer's data (reference §10, §9.2) over the real binary: what a connection's token shows
// of the sandbox institution — only the consented accounts, each resource behind its scope,
// paging by opaque offset with absolute links, transactions by date, payment networks, statements
// as PDF documents — and the errors a Data Recipient meets: 602 for a scope not consented or a
// revoked connection, 701, 702, 703, 1203, and a bare 401 for a token that is not a connection's.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "consent_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr std::string_view kFdx = "/api/fdx/5";

// Today (UTC) as YYYY-MM-DD, shifted by `days`.
std::string DateFromToday(int days) {
  using namespace std::chrono;
  const year_month_day ymd{floor<std::chrono::days>(system_clock::now()) + std::chrono::days{days}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// The object an FDX item wraps ({"depositAccount": {...}} → {...}).
const json::object& Unwrapped(const json::value& item) {
  return item.as_object().begin()->value().as_object();
}

class FdxData : public ConsentTest {
 protected:
  // A connection of `username` with `scope`, sharing `accounts` (every account when nullopt); its
  // access token.
  std::string Connection(std::string scope = std::string(kAllDataScopes),
                         std::optional<std::vector<std::string>> accounts = std::nullopt,
                         std::string_view username = "alice") {
    Browser browser;
    const HttpResponse page = ToConsentPage(browser, {{"scope", scope}}, username);
    all_accounts_ = CheckboxValues(page.body, "account");
    const HttpResponse approved = Decide(browser, page, "approve", accounts);
    EXPECT_EQ(approved.status, 302) << approved.Describe();
    const auto query = QueryOf(approved.Header("Location").value_or(""));
    const HttpResponse token = ExchangeCode(query.count("code") ? query.at("code") : "");
    EXPECT_EQ(token.status, 200) << token.Describe();
    if (token.status != 200) return {};
    const auto body = ParseJsonObject(token.body);
    RememberSecret(body.at("refresh_token").as_string());
    return std::string(StringAt(body, "access_token"));
  }

  HttpResponse Get(std::string_view token, std::string_view target,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + std::string(token));
    const std::string full =
        target.starts_with("http") ? std::string(target) : std::string(kFdx) + std::string(target);
    // Links are absolute: send the path of one.
    const std::string issuer = Issuer();
    return Send({"GET", full.starts_with(issuer) ? full.substr(issuer.size()) : full,
                 std::move(headers), ""});
  }

  json::object GetJson(std::string_view token, std::string_view target) {
    const HttpResponse r = Get(token, target);
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    return r.status == 200 ? ParseJsonObject(r.body) : json::object{};
  }

  // The §9.2 code of an error answer, after checking its status and shape.
  std::int64_t FdxCode(const HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.Describe();
    EXPECT_TRUE(r.Header("ob-correlation-id").has_value()) << r.Describe();
    EXPECT_TRUE(r.Header("ob-trace-id").has_value()) << r.Describe();
    if (status == 401) {
      EXPECT_TRUE(r.Header("WWW-Authenticate").has_value()) << r.Describe();
    }
    const auto body = ParseJsonObject(r.body);
    EXPECT_TRUE(body.contains("message") && body.contains("debugMessage")) << r.body;
    return body.contains("code") ? body.at("code").as_int64() : -1;
  }

  std::vector<std::string> all_accounts_;  // the consent page's, in its order
};

TEST_F(FdxData, OnlyTheAccountsTheCustomerChoseAreVisible) {
  SetUpWorld();
  const std::string token = Connection(std::string(kAllDataScopes), std::nullopt);
  ASSERT_EQ(all_accounts_.size(), 4u);
  const std::vector<std::string> ids = all_accounts_;
  const std::string chosen =
      Connection(std::string(kAllDataScopes), std::vector<std::string>{ids[0], ids[2]});
  const json::object list = GetJson(chosen, "/accounts");
  const auto& accounts = list.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 2u) << list;
  EXPECT_EQ(list.at("page").at("totalElements").as_int64(), 2);
  EXPECT_FALSE(list.contains("links")) << "one page: no next link";
  // Lightweight by default: the kind's wrapper, no balance.
  EXPECT_TRUE(accounts[0].as_object().contains("depositAccount")) << list;
  EXPECT_TRUE(accounts[1].as_object().contains("locAccount")) << list;
  const json::object& chequing = Unwrapped(accounts[0]);
  EXPECT_EQ(StringAt(chequing, "accountId"), ids[0]);
  EXPECT_EQ(StringAt(chequing, "accountCategory"), "DEPOSIT_ACCOUNT");
  EXPECT_EQ(StringAt(chequing, "accountType"), "CHECKING");
  EXPECT_EQ(StringAt(chequing, "status"), "OPEN");
  EXPECT_EQ(StringAt(chequing.at("currency").as_object(), "currencyCode"), "CAD");
  EXPECT_TRUE(std::string(StringAt(chequing, "accountNumberDisplay")).starts_with("****"));
  EXPECT_FALSE(chequing.contains("currentBalance"));
  // An account the customer did not choose: 701 wherever it is named.
  EXPECT_EQ(FdxCode(Get(chosen, "/accounts/" + ids[1]), 404), 701);
  EXPECT_EQ(FdxCode(Get(chosen, "/accounts/" + ids[1] + "/transactions"), 404), 701);
  EXPECT_EQ(FdxCode(Get(chosen, "/accounts?accountIds=" + ids[0] + "," + ids[1]), 404), 701);
  EXPECT_EQ(FdxCode(Get(chosen, "/accounts/nonexistent"), 404), 701);
  const json::object one = GetJson(chosen, "/accounts?accountIds=" + ids[2]);
  ASSERT_EQ(one.at("accounts").as_array().size(), 1u);
  EXPECT_EQ(StringAt(Unwrapped(one.at("accounts").as_array()[0]), "accountId"), ids[2]);
  // In the order asked, a page at a time: the next link keeps the filter.
  const json::object first =
      GetJson(chosen, "/accounts?accountIds=" + ids[2] + "%2C" + ids[0] + "&limit=1");
  ASSERT_EQ(first.at("accounts").as_array().size(), 1u) << first;
  EXPECT_EQ(StringAt(Unwrapped(first.at("accounts").as_array()[0]), "accountId"), ids[2]);
  EXPECT_EQ(first.at("page").at("totalElements").as_int64(), 2);
  const std::string next(StringAt(first.at("links").at("next").as_object(), "href"));
  EXPECT_NE(next.find("accountIds=" + ids[2] + "," + ids[0]), std::string::npos) << next;
  const json::object second = GetJson(chosen, next);
  EXPECT_EQ(StringAt(Unwrapped(second.at("accounts").as_array()[0]), "accountId"), ids[0]);
  EXPECT_FALSE(second.contains("links")) << second;
  // The second consent superseded the first connection (one live connection per customer).
  EXPECT_EQ(FdxCode(Get(token, "/accounts"), 401), 602);
}

TEST_F(FdxData, DetailsAndBalancesNeedAccountDetailed) {
  SetUpWorld();
  const std::string basic = Connection("ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(FdxCode(Get(basic, "/accounts?resultType=details"), 401), 602);
  const json::object account = GetJson(basic, "/accounts/" + all_accounts_[0]);
  ASSERT_TRUE(account.contains("depositAccount")) << account;
  EXPECT_FALSE(account.at("depositAccount").as_object().contains("currentBalance")) << account;

  const std::string detailed = Connection("ACCOUNT_BASIC ACCOUNT_DETAILED");
  const json::object list = GetJson(detailed, "/accounts?resultType=details");
  const auto& accounts = list.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 4u);
  const json::object& chequing = Unwrapped(accounts[0]);
  EXPECT_TRUE(chequing.at("currentBalance").is_number()) << chequing;
  EXPECT_TRUE(chequing.at("availableBalance").is_number()) << chequing;
  EXPECT_EQ(StringAt(chequing, "balanceType"), "ASSET");
  EXPECT_EQ(StringAt(chequing, "routingTransitNumber"), "00011999");
  const json::object& card = Unwrapped(accounts[2]);
  EXPECT_EQ(StringAt(card, "balanceType"), "LIABILITY");
  EXPECT_TRUE(card.at("creditLine").is_number()) << card;
  // An investment account's balance needs INVESTMENTS too; so do its transactions.
  EXPECT_FALSE(Unwrapped(accounts[3]).contains("currentValue")) << accounts[3];
  const std::string investor = Connection("ACCOUNT_BASIC ACCOUNT_DETAILED INVESTMENTS");
  const json::object tfsa = GetJson(investor, "/accounts/" + all_accounts_[3]);
  EXPECT_TRUE(tfsa.at("investmentAccount").at("currentValue").is_number()) << tfsa;
  const std::string no_investments = Connection("ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS");
  EXPECT_EQ(FdxCode(Get(no_investments, "/accounts/" + all_accounts_[3] + "/transactions"), 401),
            602);
  EXPECT_EQ(Get(no_investments, "/accounts/" + all_accounts_[0] + "/transactions").status, 200);
  // The same balance on the account's own page, with the scope.
  const std::string again = Connection("ACCOUNT_BASIC ACCOUNT_DETAILED");
  const json::object single = GetJson(again, "/accounts/" + all_accounts_[0]);
  EXPECT_EQ(single.at("depositAccount").at("currentBalance"), chequing.at("currentBalance"));
  EXPECT_EQ(FdxCode(Get(again, "/accounts?resultType=everything"), 400), 401);
}

TEST_F(FdxData, EachResourceNeedsItsScope) {
  SetUpWorld();
  const std::string token = Connection("ACCOUNT_BASIC");
  const std::string account = "/accounts/" + all_accounts_[0];
  EXPECT_EQ(GetJson(token, "/accounts").at("accounts").as_array().size(), 4u);
  EXPECT_EQ(FdxCode(Get(token, "/customers/current"), 401), 602);
  EXPECT_EQ(FdxCode(Get(token, account + "/transactions"), 401), 602);
  EXPECT_EQ(FdxCode(Get(token, account + "/payment-networks"), 401), 602);
  EXPECT_EQ(FdxCode(Get(token, account + "/statements"), 401), 602);
  EXPECT_EQ(FdxCode(Get(token, account + "/statements/2026-01"), 401), 602);
  // Scope is checked before the account: an unknown account says nothing more.
  EXPECT_EQ(FdxCode(Get(token, "/accounts/nonexistent/transactions"), 401), 602);
}

TEST_F(FdxData, TheCustomersFieldsFollowTheConsentedScope) {
  SetUpWorld();
  const json::object contact =
      GetJson(Connection("ACCOUNT_BASIC CUSTOMER_CONTACT"), "/customers/current");
  EXPECT_FALSE(contact.contains("name")) << contact;
  EXPECT_FALSE(contact.contains("dateOfBirth")) << contact;
  EXPECT_EQ(contact.at("email").as_array().at(0).as_string(), "alice.martin@example.com");
  EXPECT_EQ(StringAt(contact.at("addresses").as_array().at(0).as_object(), "city"), "Montreal");
  EXPECT_FALSE(contact.at("telephones").as_array().empty());
  EXPECT_EQ(contact.at("accounts").as_array().size(), 4u);

  const json::object personal =
      GetJson(Connection("ACCOUNT_BASIC CUSTOMER_PERSONAL"), "/customers/current");
  EXPECT_EQ(StringAt(personal.at("name").as_object(), "first"), "Alice");
  EXPECT_EQ(StringAt(personal.at("name").as_object(), "last"), "Martin");
  EXPECT_FALSE(personal.contains("email")) << personal;
  // The customer id is the pairwise subject of the token, never the username.
  EXPECT_EQ(StringAt(personal, "customerId"), StringAt(contact, "customerId"));
  EXPECT_NE(StringAt(personal, "customerId"), "alice");
}

TEST_F(FdxData, TransactionsAreNewestFirstOverNinetyDaysAndPagedByOffset) {
  SetUpWorld();
  const std::string token = Connection();
  const std::string path = "/accounts/" + all_accounts_[0] + "/transactions";
  const json::object all = GetJson(token, path + "?limit=500");
  const auto& items = all.at("transactions").as_array();
  ASSERT_GT(items.size(), 30u) << "90 days of a chequing account";
  const std::int64_t total = all.at("page").at("totalElements").as_int64();
  EXPECT_EQ(static_cast<std::int64_t>(items.size()), total);
  const std::string oldest_allowed = DateFromToday(-89);
  std::string previous = "9999";
  std::set<std::string> ids;
  for (const auto& item : items) {
    ASSERT_TRUE(item.as_object().contains("depositTransaction")) << item;
    const auto& t = Unwrapped(item);
    const std::string posted(StringAt(t, "postedTimestamp"));
    EXPECT_LE(posted, previous);
    EXPECT_GE(posted.substr(0, 10), oldest_allowed);
    previous = posted;
    EXPECT_TRUE(ids.insert(std::string(StringAt(t, "transactionId"))).second);
    EXPECT_TRUE(t.at("amount").is_number());
    EXPECT_TRUE(StringAt(t, "debitCreditMemo") == "DEBIT" ||
                StringAt(t, "debitCreditMemo") == "CREDIT");
  }
  // Walk it 7 at a time by links.next.href: the same items, in order, each once.
  std::vector<std::string> walked;
  std::string next = path + "?limit=7";
  while (!next.empty()) {
    const json::object page = GetJson(token, next);
    for (const auto& item : page.at("transactions").as_array()) {
      walked.emplace_back(StringAt(Unwrapped(item), "transactionId"));
    }
    EXPECT_EQ(page.at("page").at("totalElements").as_int64(), total);
    next.clear();
    if (page.contains("links")) {
      next = std::string(StringAt(page.at("links").at("next").as_object(), "href"));
      EXPECT_TRUE(next.starts_with(Issuer() + std::string(kFdx))) << next;
      EXPECT_NE(next.find(std::string(StringAt(page.at("page").as_object(), "nextOffset"))),
                std::string::npos);
    }
    ASSERT_LE(walked.size(), items.size());
  }
  ASSERT_EQ(walked.size(), items.size());
  for (std::size_t i = 0; i < walked.size(); ++i) {
    EXPECT_EQ(walked[i], StringAt(Unwrapped(items[i]), "transactionId"));
  }
  // A range: only its days.
  const std::string from = DateFromToday(-20), to = DateFromToday(-10);
  const json::object range = GetJson(token, path + "?startTime=" + from + "&endTime=" + to);
  ASSERT_FALSE(range.at("transactions").as_array().empty());
  for (const auto& item : range.at("transactions").as_array()) {
    const std::string day(StringAt(Unwrapped(item), "postedTimestamp").substr(0, 10));
    EXPECT_TRUE(day >= from && day <= to) << day;
  }
  // Bad dates, ranges, limits and offsets.
  EXPECT_EQ(FdxCode(Get(token, path + "?startTime=2026-02-30"), 400), 702);
  EXPECT_EQ(FdxCode(Get(token, path + "?endTime=yesterday"), 400), 702);
  EXPECT_EQ(FdxCode(Get(token, path + "?startTime=" + to + "&endTime=" + from), 400), 703);
  EXPECT_EQ(FdxCode(Get(token, path + "?limit=0"), 400), 401);
  EXPECT_EQ(FdxCode(Get(token, path + "?limit=501"), 400), 401);
  EXPECT_EQ(FdxCode(Get(token, path + "?offset=not-a-position"), 400), 401);
  EXPECT_EQ(FdxCode(Get(token, path + "?page=2"), 400), 401);
}

TEST_F(FdxData, PaymentNetworksGiveTheDepositAccountsNumber) {
  SetUpWorld();
  const std::string token = Connection("ACCOUNT_BASIC ACCOUNT_PAYMENTS");
  const json::object account = GetJson(token, "/accounts/" + all_accounts_[0]);
  const std::string masked(
      StringAt(account.at("depositAccount").as_object(), "accountNumberDisplay"));
  const json::object networks =
      GetJson(token, "/accounts/" + all_accounts_[0] + "/payment-networks");
  ASSERT_EQ(networks.at("paymentNetworks").as_array().size(), 1u) << networks;
  const auto& network = networks.at("paymentNetworks").as_array()[0].as_object();
  EXPECT_EQ(StringAt(network, "type"), "CA_ACSS");
  EXPECT_EQ(StringAt(network, "identifierType"), "ACCOUNT_NUMBER");
  EXPECT_TRUE(std::string(StringAt(network, "identifier")).ends_with(masked.substr(4)));
  // A card has no network of its own.
  EXPECT_TRUE(GetJson(token, "/accounts/" + all_accounts_[2] + "/payment-networks")
                  .at("paymentNetworks")
                  .as_array()
                  .empty());
}

TEST_F(FdxData, AStatementIsAPdfOfThatMonthsTransactions) {
  SetUpWorld();
  const std::string token = Connection("ACCOUNT_BASIC STATEMENTS TRANSACTIONS");
  const std::string account = "/accounts/" + all_accounts_[0];
  const json::object list = GetJson(token, account + "/statements");
  const auto& statements = list.at("statements").as_array();
  ASSERT_GE(statements.size(), 12u) << "a year of complete months";
  const auto& latest = statements[0].as_object();
  const std::string id(StringAt(latest, "statementId"));
  EXPECT_EQ(StringAt(latest, "status"), "AVAILABLE");
  EXPECT_EQ(id,
            DateFromToday(-static_cast<int>(std::stoi(DateFromToday(0).substr(8, 2)))).substr(0, 7))
      << "the latest is last month's";
  const std::string href(StringAt(latest.at("links").as_array()[0].as_object(), "href"));
  EXPECT_EQ(href, Issuer() + std::string(kFdx) + account + "/statements/" + id);

  // No Accept, */*, or a list naming PDF: a PDF.
  for (const std::vector<std::pair<std::string, std::string>>& accept :
       {std::vector<std::pair<std::string, std::string>>{},
        {{"Accept", "*/*"}},
        {{"Accept", "image/png, application/pdf;q=0.5"}}}) {
    const HttpResponse pdf = Get(token, href, accept);
    ASSERT_EQ(pdf.status, 200) << pdf.Describe();
    EXPECT_EQ(pdf.Header("Content-Type").value_or(""), "application/pdf");
    EXPECT_TRUE(pdf.body.starts_with("%PDF-"));
  }
  EXPECT_EQ(FdxCode(Get(token, href, {{"Accept", "image/png"}}), 406), 1203);
  EXPECT_EQ(FdxCode(Get(token, href, {{"Accept", "application/pdf;q=0"}}), 406), 1203);
  EXPECT_EQ(FdxCode(Get(token, account + "/statements/1999-01"), 404), 1107);
  EXPECT_EQ(FdxCode(Get(token, account + "/statements/" + DateFromToday(0).substr(0, 7)), 404),
            1107)
      << "this month is not over";

  // The document lists the month's transactions: pdftotext reads them back.
  const HttpResponse pdf = Get(token, href);
  const auto file = std::filesystem::temp_directory_path() /
                    ("obauth-statement-" + std::to_string(::getpid()) + ".pdf");
  std::ofstream(file, std::ios::binary) << pdf.body;
  std::string text;
  if (FILE* p = ::popen(("pdftotext -layout " + file.string() + " -").c_str(), "r")) {
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) text.append(buffer, n);
    EXPECT_EQ(::pclose(p), 0) << "pdftotext (Debian poppler-utils) failed";
  }
  std::filesystem::remove(file);
  EXPECT_NE(text.find("Everyday Chequing"), std::string::npos) << text;
  EXPECT_NE(text.find("Alice Martin"), std::string::npos) << text;
  const std::string month_end(StringAt(latest, "statementDate"));
  const json::object month = GetJson(
      token, account + "/transactions?startTime=" + id + "-01&endTime=" + month_end + "&limit=500");
  ASSERT_FALSE(month.at("transactions").as_array().empty());
  for (const auto& item : month.at("transactions").as_array()) {
    EXPECT_NE(text.find(std::string(StringAt(Unwrapped(item), "description"))), std::string::npos);
  }
}

TEST_F(FdxData, ARevokedConnectionIs602AndOtherTokensABare401) {
  SetUpWorld();
  const std::string token = Connection();
  const HttpResponse ok = Get(token, "/accounts", {{"ob-correlation-id", "my-corr-1"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("ob-correlation-id").value_or(""), "my-corr-1");
  EXPECT_FALSE(ok.Header("ob-trace-id").value_or("").empty());

  // No token, a bad one, and the recipient's own client_credentials token: 401, a message only.
  for (const std::string& bad :
       {std::string(), std::string("not-a-token"), Token(recipient_.credentials)}) {
    const HttpResponse r = bad.empty() ? Send({"GET", std::string(kFdx) + "/accounts", {}, ""})
                                       : Get(bad, "/accounts");
    EXPECT_EQ(r.status, 401) << r.Describe();
    const auto body = ParseJsonObject(r.body);
    EXPECT_TRUE(body.contains("message")) << r.body;
    EXPECT_FALSE(body.contains("code")) << r.body;
    EXPECT_TRUE(r.Header("WWW-Authenticate").has_value());
    EXPECT_TRUE(r.Header("ob-trace-id").has_value());
  }
  ASSERT_EQ(Send({"DELETE", "/api/v1/revoke", {{"Authorization", "Bearer " + token}}, ""}).status,
            204);
  const HttpResponse revoked = Get(token, "/accounts");
  EXPECT_EQ(FdxCode(revoked, 401), 602);
  EXPECT_NE(revoked.Header("WWW-Authenticate").value_or("").find(R"(error="invalid_token")"),
            std::string::npos);
  EXPECT_EQ(FdxCode(Get(token, "/customers/current"), 401), 602);
  // A path under the prefix without a route is an FDX answer too.
  EXPECT_EQ(FdxCode(Get(token, "/accounts/x/balances"), 404), 1107);
  // The other methods are §9.2's 501/405.
  const HttpResponse post = Send({"POST", std::string(kFdx) + "/accounts", {}, ""});
  EXPECT_EQ(FdxCode(post, 405), 501);
  EXPECT_EQ(post.Header("Allow").value_or(""), "GET");
}

TEST_F(FdxData, AConnectionPastItsRateGets1207UntilTheMinuteEnds) {
  SetUpWorld("Budget Buddy", std::string(kAllDataScopes), {"--fdx-requests-per-minute", "3"});
  FreezeClock();
  const std::string token = Connection();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(token, "/accounts").status, 200) << i;
  const HttpResponse refused = Get(token, "/accounts");
  EXPECT_EQ(FdxCode(refused, 429), 1207);
  const std::int64_t wait = std::stoll(refused.Header("Retry-After").value_or("0"));
  EXPECT_TRUE(wait >= 1 && wait <= 60) << wait;
  // Another connection has its own count.
  const std::string other = Connection("ACCOUNT_BASIC", std::nullopt, "bob");
  EXPECT_EQ(Get(other, "/accounts").status, 200);
  AdvanceClock(wait);
  EXPECT_EQ(Get(token, "/accounts").status, 200);
}

}  // namespace
}  // namespace obauth::e2e
