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

TEST(CatalogueFile, ConnectorIsStoredCompactAndOnlyTheSandboxTypeIsAccepted) {
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
      {R"({})", R"(connector.type must be the string "sandbox")"},
      {R"({"type": 1})", R"(connector.type must be the string "sandbox")"},
      {R"({"type": "akoya"})", "connector.type: 'akoya' is not a connector type (sandbox)"},
      {R"({"type": "Sandbox"})", "connector.type: 'Sandbox' is not a connector type (sandbox)"},
      {R"({"type": "sandbox", "url": "https://x.example/"})", "connector: unknown member 'url'"},
  };
  for (const Case& c : cases) {
    const std::string text = std::string(R"([{"provider_id": 7, "name": "T", "country": "CA",
      "scopes": ["ACCOUNT_BASIC"], "connector": )") +
                             c.connector + "}]";
    auto refused = ParseCatalogue(text, 0);
    ASSERT_FALSE(refused) << c.connector;
    EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
    EXPECT_EQ(refused.error().public_message, std::string("line 1: provider 7: ") + c.message);
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
