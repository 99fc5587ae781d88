// The sandbox institution's FDX entities (FDX 5, reference §10) as JSON: its customer's profile,
// accounts, transactions (consent/sandbox_ledger.hpp), payment networks and monthly statements.
// DataService chooses what to show; these functions only say how. Pure; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/connector.hpp"
#include "consent/sandbox.hpp"
#include "consent/sandbox_ledger.hpp"
#include "core/error.hpp"

namespace obauth::fdx {

// One member of a paged list: the id a page may start at (its `offset`) and its JSON text.
struct Item {
  std::string id;
  std::string json;
};
Item MakeItem(std::string id, const boost::json::object& json);

// GET /customers/current: `customer_id` (the pairwise subject), the name and date of birth with
// `personal`, e-mail, address and telephone with `contact`, and the consented `accounts`.
boost::json::object SandboxCustomer(std::string_view customer_id,
                                    const consent::SandboxProfile& profile, bool contact,
                                    bool personal,
                                    std::span<const consent::AccountSummary> accounts,
                                    std::string_view base_url);

// An account wrapped by its kind ({"depositAccount": {...}}): the lightweight fields, and with
// `details` its balances, rates and routing number as of `now`.
boost::json::object SandboxAccount(const consent::AccountSummary& account, bool details,
                                   std::int64_t now);

// The account's transactions posted from `from` to `to` (within its history), newest first.
std::vector<Item> SandboxTransactions(const consent::AccountSummary& account, consent::Day from,
                                      consent::Day to, consent::Day today);

// The account's payment networks: a deposit account's Canadian ACSS (EFT) identity; none for
// other kinds.
std::vector<Item> SandboxPaymentNetworks(const consent::AccountSummary& account);

// The account's monthly statements (id "YYYY-MM"), one for each month of its history that ended
// before `today`, whose last day is from `from` to `to`, newest first.
std::vector<Item> SandboxStatements(const consent::AccountSummary& account, consent::Day from,
                                    consent::Day to, consent::Day today, std::string_view base_url);

// The statement `statement_id` as a PDF; kNotFound when the account has no such statement.
[[nodiscard]] Result<std::string> SandboxStatementPdf(const consent::AccountSummary& account,
                                                      std::string_view customer_name,
                                                      std::string_view statement_id,
                                                      consent::Day today);

}  // namespace obauth::fdx
