#include "consent/sandbox.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>

#include "crypto/hash.hpp"

namespace obauth::consent {
namespace {

struct SandboxAccount {
  AccountCategory category;
  std::string_view account_type;
  std::string_view display_name;
};

struct SandboxCustomer {
  std::string_view username;
  std::string_view display_name;
  std::array<std::optional<SandboxAccount>, 4> accounts;
  SandboxProfile profile;
};

// The customers: each has a deposit account and accounts of other kinds.
constexpr std::array<SandboxCustomer, 3> kCustomers = {{
    {"alice",
     "Alice Martin",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Everyday Chequing"},
      SandboxAccount{AccountCategory::kDeposit, "SAVINGS", "High Interest Savings"},
      SandboxAccount{AccountCategory::kLineOfCredit, "CREDITCARD", "Cashback Visa"},
      SandboxAccount{AccountCategory::kInvestment, "TFSA", "Tax-Free Savings Account"}},
     {"Alice", "Martin", "1988-04-12", "alice.martin@example.com", "120 Rue Sainte-Catherine",
      "Montreal", "QC", "H2X 1K4", "CA", "5145550142"}},
    {"bob",
     "Bob Tremblay",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Everyday Chequing"},
      SandboxAccount{AccountCategory::kLoan, "MORTGAGE", "Home Mortgage"}},
     {"Bob", "Tremblay", "1975-09-30", "bob.tremblay@example.com", "45 Elgin Street", "Ottawa",
      "ON", "K1P 5K7", "CA", "6135550187"}},
    {"carol",
     "Carol Nguyen",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Business Chequing"},
      SandboxAccount{AccountCategory::kLineOfCredit, "LINEOFCREDIT", "Personal Line of Credit"},
      SandboxAccount{AccountCategory::kInvestment, "RRSP", "Retirement Savings Plan"}},
     {"Carol", "Nguyen", "1992-01-23", "carol.nguyen@example.com", "800 Granville Street",
      "Vancouver", "BC", "V6Z 1K3", "CA", "6045550163"}},
}};

const SandboxCustomer* Find(std::string_view username) {
  for (const auto& c : kCustomers) {
    if (c.username == username) return &c;
  }
  return nullptr;
}

// A value derived from the provider, the customer and the account's place: the same everywhere.
std::string Derived(std::int64_t provider_id, std::string_view username, std::size_t index,
                    std::string_view what) {
  return crypto::Sha256("obauth sandbox\n" + std::to_string(provider_id) + "\n" +
                        std::string(username) + "\n" + std::to_string(index) + "\n" +
                        std::string(what));
}

Error WrongCredentials(std::string_view username) {
  return MakeError(ErrorCode::kAccessDenied, "The username or password is incorrect.",
                   "sandbox sign-in failed for " + std::string(username));
}

}  // namespace

const SandboxProfile* Sandbox::Profile(std::string_view customer_id) {
  const SandboxCustomer* customer = Find(customer_id);
  return customer == nullptr ? nullptr : &customer->profile;
}

Result<Customer> Sandbox::SignIn(std::int64_t provider_id, std::string_view username,
                                 const Secret& password) const {
  (void)provider_id;
  const SandboxCustomer* customer = Find(username);
  // Compared whether the username exists or not: the time tells nothing about it.
  const bool password_ok =
      crypto::ConstantTimeEquals(crypto::Sha256(password.Expose()), crypto::Sha256(kPassword));
  if (customer == nullptr || !password_ok) return WrongCredentials(username);
  return Customer{std::string(customer->username), std::string(customer->display_name)};
}

Result<Customer> Sandbox::FindCustomer(std::int64_t provider_id,
                                       std::string_view customer_id) const {
  (void)provider_id;
  const SandboxCustomer* customer = Find(customer_id);
  if (customer == nullptr) return MakeError(ErrorCode::kNotFound, "Unknown customer");
  return Customer{std::string(customer->username), std::string(customer->display_name)};
}

Result<std::vector<AccountSummary>> Sandbox::Accounts(std::int64_t provider_id,
                                                      std::string_view customer_id) const {
  const SandboxCustomer* customer = Find(customer_id);
  if (customer == nullptr) return MakeError(ErrorCode::kNotFound, "Unknown customer");
  std::vector<AccountSummary> out;
  for (std::size_t i = 0; i < customer->accounts.size(); ++i) {
    const auto& account = customer->accounts[i];
    if (!account) continue;
    AccountSummary summary;
    summary.account_id = crypto::ToHex(Derived(provider_id, customer_id, i, "id").substr(0, 12));
    summary.category = account->category;
    summary.account_type = std::string(account->account_type);
    summary.display_name = std::string(account->display_name);
    // Four digits from the derivation: what a statement would show of the account number.
    const std::string digits = Derived(provider_id, customer_id, i, "number");
    const unsigned value =
        (static_cast<unsigned char>(digits[0]) << 8 | static_cast<unsigned char>(digits[1])) %
        10000;
    const unsigned first3 =
        (static_cast<unsigned char>(digits[2]) << 8 | static_cast<unsigned char>(digits[3])) % 1000;
    summary.masked_number = fmt::format("****{:04}", value);
    summary.account_number = fmt::format("{:03}{:04}", first3, value);
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace obauth::consent
