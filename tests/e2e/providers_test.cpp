// The Data Providers catalogue and registrations (reference §5.3, §5.4, §7, §8): the operator
// imports the catalogue with `obauth providers import` and moves registrations with
// `obauth registrations ...`; partners read the catalogue and request registrations over the
// admin API; a recipient's own token lists the providers it may use.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <set>

#include "e2e/obauth_test.hpp"

#ifndef OBAUTH_SAMPLE_CATALOGUE
#error "OBAUTH_SAMPLE_CATALOGUE must name examples/providers.json"
#endif

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::IntAt;
using obauth::testing::Keys;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr std::string_view kRequests = "/api/v1/recipients/providers/requests";

class Providers : public ObauthTest {
 protected:
  CommandResult Import(const std::string& file) {
    return ObauthOnDb({"providers", "import", "--create", file});
  }

  void ImportSample() {
    const CommandResult r = Import(OBAUTH_SAMPLE_CATALOGUE);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const auto path = temp_dir() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // The array answer of a 200 GET.
  json::array GetArray(std::string_view token, std::string_view target) {
    const HttpResponse r = AdminGet(token, target);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.status == 200 ? ParseJson(r.body).as_array() : json::array{};
  }

  HttpResponse RequestRegistrations(std::string_view token, std::string_view recipients,
                                    std::string_view providers) {
    return Send(
        {"POST",
         std::string(kRequests) + "/" + std::string(recipients) + "/" + std::string(providers),
         {{"Authorization", "Bearer " + std::string(token)}},
         ""});
  }

  CommandResult Move(std::string_view action, const std::string& client_id,
                     std::int64_t provider_id) {
    return ObauthOnDb(
        {"registrations", std::string(action), client_id, std::to_string(provider_id)});
  }

  std::string MoveOrFail(std::string_view action, const std::string& client_id,
                         std::int64_t provider_id) {
    const CommandResult r = Move(action, client_id, provider_id);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? StringAt(ParseJsonObject(r.out), "registration_status") : "";
  }

  static std::set<std::int64_t> ProviderIds(const json::array& list) {
    std::set<std::int64_t> ids;
    for (const auto& item : list) ids.insert(IntAt(item.as_object(), "provider_id"));
    return ids;
  }
};

TEST_F(Providers, ImportIsAnIdempotentUpsertByProviderId) {
  const CommandResult first = Import(OBAUTH_SAMPLE_CATALOGUE);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(ParseJsonObject(first.out),
            ParseJsonObject(R"({"added":4,"updated":0,"unchanged":0})"));
  const CommandResult again = Import(OBAUTH_SAMPLE_CATALOGUE);
  EXPECT_EQ(ParseJsonObject(again.out),
            ParseJsonObject(R"({"added":0,"updated":0,"unchanged":4})"));
  const std::string renamed = WriteFile("renamed.json", R"([
  {"provider_id": 2000, "name": "Caribou Credit Union", "country": "CA",
   "scopes": ["TRANSACTIONS", "ACCOUNT_BASIC"]},
  {"provider_id": 7, "name": "Seven Bank", "country": "US", "scopes": ["ACCOUNT_BASIC"]}
])");
  const CommandResult changed = Import(renamed);
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(ParseJsonObject(changed.out),
            ParseJsonObject(R"({"added":1,"updated":1,"unchanged":0})"));

  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const json::array all = GetArray(token, "/api/v1/providers");
  EXPECT_EQ(ProviderIds(all), (std::set<std::int64_t>{7, 1000, 2000, 4013, 9000}));
  const json::object caribou = ParseJsonObject(AdminGet(token, "/api/v1/providers/2000").body);
  EXPECT_EQ(StringAt(caribou, "name"), "Caribou Credit Union");
  EXPECT_EQ(json::serialize(caribou.at("scopes")), R"(["ACCOUNT_BASIC","TRANSACTIONS"])")
      << "stored in the documented order";
  EXPECT_TRUE(caribou.at("provider_url").is_null()) << "an update replaces the whole entry";
  EXPECT_EQ(json::serialize(caribou.at("data_inventory")), "{}");
}

TEST_F(Providers, InvalidCatalogueIsRejectedWholeWithEachLineAndReason) {
  ImportSample();
  const std::string bad = WriteFile("bad.json", R"([
  {"provider_id": 1000, "name": "Renamed but never stored", "country": "CA",
   "scopes": ["ACCOUNT_BASIC"]},
  {"provider_id": 11, "name": "No Country", "scopes": ["ACCOUNT_BASIC"]},
  {"provider_id": 12, "name": "Bad Scope", "country": "US", "scopes": ["EVERYTHING"]},
  {"provider_id": 13, "name": "Unknown Member", "country": "US", "scopes": ["ACCOUNT_BASIC"],
   "colour": "blue"},
  {"provider_id": 1000, "name": "Twice", "country": "CA", "scopes": ["ACCOUNT_BASIC"]},
  "not an object"
])");
  const CommandResult r = Import(bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  for (const char* expected :
       {"nothing was imported", "line 4: provider 11: country must be \"CA\" or \"US\"",
        "line 5: provider 12: scopes: 'EVERYTHING' is not a data scope",
        "line 6: provider 13: unknown member 'colour'",
        "line 8: provider 1000: provider_id repeats the entry of line 2",
        "line 9: not a JSON object"}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << " missing from:\n" << r.err;
  }
  const CommandResult not_json = Import(WriteFile("broken.json", "[{\"provider_id\": 1,"));
  EXPECT_EQ(not_json.exit_code, 1);
  EXPECT_NE(not_json.err.find("not valid JSON"), std::string::npos) << not_json.err;
  const CommandResult missing = Import((temp_dir() / "absent.json").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read the catalogue file"), std::string::npos) << missing.err;

  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  EXPECT_EQ(ProviderIds(GetArray(token, "/api/v1/providers")),
            (std::set<std::int64_t>{1000, 2000, 4013, 9000}));
  EXPECT_EQ(StringAt(ParseJsonObject(AdminGet(token, "/api/v1/providers/1000").body), "name"),
            "Maple Leaf Savings (fictional)");
}

TEST_F(Providers, PartnerReadsTheCatalogueAndEachProvidersDetails) {
  ImportSample();
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const json::array all = GetArray(token, "/api/v1/providers");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(Keys(all[0].as_object()), (std::vector<std::string>{"country", "name", "provider_id"}));
  EXPECT_EQ(IntAt(all[0].as_object(), "provider_id"), 1000);

  const HttpResponse details = AdminGet(token, "/api/v1/providers/4013");
  ASSERT_EQ(details.status, 200) << details.Describe();
  const json::object d = ParseJsonObject(details.body);
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"country", "data_inventory", "name", "provider_id",
                                               "provider_url", "scopes"}));
  EXPECT_EQ(StringAt(d, "country"), "US");
  EXPECT_EQ(StringAt(d, "provider_url"), "https://prairie-federal.example/");
  EXPECT_EQ(json::serialize(d.at("scopes")),
            R"(["ACCOUNT_BASIC","ACCOUNT_DETAILED","INVESTMENTS","TRANSACTIONS","STATEMENTS"])");
  EXPECT_EQ(d.at("data_inventory").as_object().at("investments").as_array().size(), 2u);

  for (const char* unknown : {"/api/v1/providers/9999", "/api/v1/providers/abc",
                              "/api/v1/providers/0100", "/api/v1/providers/-1"}) {
    ExpectMessage(AdminGet(token, unknown), 404, "Data Provider not found");
  }
  ExpectInvalidBearerToken(AdminGet("garbage", "/api/v1/providers"));
  ExpectInvalidBearerToken(AdminGet("garbage", "/api/v1/providers/1000"));
  EXPECT_EQ(Send({"DELETE", "/api/v1/providers/1000", {}, ""}).status, 405);
}

TEST_F(Providers, RegistrationRequestsCreateEachPairOnceAndAnswerEveryPair) {
  ImportSample();
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient a = CreateRecipient(token, FullRecipientJson("Alpha"));
  const CreatedRecipient b = CreateRecipient(token, FullRecipientJson("Beta"));
  const std::int64_t before = NowSeconds();

  const HttpResponse first = RequestRegistrations(token, a.id(), "1000");
  ASSERT_EQ(first.status, 200) << first.Describe();
  const json::array created = ParseJson(first.body).as_array();
  ASSERT_EQ(created.size(), 1u);
  const json::object item = created[0].as_object();
  EXPECT_EQ(Keys(item),
            (std::vector<std::string>{"client_id", "client_name", "country", "provider_id",
                                      "provider_name", "registration_status", "requested_on"}));
  EXPECT_EQ(StringAt(item, "client_id"), a.id());
  EXPECT_EQ(StringAt(item, "client_name"), "Alpha");
  EXPECT_EQ(StringAt(item, "provider_name"), "Maple Leaf Savings (fictional)");
  EXPECT_EQ(StringAt(item, "country"), "CA");
  EXPECT_EQ(StringAt(item, "registration_status"), "PENDING_APPROVAL");
  const std::int64_t requested_on = ParseRfc3339(StringAt(item, "requested_on"));
  EXPECT_GE(requested_on, before);
  EXPECT_LE(requested_on, NowSeconds());

  ASSERT_EQ(MoveOrFail("approve", a.id(), 1000), "PENDING_ACTIVATION");
  // Repeated pairs are left as they are; new ones are added; duplicates in a list count once.
  const HttpResponse both =
      RequestRegistrations(token, a.id() + "," + b.id() + "," + a.id(), "1000,2000,1000");
  ASSERT_EQ(both.status, 200) << both.Describe();
  const json::array four = ParseJson(both.body).as_array();
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(StringAt(four[0].as_object(), "registration_status"), "PENDING_ACTIVATION");
  EXPECT_EQ(ParseRfc3339(StringAt(four[0].as_object(), "requested_on")), requested_on);
  EXPECT_EQ(StringAt(four[3].as_object(), "client_id"), b.id());
  EXPECT_EQ(StringAt(four[3].as_object(), "registration_status"), "PENDING_APPROVAL");

  EXPECT_EQ(GetArray(token, kRequests).size(), 4u);
  EXPECT_EQ(GetArray(token, RecipientPath(b.id()) + "/providers/requests").size(), 2u);
  EXPECT_EQ(EventsWithAction(AuditEvents(token), "registration.requested").size(), 4u)
      << "one audit event per pair created";
}

TEST_F(Providers, RegistrationListsPageInTheRecipientsOrderAndRefuseUnknownParameters) {
  ImportSample();
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient a = CreateRecipient(token, FullRecipientJson("Alpha"));
  const CreatedRecipient b = CreateRecipient(token, FullRecipientJson("Beta"));
  ASSERT_EQ(RequestRegistrations(token, b.id() + "," + a.id(), "2000,1000").status, 200);
  auto pairs = [](const HttpResponse& r) {
    std::vector<std::string> out;
    const json::value parsed = ParseJson(r.body);
    for (const auto& item : parsed.as_array()) {
      out.push_back(StringAt(item.as_object(), "client_id") + "/" +
                    std::to_string(item.as_object().at("provider_id").as_int64()));
    }
    return out;
  };
  // All of the partner's: by recipient (oldest first), then provider.
  const HttpResponse first = AdminGet(token, std::string(kRequests) + "?limit=3");
  ASSERT_EQ(first.status, 200) << first.Describe();
  EXPECT_EQ(pairs(first),
            (std::vector<std::string>{a.id() + "/1000", a.id() + "/2000", b.id() + "/1000"}));
  ASSERT_EQ(NextLink(first).rfind(std::string(kRequests) + "?limit=3&after=", 0), 0u)
      << NextLink(first);
  const HttpResponse second = AdminGet(token, NextLink(first));
  EXPECT_EQ(pairs(second), (std::vector<std::string>{b.id() + "/2000"}));
  EXPECT_EQ(NextLink(second), "");
  // One recipient's.
  const std::string path = RecipientPath(b.id()) + "/providers/requests";
  const HttpResponse one = AdminGet(token, path + "?limit=1");
  EXPECT_EQ(pairs(one), (std::vector<std::string>{b.id() + "/1000"}));
  ASSERT_EQ(NextLink(one).rfind(path + "?limit=1&after=", 0), 0u) << NextLink(one);
  EXPECT_EQ(pairs(AdminGet(token, NextLink(one))), (std::vector<std::string>{b.id() + "/2000"}));
  // Without limit, the whole list.
  EXPECT_EQ(pairs(AdminGet(token, kRequests)).size(), 4u);
  // Every list refuses what it does not take.
  ExpectMessage(AdminGet(token, std::string(kRequests) + "?page=2"), 400,
                "Unknown query parameter: this list takes limit, after");
  ExpectMessage(AdminGet(token, path + "?limit=0"), 400,
                "Invalid parameter 'limit': must be from 1 to 1000");
  ExpectMessage(AdminGet(token, "/api/v1/providers?country=CA"), 400,
                "Unknown query parameter: this list takes no parameters");
}

TEST_F(Providers, RequestNamingAForeignRecipientOrUnknownProviderCreatesNothing) {
  ImportSample();
  const Credentials partner = CreatePartner();
  const Credentials other = CreatePartner("Other Partner");
  StartServer();
  const std::string token = AdminToken(partner);
  const std::string other_token = AdminToken(other);
  const CreatedRecipient mine = CreateRecipient(token);
  const CreatedRecipient theirs = CreateRecipient(other_token);

  ExpectMessage(RequestRegistrations(token, mine.id() + "," + theirs.id(), "1000"), 404,
                "Nothing was requested: no Data Recipient " + theirs.id());
  ExpectMessage(RequestRegistrations(token, mine.id(), "1000,31337"), 404,
                "Nothing was requested: no Data Provider 31337");
  ExpectMessage(RequestRegistrations(token, "dc-0000000000000000000000000", "4242"), 404,
                "Nothing was requested: no Data Recipient dc-0000000000000000000000000; no Data "
                "Provider 4242");
  ExpectMessage(RequestRegistrations(token, mine.id(), "1000,"), 400);
  ExpectMessage(RequestRegistrations(token, mine.id(), "ten"), 400);
  ExpectMessage(RequestRegistrations(token, ",", "1000"), 400);
  EXPECT_TRUE(GetArray(token, kRequests).empty()) << "nothing was created";
  EXPECT_TRUE(EventsWithAction(AuditEvents(token), "registration.requested").empty());

  // Each partner sees its own recipients' registrations only.
  ASSERT_EQ(RequestRegistrations(other_token, theirs.id(), "2000").status, 200);
  EXPECT_TRUE(GetArray(token, kRequests).empty());
  ExpectMessage(AdminGet(token, RecipientPath(theirs.id()) + "/providers/requests"), 404);
  EXPECT_EQ(GetArray(other_token, kRequests).size(), 1u);
  // A deleted recipient cannot be registered.
  ASSERT_EQ(AdminDelete(token, RecipientPath(mine.id())).status, 204);
  ExpectMessage(RequestRegistrations(token, mine.id(), "1000"), 404);
  // Only a partner may ask.
  const std::string recipient_token = Token(theirs.credentials);
  EXPECT_EQ(RequestRegistrations(recipient_token, theirs.id(), "1000").status, 403);
  EXPECT_EQ(AdminGet(recipient_token, kRequests).status, 403);
}

TEST_F(Providers, OperatorMovesRegistrationsThroughEveryStatusAndRefusesInvalidMoves) {
  ImportSample();
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient r = CreateRecipient(token);
  ASSERT_EQ(RequestRegistrations(token, r.id(), "1000").status, 200);

  const auto refused = [&](std::string_view action, std::string_view why) {
    const CommandResult c = Move(action, r.id(), 1000);
    EXPECT_EQ(c.exit_code, 1) << action;
    EXPECT_EQ(c.out, "");
    EXPECT_NE(c.err.find(why), std::string::npos) << c.err;
  };
  refused("activate", "cannot activate a registration that is PENDING_APPROVAL");
  EXPECT_EQ(MoveOrFail("approve", r.id(), 1000), "PENDING_ACTIVATION");
  refused("approve", "cannot approve a registration that is PENDING_ACTIVATION");
  EXPECT_EQ(MoveOrFail("activate", r.id(), 1000), "ACTIVE");
  refused("activate", "cannot activate a registration that is ACTIVE");
  EXPECT_EQ(MoveOrFail("suspend", r.id(), 1000), "SUSPENDED");
  refused("suspend", "cannot suspend a registration that is SUSPENDED");
  EXPECT_EQ(MoveOrFail("activate", r.id(), 1000), "ACTIVE") << "reinstated";

  // What is missing is named: the request for the pair, the provider, the recipient.
  const CommandResult unknown = Move("approve", r.id(), 2000);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("the registration of " + r.id() +
                             " with the Data Provider 2000 was never requested: the partner "
                             "requests it first (POST /api/v1/recipients/providers/requests/" +
                             r.id() + "/2000)"),
            std::string::npos)
      << unknown.err;
  const CommandResult no_provider = Move("approve", r.id(), 9999);
  EXPECT_NE(no_provider.err.find("no Data Provider 9999 in the catalogue"), std::string::npos)
      << no_provider.err;
  const CommandResult no_recipient = Move("approve", "dc-" + std::string(25, 'z'), 1000);
  EXPECT_NE(no_recipient.err.find("no Data Recipient dc-zzz"), std::string::npos)
      << no_recipient.err;
  const CommandResult usage = ObauthOnDb({"registrations", "approve", r.id(), "not-a-number"});
  EXPECT_EQ(usage.exit_code, 2);

  const json::array listed = GetArray(token, RecipientPath(r.id()) + "/providers/requests");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(StringAt(listed[0].as_object(), "registration_status"), "ACTIVE");
  const auto events = AuditEvents(token);
  EXPECT_EQ(EventsWithAction(events, "registration.approved").size(), 1u);
  EXPECT_EQ(EventsWithAction(events, "registration.activated").size(), 2u);
  const auto suspended = EventsWithAction(events, "registration.suspended");
  ASSERT_EQ(suspended.size(), 1u);
  EXPECT_EQ(StringAt(suspended[0], "actor"), "operator");
  EXPECT_EQ(StringAt(suspended[0], "client_id"), r.id());
}

TEST_F(Providers, ARecipientsOwnTokenListsTheProvidersItMayUse) {
  ImportSample();
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient r = CreateRecipient(token);
  const CreatedRecipient other = CreateRecipient(token, FullRecipientJson("Other"));
  ASSERT_EQ(RequestRegistrations(token, r.id(), "1000,2000,4013").status, 200);
  ASSERT_EQ(RequestRegistrations(token, other.id(), "4013").status, 200);
  MoveOrFail("approve", r.id(), 1000);
  MoveOrFail("activate", r.id(), 1000);
  MoveOrFail("approve", r.id(), 2000);
  MoveOrFail("suspend", r.id(), 4013);
  MoveOrFail("approve", other.id(), 4013);
  MoveOrFail("activate", other.id(), 4013);

  const std::string own = Token(r.credentials);
  // v1: only the providers it is ACTIVE with, on the same path as the partner's catalogue.
  const json::array active = GetArray(own, "/api/v1/providers");
  EXPECT_EQ(ProviderIds(active), (std::set<std::int64_t>{1000}));
  EXPECT_EQ(ProviderIds(GetArray(Token(other.credentials), "/api/v1/providers")),
            (std::set<std::int64_t>{4013}));

  // v2: every provider with the recipient's status in §5.4's vocabulary.
  const json::array v2 = GetArray(own, "/api/v2/providers");
  ASSERT_EQ(v2.size(), 4u);
  const json::object first = v2[0].as_object();
  EXPECT_EQ(Keys(first),
            (std::vector<std::string>{"availableAccountTypes", "connectorName", "country", "name",
                                      "provider_id", "scopes", "status"}));
  EXPECT_EQ(StringAt(first, "status"), "Activated");
  EXPECT_EQ(StringAt(first, "connectorName"), "akoya");
  EXPECT_EQ(StringAt(first.at("availableAccountTypes").as_object(), "depositAccounts"), "true");
  EXPECT_EQ(StringAt(v2[1].as_object(), "status"), "PendingActivation");
  EXPECT_EQ(StringAt(v2[2].as_object(), "status"), "Suspended");

  const auto ids = [&](std::string_view query) {
    return ProviderIds(GetArray(own, "/api/v2/providers" + std::string(query)));
  };
  EXPECT_EQ(ids("?isEnabledForClient=TRUE"), (std::set<std::int64_t>{1000}));
  EXPECT_EQ(ids("?isEnabledForClient=false"), (std::set<std::int64_t>{2000, 4013, 9000}));
  EXPECT_EQ(ids("?isEnabledForClient="), (std::set<std::int64_t>{1000, 2000, 4013, 9000}));
  EXPECT_EQ(ids("?country=US"), (std::set<std::int64_t>{4013}));
  EXPECT_EQ(ids("?country=CA,US"), (std::set<std::int64_t>{1000, 2000, 4013, 9000}));
  EXPECT_EQ(ids("?country=CA&isEnabledForClient=false"), (std::set<std::int64_t>{2000, 9000}));
  const json::array fresh = GetArray(
      Token(CreateRecipient(token, FullRecipientJson("New")).credentials), "/api/v2/providers");
  ASSERT_EQ(fresh.size(), 4u);
  for (const auto& p : fresh) EXPECT_EQ(StringAt(p.as_object(), "status"), "Available");

  ExpectMessage(AdminGet(own, "/api/v2/providers?country=FR"), 400,
                "Invalid country: use CA, US or CA,US");
  ExpectMessage(AdminGet(own, "/api/v2/providers?isEnabledForClient=maybe"), 400);
  ExpectMessage(AdminGet(own, "/api/v2/providers?colour=blue"), 400);
  // The partner's token is not a recipient's: v2 is the recipient's view only, and the
  // provider details are the partner's.
  ExpectMessage(AdminGet(token, "/api/v2/providers"), 403);
  ExpectMessage(AdminGet(own, "/api/v1/providers/1000"), 403);
  ExpectInvalidBearerToken(AdminGet("garbage", "/api/v2/providers"));
}

}  // namespace
}  // namespace obauth::e2e
