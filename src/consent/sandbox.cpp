#include "consent/sandbox.hpp"

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
};

// The customers: each has a deposit account and accounts of other kinds.
constexpr std::array<SandboxCustomer, 3> kCustomers = {{
    {"alice",
     "Alice Martin",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Everyday Chequing"},
      SandboxAccount{AccountCategory::kDeposit, "SAVINGS", "High Interest Savings"},
      SandboxAccount{AccountCategory::kLineOfCredit, "CREDITCARD", "Cashback Visa"},
      SandboxAccount{AccountCategory::kInvestment, "TFSA", "Tax-Free Savings Account"}}},
    {"bob",
     "Bob Tremblay",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Everyday Chequing"},
      SandboxAccount{AccountCategory::kLoan, "MORTGAGE", "Home Mortgage"}}},
    {"carol",
     "Carol Nguyen",
     {SandboxAccount{AccountCategory::kDeposit, "CHECKING", "Business Chequing"},
      SandboxAccount{AccountCategory::kLineOfCredit, "LINEOFCREDIT", "Personal Line of Credit"},
      SandboxAccount{AccountCategory::kInvestment, "RRSP", "Retirement Savings Plan"}}},
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
    std::string last4 = std::to_string(value);
    last4.insert(0, 4 - last4.size(), '0');
    summary.masked_number = "****" + last4;
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace obauth::consent
