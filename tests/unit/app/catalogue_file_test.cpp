#include "app/catalogue_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#ifndef OBAUTH_SAMPLE_CATALOGUE
#error "OBAUTH_SAMPLE_CATALOGUE must name examples/providers.json"
#endif

namespace obauth::app {
namespace {

TEST(CatalogueFile, ReadsEveryFieldAndStoresScopesInTheDocumentedOrder) {
  auto parsed = ParseCatalogue(R"([
    {"provider_id": 4013, "name": "1st United CU", "country": "US",
     "provider_url": "https://accounts.1stunitedcu.example/",
     "scopes": ["TRANSACTIONS", "ACCOUNT_BASIC", "TRANSACTIONS"],
     "data_inventory": {"account": [], "customers": ["customerId", "name.first"]},
     "connectorName": "akoya",
     "availableAccountTypes": {"depositAccounts": "true", "locAccounts": "false"}},
    {"provider_id": 1000, "name": "Flinks Capital", "country": "CA", "scopes": ["ACCOUNT_BASIC"]}
  ])",
                               1234);
  ASSERT_TRUE(parsed) << parsed.error().public_message;
  ASSERT_EQ(parsed->size(), 2u);
  const store::Provider& p = (*parsed)[0];
  EXPECT_EQ(p.provider_id, 4013);
  EXPECT_EQ(p.name, "1st United CU");
  EXPECT_EQ(p.country, "US");
  EXPECT_EQ(p.provider_url, "https://accounts.1stunitedcu.example/");
  EXPECT_EQ(p.scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(p.data_inventory, R"({"account":[],"customers":["customerId","name.first"]})");
  EXPECT_EQ(p.connector_name, "akoya");
  EXPECT_EQ(p.account_types, R"({"depositAccounts":"true","locAccounts":"false"})");
  EXPECT_EQ(p.updated_at, 1234);
  EXPECT_EQ(p.connector, std::nullopt);
  const store::Provider& bare = (*parsed)[1];
  EXPECT_EQ(bare.provider_url, std::nullopt);
  EXPECT_EQ(bare.connector_name, std::nullopt);
  EXPECT_EQ(bare.data_inventory, "{}");
  EXPECT_EQ(bare.account_types, "{}");
}

TEST(CatalogueFile, NamesTheLineOfEachInvalidEntryEvenWithNestingAndStrings) {
  auto parsed = ParseCatalogue(R"([{"provider_id": 1, "name": "A [x], {y}", "country": "CA",
  "scopes": ["ACCOUNT_BASIC"], "data_inventory": {"a": ["b,c"]}},

  {"provider_id": 2, "name": "Quote \" and ] inside", "country": "XX",
   "scopes": ["ACCOUNT_BASIC"]}, {"provider_id": 0, "name": "Zero", "country": "CA",
   "scopes": ["ACCOUNT_BASIC"]},
  {"provider_id": 3, "name": "Plain http", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
   "provider_url": "http://plain.example/"},
  {"provider_id": 4, "name": "T", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
   "availableAccountTypes": {"depositAccounts": true}},
  {"provider_id": 5, "name": "T", "country": "CA", "scopes": []},
  {"provider_id": 6, "name": "T", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
   "data_inventory": {"a": [1]}}
])",
                               0);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kValidation);
  EXPECT_EQ(parsed.error().public_message,
            "line 4: provider 2: country must be \"CA\" or \"US\"\n"
            "line 5: provider 0: provider_id must be a positive integer\n"
            "line 7: provider 3: provider_url must be an https URL\n"
            "line 9: provider 4: availableAccountTypes.depositAccounts must be the string "
            "\"true\" or \"false\"\n"
            "line 11: provider 5: scopes must be a non-empty array of data scopes\n"
            "line 12: provider 6: data_inventory must be an object of arrays of field names");
}

// One entry with `connector` (JSON text) as provider 7's connector, parsed.
Result<std::vector<store::Provider>> ParseWithConnector(const std::string& connector) {
  return ParseCatalogue(R"([{"provider_id": 7, "name": "T", "country": "CA",
      "scopes": ["ACCOUNT_BASIC"], "connector": )" +
                            connector + "}]",
                        0);
}

TEST(CatalogueFile, ConnectorIsStoredCompactAndOnlyTheSandboxAndFdxTypesAreAccepted) {
  auto parsed = ParseCatalogue(R"([
    {"provider_id": 9000, "name": "Sandbox", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
     "connector": { "type" : "sandbox" }},
    {"provider_id": 9001, "name": "Null", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
     "connector": null}
  ])",
                               0);
  ASSERT_TRUE(parsed) << parsed.error().public_message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].connector, std::optional<std::string>(R"({"type":"sandbox"})"));
  EXPECT_EQ((*parsed)[1].connector, std::nullopt);

  struct Case {
    const char* connector;
    const char* message;
  };
  const Case cases[] = {
      {R"("sandbox")", R"(connector must be an object, e.g. {"type": "sandbox"})"},
      {R"(["sandbox"])", R"(connector must be an object, e.g. {"type": "sandbox"})"},
      {R"({})", R"(connector.type must be the string "sandbox" or "fdx")"},
      {R"({"type": 1})", R"(connector.type must be the string "sandbox" or "fdx")"},
      {R"({"type": "akoya"})", "connector.type: 'akoya' is not a connector type (sandbox, fdx)"},
      {R"({"type": "Sandbox"})",
       "connector.type: 'Sandbox' is not a connector type (sandbox, fdx)"},
      {R"({"type": "FDX"})", "connector.type: 'FDX' is not a connector type (sandbox, fdx)"},
      {R"({"type": "sandbox", "url": "https://x.example/"})", "connector: unknown member 'url'"},
      // The sandbox keeps its one member: an fdx connector's members are unknown to it.
      {R"({"type": "sandbox", "issuer": "https://x.example"})",
       "connector: unknown member 'issuer'"},
  };
  for (const Case& c : cases) {
    auto refused = ParseWithConnector(c.connector);
    ASSERT_FALSE(refused) << c.connector;
    EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
    EXPECT_EQ(refused.error().public_message, std::string("line 1: provider 7: ") + c.message);
  }
}

TEST(CatalogueFile, AnFdxConnectorIsStoredCompactAsWritten) {
  struct Case {
    const char* connector;
    const char* stored;
  };
  const Case cases[] = {
      {R"({"type": "fdx", "issuer": "https://auth.bank.example",
           "fdx_base_url": "https://api.bank.example/fdx/v5",
           "authorize_params": {"provider_id": "1000", "ui.locale": "fr-CA", "x_Empty-1": ""}})",
       R"({"type":"fdx","issuer":"https://auth.bank.example","fdx_base_url":"https://api.bank.example/fdx/v5","authorize_params":{"provider_id":"1000","ui.locale":"fr-CA","x_Empty-1":""}})"},
      // authorize_params may be left out; members in any order; the base URL may have a query.
      {R"({"fdx_base_url": "https://bank.example:8443/api/fdx/5?tenant=a", "type": "fdx",
           "issuer": "https://bank.example/oauth"})",
       R"({"fdx_base_url":"https://bank.example:8443/api/fdx/5?tenant=a","type":"fdx","issuer":"https://bank.example/oauth"})"},
      // Plain http on a loopback host only: 127.0.0.0/8, ::1 and localhost, for development.
      {R"({"type": "fdx", "issuer": "http://127.0.0.1:9999", "fdx_base_url": "http://127.8.9.10/f"})",
       R"({"type":"fdx","issuer":"http://127.0.0.1:9999","fdx_base_url":"http://127.8.9.10/f"})"},
      {R"({"type": "fdx", "issuer": "http://[::1]:9999/", "fdx_base_url": "http://LocalHost/f"})",
       R"({"type":"fdx","issuer":"http://[::1]:9999/","fdx_base_url":"http://LocalHost/f"})"},
      {R"({"type": "fdx", "issuer": "https://a.example", "fdx_base_url": "https://b.example",
           "authorize_params": {}})",
       R"({"type":"fdx","issuer":"https://a.example","fdx_base_url":"https://b.example","authorize_params":{}})"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseWithConnector(c.connector);
    ASSERT_TRUE(parsed) << c.connector << ": " << parsed.error().public_message;
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].connector, std::optional<std::string>(c.stored));
  }
}

TEST(CatalogueFile, AnFdxConnectorIsRefusedNamingTheMemberAndTheRule) {
  // Every case starts from a valid connector and changes one member.
  const std::string issuer = R"("issuer": "https://auth.bank.example")";
  const std::string base = R"("fdx_base_url": "https://api.bank.example/fdx/v5")";
  const auto fdx = [](const std::string& members) { return R"({"type": "fdx", )" + members + "}"; };
  const auto with_issuer = [&](const std::string& url) {
    return fdx(R"("issuer": ")" + url + R"(", )" + base);
  };
  const auto with_base = [&](const std::string& url) {
    return fdx(issuer + R"(, "fdx_base_url": ")" + url + R"(")");
  };
  const auto with_params = [&](const std::string& params) {
    return fdx(issuer + ", " + base + R"(, "authorize_params": )" + params);
  };
  const std::string https_only =
      " must be an https URL (http only on a loopback host: 127.0.0.0/8, ::1, localhost)";
  const std::string not_a_url = " must be an absolute URL with a host, e.g. https://bank.example/";
  const std::string bad_value = " must be a string of at most 256 printable ASCII characters";
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += R"("p)" + std::to_string(i) + R"(": "v", )";
  struct Case {
    std::string connector;
    std::string message;
  };
  const std::vector<Case> cases = {
      {fdx(base), "connector.issuer is required: an https URL"},
      {fdx(R"("issuer": null, )" + base), "connector.issuer is required: an https URL"},
      {fdx(R"("issuer": 7, )" + base), "connector.issuer must be a string: an https URL"},
      {fdx(issuer), "connector.fdx_base_url is required: an https URL"},
      {fdx(issuer + R"(, "fdx_base_url": ["https://x.example"])"),
       "connector.fdx_base_url must be a string: an https URL"},
      {fdx(issuer + ", " + base + R"(, "token_url": "https://x.example")"),
       "connector: unknown member 'token_url'"},
      {with_issuer("https://bank.example/" + std::string(492, 'a')),
       "connector.issuer must be at most 512 characters"},
      {with_base("https://bank.example/" + std::string(492, 'a')),
       "connector.fdx_base_url must be at most 512 characters"},
      {with_issuer(""), "connector.issuer" + not_a_url},
      {with_issuer("auth.bank.example"), "connector.issuer" + not_a_url},
      {with_issuer("/oauth"), "connector.issuer" + not_a_url},
      {with_issuer("https:///oauth"), "connector.issuer" + not_a_url},
      {with_issuer("https://bank example/"), "connector.issuer" + not_a_url},
      {with_base("mailto:api@bank.example"), "connector.fdx_base_url" + not_a_url},
      {with_issuer("http://auth.bank.example"), "connector.issuer" + https_only},
      {with_issuer("http://10.0.0.1"), "connector.issuer" + https_only},
      {with_issuer("http://128.0.0.1"), "connector.issuer" + https_only},
      {with_issuer("http://[::2]"), "connector.issuer" + https_only},
      {with_issuer("http://localhost.example"), "connector.issuer" + https_only},
      {with_base("http://api.bank.example/fdx"), "connector.fdx_base_url" + https_only},
      {with_base("ftp://api.bank.example/fdx"), "connector.fdx_base_url" + https_only},
      {with_issuer("https://user:pass@auth.bank.example"),
       "connector.issuer must have no user name or password"},
      {with_base("https://user@api.bank.example"),
       "connector.fdx_base_url must have no user name or password"},
      {with_issuer("https://auth.bank.example:99999"), "connector.issuer has an invalid port"},
      {with_base("https://api.bank.example:0/"), "connector.fdx_base_url has an invalid port"},
      {with_base("https://api.bank.example:/"), "connector.fdx_base_url has an invalid port"},
      {with_issuer("https://auth.bank.example#top"),
       "connector.issuer must have no fragment ('#')"},
      {with_base("https://api.bank.example/fdx#x"),
       "connector.fdx_base_url must have no fragment ('#')"},
      {with_issuer("https://auth.bank.example/?tenant=a"),
       "connector.issuer must have no query ('?')"},
      {with_params(R"(["provider_id", "1000"])"),
       "connector.authorize_params must be an object of parameter names and string values"},
      {with_params(R"("provider_id=1000")"),
       "connector.authorize_params must be an object of parameter names and string values"},
      {with_params("{" + sixteen + R"("p16": "v"})"),
       "connector.authorize_params must have at most 16 members"},
      {with_params(R"({"": "v"})"),
       "connector.authorize_params: '' is not a parameter name (1-64 characters of A-Z, a-z, "
       "0-9, '.', '_', '-')"},
      {with_params(R"({"provider id": "v"})"),
       "connector.authorize_params: 'provider id' is not a parameter name (1-64 characters of "
       "A-Z, a-z, 0-9, '.', '_', '-')"},
      {with_params(R"({"a&b": "v"})"),
       "connector.authorize_params: 'a&b' is not a parameter name (1-64 characters of A-Z, a-z, "
       "0-9, '.', '_', '-')"},
      {with_params(R"({")" + std::string(65, 'p') + R"(": "v"})"),
       "connector.authorize_params: '" + std::string(65, 'p') +
           "' is not a parameter name (1-64 characters of A-Z, a-z, 0-9, '.', '_', '-')"},
      {with_params(R"({"provider_id": 1000})"),
       "connector.authorize_params.provider_id" + bad_value},
      {with_params(R"({"provider_id": null})"),
       "connector.authorize_params.provider_id" + bad_value},
      {with_params(R"({"provider_id": ")" + std::string(257, 'v') + R"("})"),
       "connector.authorize_params.provider_id" + bad_value},
      {with_params(R"({"provider_id": "caf\u00e9"})"),
       "connector.authorize_params.provider_id" + bad_value},
      {with_params(R"({"provider_id": "a\nb"})"),
       "connector.authorize_params.provider_id" + bad_value},
  };
  for (const Case& c : cases) {
    auto refused = ParseWithConnector(c.connector);
    ASSERT_FALSE(refused) << c.connector;
    EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
    EXPECT_EQ(refused.error().public_message, "line 1: provider 7: " + c.message) << c.connector;
  }
  // At the limits: 16 members, a 64-character name, a 256-character value, 512-character URLs.
  const std::string long_url = "https://bank.example/" + std::string(491, 'a');
  ASSERT_EQ(long_url.size(), 512u);
  for (const std::string& connector :
       {with_params("{" + sixteen.substr(0, sixteen.size() - 2) + "}"),
        with_params(R"({")" + std::string(64, 'p') + R"(": ")" + std::string(256, '~') + R"("})"),
        fdx(R"("issuer": ")" + long_url + R"(", "fdx_base_url": ")" + long_url + R"(")")}) {
    auto parsed = ParseWithConnector(connector);
    EXPECT_TRUE(parsed) << connector << ": " << parsed.error().public_message;
  }
}

TEST(CatalogueFile, AnFdxConnectorCannotSetTheParametersObauthSetsItself) {
  for (const char* name :
       {"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
        "code_challenge_method", "nonce", "request", "request_uri", "Client_ID", "SCOPE"}) {
    auto refused = ParseWithConnector(std::string(R"({"type": "fdx", "issuer": "https://a.example",
          "fdx_base_url": "https://a.example/fdx", "authorize_params": {")") +
                                      name + R"(": "x"}})");
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().public_message,
              std::string("line 1: provider 7: connector.authorize_params.") + name +
                  " is set by obauth itself on the authorize request");
  }
}

TEST(CatalogueFile, TheSampleCatalogueParsesWithItsSandboxBank) {
  std::ifstream file(OBAUTH_SAMPLE_CATALOGUE);
  ASSERT_TRUE(file) << OBAUTH_SAMPLE_CATALOGUE;
  std::stringstream text;
  text << file.rdbuf();
  auto parsed = ParseCatalogue(text.str(), 0);
  ASSERT_TRUE(parsed) << parsed.error().public_message;
  ASSERT_EQ(parsed->size(), 4u);
  const store::Provider& sandbox = parsed->back();
  EXPECT_EQ(sandbox.provider_id, 9000);
  EXPECT_EQ(sandbox.country, "CA");
  EXPECT_EQ(sandbox.scope,
            "ACCOUNT_BASIC ACCOUNT_DETAILED ACCOUNT_PAYMENTS INVESTMENTS TRANSACTIONS STATEMENTS "
            "CUSTOMER_CONTACT CUSTOMER_PERSONAL");
  EXPECT_EQ(sandbox.connector, std::optional<std::string>(R"({"type":"sandbox"})"));
  for (std::size_t i = 0; i + 1 < parsed->size(); ++i) {
    EXPECT_EQ((*parsed)[i].connector, std::nullopt) << (*parsed)[i].provider_id;
  }
}

TEST(CatalogueFile, RefusesWhatIsNotAnArrayOfProviders) {
  for (const char* text : {"", "{}", R"({"providers": []})", "[1,", "null"}) {
    auto parsed = ParseCatalogue(text, 0);
    EXPECT_FALSE(parsed) << text;
  }
  auto empty = ParseCatalogue("[]", 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace obauth::app
