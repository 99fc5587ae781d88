#include "admin/recipient_input.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace obauth::admin {
namespace {

using Strings = std::vector<std::string>;

template <class T>
Field<T> Value(T v) {
  return Field<T>{true, std::move(v)};
}
template <class T>
Field<T> Null() {
  return Field<T>{true, std::nullopt};
}

// The smallest valid create body.
RecipientInput ValidCreate() {
  RecipientInput in;
  in.name = Value<std::string>("Acme");
  in.scope = Value<Strings>({"ACCOUNT_BASIC"});
  in.redirect_uris = Value<Strings>({"https://acme.example/cb"});
  return in;
}

// A stored recipient with every optional field set.
store::Recipient FullRecipient() {
  store::Recipient r;
  r.client_id = "dc-0123456789abcdefghijklmno";
  r.partner_id = "pt-x";
  r.name = "Stored";
  r.scope = "ACCOUNT_BASIC TRANSACTIONS";
  r.redirect_uris = {"https://stored.example/cb"};
  r.logo_uri = "https://stored.example/logo.png";
  r.description = "Stored description";
  r.terms_uri = "https://stored.example/terms";
  r.client_uri = "https://stored.example/";
  r.country = "CA";
  r.contact_emails = {"ops@stored.example"};
  return r;
}

std::string Repeat(std::string_view piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

Strings Uris(std::size_t n) {
  Strings out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("https://acme.example/cb" + std::to_string(i));
  return out;
}

Strings Emails(std::size_t n) {
  Strings out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("ops" + std::to_string(i) + "@acme.example");
  return out;
}

struct Case {
  const char* label;
  std::function<void(RecipientInput&)> mutate;
  // Empty when the input is valid; otherwise a part of the public message (the field name).
  std::string error_field;
};

void RunCases(const std::vector<Case>& cases, bool creating) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    RecipientInput in = creating ? ValidCreate() : RecipientInput{};
    c.mutate(in);
    store::Recipient target = creating ? store::Recipient{} : FullRecipient();
    auto r = ApplyRecipientInput(in, creating, target);
    if (c.error_field.empty()) {
      EXPECT_TRUE(r) << r.error().public_message;
    } else {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kValidation);
      EXPECT_NE(r.error().public_message.find("'" + c.error_field + "'"), std::string::npos)
          << r.error().public_message;
    }
  }
}

TEST(ApplyRecipientInput, NameRules) {
  RunCases(
      {
          {"one char", [](auto& in) { in.name = Value<std::string>("A"); }, ""},
          {"256 chars", [](auto& in) { in.name = Value(std::string(256, 'a')); }, ""},
          {"257 chars", [](auto& in) { in.name = Value(std::string(257, 'a')); }, "name"},
          {"256 two-byte code points", [](auto& in) { in.name = Value(Repeat("\xc3\xa9", 256)); },
           ""},
          {"256 four-byte code points",
           [](auto& in) { in.name = Value(Repeat("\xf0\x9f\x8f\xa6", 256)); }, ""},
          {"257 two-byte code points", [](auto& in) { in.name = Value(Repeat("\xc3\xa9", 257)); },
           "name"},
          {"empty", [](auto& in) { in.name = Value<std::string>(""); }, "name"},
          {"blank", [](auto& in) { in.name = Value<std::string>("   "); }, "name"},
          {"inner spaces", [](auto& in) { in.name = Value<std::string>(" A b "); }, ""},
          {"NUL", [](auto& in) { in.name = Value(std::string("a\0b", 3)); }, "name"},
          {"control char", [](auto& in) { in.name = Value<std::string>("a\x01z"); }, "name"},
          {"tab", [](auto& in) { in.name = Value<std::string>("a\tb"); }, "name"},
          {"newline", [](auto& in) { in.name = Value<std::string>("a\nb"); }, "name"},
          {"DEL", [](auto& in) { in.name = Value<std::string>("a\x7f"); }, "name"},
          {"null", [](auto& in) { in.name = Null<std::string>(); }, "name"},
          {"absent", [](auto& in) { in.name = {}; }, "name"},
      },
      true);
}

TEST(ApplyRecipientInput, ScopeRules) {
  RunCases(
      {
          {"every scope",
           [](auto& in) {
             in.scope = Value<Strings>({"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "ACCOUNT_PAYMENTS",
                                        "INVESTMENTS", "TRANSACTIONS", "STATEMENTS",
                                        "CUSTOMER_CONTACT", "CUSTOMER_PERSONAL"});
           },
           ""},
          {"without ACCOUNT_BASIC", [](auto& in) { in.scope = Value<Strings>({"TRANSACTIONS"}); },
           "scope"},
          {"unknown value",
           [](auto& in) {
             in.scope = Value<Strings>({"ACCOUNT_BASIC", "BOGUS"});
           },
           "scope"},
          {"lowercase value", [](auto& in) { in.scope = Value<Strings>({"account_basic"}); },
           "scope"},
          {"admin scope",
           [](auto& in) {
             in.scope = Value<Strings>({"ACCOUNT_BASIC", "client:admin"});
           },
           "scope"},
          {"empty list", [](auto& in) { in.scope = Value<Strings>({}); }, "scope"},
          {"null", [](auto& in) { in.scope = Null<Strings>(); }, "scope"},
          {"absent", [](auto& in) { in.scope = {}; }, "scope"},
      },
      true);
}

TEST(ApplyRecipientInput, ScopeIsStoredInCanonicalOrderWithoutDuplicates) {
  RecipientInput in = ValidCreate();
  in.scope = Value<Strings>(
      {"STATEMENTS", "ACCOUNT_BASIC", "TRANSACTIONS", "STATEMENTS", "ACCOUNT_BASIC"});
  store::Recipient target;
  ASSERT_TRUE(ApplyRecipientInput(in, true, target));
  EXPECT_EQ(target.scope, "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
}

TEST(ApplyRecipientInput, RedirectUriRules) {
  const std::string prefix = "https://acme.example/";
  RunCases(
      {
          {"with query and port",
           [](auto& in) { in.redirect_uris = Value<Strings>({"https://a.example:8443/cb?x=1"}); },
           ""},
          {"20 uris", [](auto& in) { in.redirect_uris = Value(Uris(20)); }, ""},
          {"21 uris", [](auto& in) { in.redirect_uris = Value(Uris(21)); }, "redirect_uris"},
          {"empty list", [](auto& in) { in.redirect_uris = Value<Strings>({}); }, "redirect_uris"},
          {"http", [](auto& in) { in.redirect_uris = Value<Strings>({"http://acme.example/cb"}); },
           "redirect_uris[0]"},
          {"custom scheme", [](auto& in) { in.redirect_uris = Value<Strings>({"acme://cb"}); },
           "redirect_uris[0]"},
          {"fragment",
           [](auto& in) { in.redirect_uris = Value<Strings>({"https://acme.example/cb#frag"}); },
           "redirect_uris[0]"},
          {"empty fragment",
           [](auto& in) { in.redirect_uris = Value<Strings>({"https://acme.example/cb#"}); },
           "redirect_uris[0]"},
          {"userinfo",
           [](auto& in) { in.redirect_uris = Value<Strings>({"https://user:pw@acme.example/cb"}); },
           "redirect_uris[0]"},
          {"user only",
           [](auto& in) { in.redirect_uris = Value<Strings>({"https://user@acme.example/cb"}); },
           "redirect_uris[0]"},
          {"relative", [](auto& in) { in.redirect_uris = Value<Strings>({"/cb"}); },
           "redirect_uris[0]"},
          {"no host", [](auto& in) { in.redirect_uris = Value<Strings>({"https:///cb"}); },
           "redirect_uris[0]"},
          {"no authority", [](auto& in) { in.redirect_uris = Value<Strings>({"https:cb"}); },
           "redirect_uris[0]"},
          {"space", [](auto& in) { in.redirect_uris = Value<Strings>({"https://a.example/c b"}); },
           "redirect_uris[0]"},
          {"empty string", [](auto& in) { in.redirect_uris = Value<Strings>({""}); },
           "redirect_uris[0]"},
          {"second bad",
           [](auto& in) {
             in.redirect_uris = Value<Strings>({"https://a.example/cb", "http://a.example/cb"});
           },
           "redirect_uris[1]"},
          {"duplicate",
           [](auto& in) {
             in.redirect_uris = Value<Strings>(
                 {"https://a.example/1", "https://a.example/2", "https://a.example/1"});
           },
           "redirect_uris[2]"},
          {"2048 chars",
           [&](auto& in) {
             in.redirect_uris = Value<Strings>({prefix + std::string(2048 - prefix.size(), 'a')});
           },
           ""},
          {"2049 chars",
           [&](auto& in) {
             in.redirect_uris = Value<Strings>({prefix + std::string(2049 - prefix.size(), 'a')});
           },
           "redirect_uris[0]"},
          {"null", [](auto& in) { in.redirect_uris = Null<Strings>(); }, "redirect_uris"},
          {"absent", [](auto& in) { in.redirect_uris = {}; }, "redirect_uris"},
      },
      true);
}

TEST(ApplyRecipientInput, OptionalUriRules) {
  const std::string prefix = "https://acme.example/";
  std::vector<Case> cases;
  using Member = Field<std::string> RecipientInput::*;
  const std::pair<const char*, Member> fields[] = {{"logo_uri", &RecipientInput::logo_uri},
                                                   {"terms_uri", &RecipientInput::terms_uri},
                                                   {"client_uri", &RecipientInput::client_uri}};
  for (const auto& [name, bound_member] : fields) {
    const std::string field = name;
    const Member member = bound_member;  // a copy: lambdas capture variables, not bindings
    auto set = [member](std::string v) {
      return [member, v](RecipientInput& in) { in.*member = Value(v); };
    };
    cases.push_back({"https", set("https://acme.example/x.png"), ""});
    cases.push_back({"fragment allowed", set("https://acme.example/terms#section-2"), ""});
    cases.push_back({"http", set("http://acme.example/x.png"), field});
    cases.push_back({"data uri", set("data:image/png;base64,AAAA"), field});
    cases.push_back({"userinfo", set("https://u:p@acme.example/"), field});
    cases.push_back({"relative", set("x.png"), field});
    cases.push_back({"empty", set(""), field});
    cases.push_back({"2048 chars", set(prefix + std::string(2048 - prefix.size(), 'a')), ""});
    cases.push_back({"2049 chars", set(prefix + std::string(2049 - prefix.size(), 'a')), field});
    cases.push_back(
        {"null", [member](RecipientInput& in) { in.*member = Null<std::string>(); }, ""});
  }
  RunCases(cases, true);
}

TEST(ApplyRecipientInput, DescriptionRules) {
  RunCases(
      {
          {"512 chars", [](auto& in) { in.description = Value(std::string(512, 'd')); }, ""},
          {"513 chars", [](auto& in) { in.description = Value(std::string(513, 'd')); },
           "description"},
          {"512 code points", [](auto& in) { in.description = Value(Repeat("\xe2\x82\xac", 512)); },
           ""},
          {"513 code points", [](auto& in) { in.description = Value(Repeat("\xe2\x82\xac", 513)); },
           "description"},
          {"line breaks and tabs",
           [](auto& in) { in.description = Value<std::string>("one\r\ntwo\tthree"); }, ""},
          {"control char", [](auto& in) { in.description = Value<std::string>("bell\x07"); },
           "description"},
          {"empty", [](auto& in) { in.description = Value<std::string>(""); }, "description"},
          {"blank", [](auto& in) { in.description = Value<std::string>("  "); }, "description"},
          {"only line breaks", [](auto& in) { in.description = Value<std::string>("\n\r\n\t"); },
           "description"},
          {"null", [](auto& in) { in.description = Null<std::string>(); }, ""},
      },
      true);
}

TEST(ApplyRecipientInput, CountryRules) {
  RunCases(
      {
          {"CA", [](auto& in) { in.country = Value<std::string>("CA"); }, ""},
          {"US", [](auto& in) { in.country = Value<std::string>("US"); }, ""},
          {"lowercase", [](auto& in) { in.country = Value<std::string>("ca"); }, "country"},
          {"other", [](auto& in) { in.country = Value<std::string>("FR"); }, "country"},
          {"alpha-3", [](auto& in) { in.country = Value<std::string>("CAN"); }, "country"},
          {"empty", [](auto& in) { in.country = Value<std::string>(""); }, "country"},
          {"null", [](auto& in) { in.country = Null<std::string>(); }, ""},
      },
      true);
}

TEST(ApplyRecipientInput, ContactRules) {
  RunCases(
      {
          {"valid", [](auto& in) { in.contact_emails = Value<Strings>({"ops@acme.example"}); }, ""},
          {"empty list", [](auto& in) { in.contact_emails = Value<Strings>({}); }, ""},
          {"20", [](auto& in) { in.contact_emails = Value(Emails(20)); }, ""},
          {"21", [](auto& in) { in.contact_emails = Value(Emails(21)); }, "contacts"},
          {"invalid",
           [](auto& in) {
             in.contact_emails = Value<Strings>({"ops@acme.example", "nope"});
           },
           "contacts[1].email"},
          {"null", [](auto& in) { in.contact_emails = Null<Strings>(); }, ""},
      },
      true);
}

TEST(ApplyRecipientInput, CreateStoresEveryField) {
  RecipientInput in = ValidCreate();
  in.logo_uri = Value<std::string>("https://acme.example/logo.png");
  in.description = Value<std::string>("Budgeting");
  in.terms_uri = Value<std::string>("https://acme.example/terms");
  in.client_uri = Value<std::string>("https://acme.example/");
  in.country = Value<std::string>("US");
  in.contact_emails = Value<Strings>({"a@acme.example", "b@acme.example"});
  store::Recipient target;
  ASSERT_TRUE(ApplyRecipientInput(in, true, target));
  EXPECT_EQ(target.name, "Acme");
  EXPECT_EQ(target.scope, "ACCOUNT_BASIC");
  EXPECT_EQ(target.redirect_uris, Strings{"https://acme.example/cb"});
  EXPECT_EQ(target.logo_uri, std::optional<std::string>("https://acme.example/logo.png"));
  EXPECT_EQ(target.description, std::optional<std::string>("Budgeting"));
  EXPECT_EQ(target.terms_uri, std::optional<std::string>("https://acme.example/terms"));
  EXPECT_EQ(target.client_uri, std::optional<std::string>("https://acme.example/"));
  EXPECT_EQ(target.country, std::optional<std::string>("US"));
  EXPECT_EQ(target.contact_emails, (Strings{"a@acme.example", "b@acme.example"}));
}

TEST(ApplyRecipientInput, CreateWithOnlyRequiredFieldsLeavesOptionalsEmpty) {
  store::Recipient target;
  ASSERT_TRUE(ApplyRecipientInput(ValidCreate(), true, target));
  EXPECT_FALSE(target.logo_uri.has_value());
  EXPECT_FALSE(target.description.has_value());
  EXPECT_FALSE(target.terms_uri.has_value());
  EXPECT_FALSE(target.client_uri.has_value());
  EXPECT_FALSE(target.country.has_value());
  EXPECT_TRUE(target.contact_emails.empty());
}

TEST(ApplyRecipientInput, UpdateKeepsAbsentFields) {
  RecipientInput in;
  in.name = Value<std::string>("Renamed");
  store::Recipient target = FullRecipient();
  ASSERT_TRUE(ApplyRecipientInput(in, false, target));
  store::Recipient expected = FullRecipient();
  expected.name = "Renamed";
  EXPECT_EQ(target.name, expected.name);
  EXPECT_EQ(target.scope, expected.scope);
  EXPECT_EQ(target.redirect_uris, expected.redirect_uris);
  EXPECT_EQ(target.logo_uri, expected.logo_uri);
  EXPECT_EQ(target.description, expected.description);
  EXPECT_EQ(target.terms_uri, expected.terms_uri);
  EXPECT_EQ(target.client_uri, expected.client_uri);
  EXPECT_EQ(target.country, expected.country);
  EXPECT_EQ(target.contact_emails, expected.contact_emails);
}

TEST(ApplyRecipientInput, UpdateNullClearsOptionalFields) {
  RecipientInput in;
  in.logo_uri = Null<std::string>();
  in.description = Null<std::string>();
  in.terms_uri = Null<std::string>();
  in.client_uri = Null<std::string>();
  in.country = Null<std::string>();
  in.contact_emails = Null<Strings>();
  store::Recipient target = FullRecipient();
  ASSERT_TRUE(ApplyRecipientInput(in, false, target));
  EXPECT_FALSE(target.logo_uri.has_value());
  EXPECT_FALSE(target.description.has_value());
  EXPECT_FALSE(target.terms_uri.has_value());
  EXPECT_FALSE(target.client_uri.has_value());
  EXPECT_FALSE(target.country.has_value());
  EXPECT_TRUE(target.contact_emails.empty());
  // Required fields untouched.
  EXPECT_EQ(target.name, "Stored");
  EXPECT_EQ(target.scope, "ACCOUNT_BASIC TRANSACTIONS");
}

TEST(ApplyRecipientInput, UpdateNullOnRequiredFieldIsRejected) {
  RunCases(
      {
          {"name null", [](auto& in) { in.name = Null<std::string>(); }, "name"},
          {"scope null", [](auto& in) { in.scope = Null<Strings>(); }, "scope"},
          {"redirect_uris null", [](auto& in) { in.redirect_uris = Null<Strings>(); },
           "redirect_uris"},
          {"empty update", [](auto&) {}, ""},
          {"scope update",
           [](auto& in) {
             in.scope = Value<Strings>({"ACCOUNT_BASIC", "INVESTMENTS"});
           },
           ""},
          {"bad scope update", [](auto& in) { in.scope = Value<Strings>({"INVESTMENTS"}); },
           "scope"},
      },
      false);
}

TEST(IsRecipientId, AcceptsOnlyDcPrefixAnd25LowerAlnum) {
  EXPECT_TRUE(IsRecipientId("dc-0123456789abcdefghijklmno"));
  EXPECT_TRUE(IsRecipientId("dc-zzzzzzzzzzzzzzzzzzzzzzzzz"));
  EXPECT_FALSE(IsRecipientId(""));
  EXPECT_FALSE(IsRecipientId("dc-"));
  EXPECT_FALSE(IsRecipientId("dc-0123456789abcdefghijklmn"));    // 24
  EXPECT_FALSE(IsRecipientId("dc-0123456789abcdefghijklmnop"));  // 26
  EXPECT_FALSE(IsRecipientId("pt-0123456789abcdefghijklmno"));
  EXPECT_FALSE(IsRecipientId("DC-0123456789abcdefghijklmno"));
  EXPECT_FALSE(IsRecipientId("dc_0123456789abcdefghijklmno"));
  EXPECT_FALSE(IsRecipientId("dc-0123456789ABCDEFGHIJKLMNO"));
  EXPECT_FALSE(IsRecipientId("dc-0123456789abcdefghijklm-o"));
  EXPECT_FALSE(IsRecipientId("dc-0123456789abcdefghijklm/o"));
  EXPECT_FALSE(IsRecipientId(std::string_view("dc-0123456789abcdefghijklm\0o", 28)));
}

TEST(IsEmailAddress, AcceptsPracticalAddresses) {
  for (const char* email :
       {"a@b.co", "first.last@example.com", "first.last+tag@sub.example.com", "o'brien@example.ie",
        "x_y-z@ex-ample.co.uk", "UPPER@EXAMPLE.COM", "1@2.3", "!#$%&'*+/=?^_`{|}~-@example.com"}) {
    EXPECT_TRUE(IsEmailAddress(email)) << email;
  }
  EXPECT_TRUE(IsEmailAddress(std::string(64, 'a') + "@example.com"));
  EXPECT_TRUE(IsEmailAddress("a@" + std::string(63, 'b') + ".com"));
}

TEST(IsEmailAddress, RejectsMalformedAddresses) {
  for (const char* email : {"",         "plain",           "@example.com",    "a@",
                            "a@b",      "a@@b.co",         "a@b@c.co",        "a..b@c.co",
                            ".a@b.co",  "a.@b.co",         "a b@c.co",        "a@b .co",
                            "a@-b.co",  "a@b-.co",         "a@b..co",         "a@.b.co",
                            "a@b.co.",  "a@b_c.co",        "\"quoted\"@b.co", "a@[127.0.0.1]",
                            "a@b.co\n", "a(comment)@b.co", "\xc3\xa9@b.co",   "a@\xc3\xa9.co"}) {
    EXPECT_FALSE(IsEmailAddress(email)) << email;
  }
  EXPECT_FALSE(IsEmailAddress(std::string(65, 'a') + "@example.com"));
  EXPECT_FALSE(IsEmailAddress("a@" + std::string(64, 'b') + ".com"));
  // More than 254 characters overall.
  std::string long_domain;
  while (long_domain.size() < 250) long_domain += std::string(60, 'd') + ".";
  long_domain += "com";
  EXPECT_FALSE(IsEmailAddress("a@" + long_domain));
}

TEST(IsHttpsUrl, PortMustBeInRange) {
  EXPECT_TRUE(IsHttpsUrl("https://a.example:8443/cb", false));
  EXPECT_TRUE(IsHttpsUrl("https://a.example:65535/cb", false));
  EXPECT_FALSE(IsHttpsUrl("https://a.example:65536/cb", false));
  EXPECT_FALSE(IsHttpsUrl("https://a.example:99999/cb", false));
  EXPECT_FALSE(IsHttpsUrl("https://a.example:0/cb", false));
  EXPECT_FALSE(IsHttpsUrl("https://a.example:/cb", false));
}

TEST(IsHttpsUrl, FragmentOnlyWhenAllowed) {
  EXPECT_TRUE(IsHttpsUrl("https://a.example/x#y", true));
  EXPECT_FALSE(IsHttpsUrl("https://a.example/x#y", false));
  EXPECT_TRUE(IsHttpsUrl("https://a.example/x", false));
  EXPECT_FALSE(IsHttpsUrl("http://a.example/x", true));
}

}  // namespace
}  // namespace obauth::admin

TEST(IsRedirectUri, HttpsAnywhereButHttpOnlyOnLoopback) {
  for (const char* ok : {"https://app.example/cb", "http://127.0.0.1:8765/callback",
                         "http://[::1]/cb", "http://localhost:3000/cb"}) {
    EXPECT_TRUE(obauth::admin::IsRedirectUri(ok)) << ok;
  }
  for (const char* bad :
       {"http://app.example/cb", "http://127.0.0.2/cb", "http://localhost.evil/cb",
        "http://user@127.0.0.1/cb", "https://app.example/cb#f", "http://127.0.0.1:99999/cb",
        "ftp://127.0.0.1/cb", "app:/cb"}) {
    EXPECT_FALSE(obauth::admin::IsRedirectUri(bad)) << bad;
  }
}
