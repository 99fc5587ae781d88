#include "app/catalogue_file.hpp"

#include <gtest/gtest.h>

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
