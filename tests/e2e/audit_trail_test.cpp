// The audit trail (issue 3): GET /api/v1/audit lists the calling partner's changes newest
// first, each with its time, actor, action, client id, the X-Request-Id of the request that made
// it, its source and the options used; never a secret or token. client_id filters, limit and
// the next/after cursor page through every event exactly once; other partners see nothing.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <regex>
#include <set>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

const std::vector<std::string> kEventKeys = {"action", "actor",   "at",         "client_id",
                                             "id",     "options", "request_id", "source"};

std::vector<std::string> Actions(const std::vector<json::object>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(StringAt(e, "action"));
  return out;
}

std::vector<std::string> Ids(const std::vector<json::object>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(StringAt(e, "id"));
  return out;
}

class AuditTrail : public ObauthTest {
 protected:
  void SetUp() override {
    started_ = NowSeconds();
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
  }

  // One page: GET /api/v1/audit?QUERY, which must answer 200.
  json::object Page(std::string_view query) {
    const HttpResponse r = AdminGet(token_, std::string(kAuditPath) + "?" + std::string(query));
    if (r.status != 200) throw std::runtime_error("audit answered " + r.Describe());
    EXPECT_EQ(r.Header("Cache-Control").value_or(""), "no-store");
    return ParseJsonObject(r.body);
  }

  // The request id of a response that changed something.
  static std::string RequestId(const HttpResponse& r) {
    EXPECT_LT(r.status, 300) << r.Describe();
    return r.Header("X-Request-Id").value_or("(none)");
  }

  std::int64_t started_ = 0;
  Credentials partner_;
  std::string token_;
};

TEST_F(AuditTrail, RecordsEveryChangeNewestFirstWithRequestIdActorSourceAndOptions) {
  const HttpResponse created = Send({"POST",
                                     std::string(kRecipientsPath),
                                     {{"Authorization", "Bearer " + token_},
                                      {"Content-Type", "application/json"},
                                      {"Idempotency-Key", "audit-create"}},
                                     FullRecipientJson()});
  const std::string id = StringAt(ParseJsonObject(created.body), "client_id");
  const HttpResponse updated = AdminPut(
      token_, RecipientPath(id), R"({"name":"Renamed","redirect_uris":["https://r.example/cb"]})");
  const HttpResponse rotated =
      RotateSecret(token_, id, R"({"previous_secret_expires_in":60,"revoke_tokens":true})",
                   {{"Idempotency-Key", "audit-rotate"}});
  const HttpResponse revoked = RevokePreviousSecret(token_, id);
  const HttpResponse deleted = AdminDelete(token_, RecipientPath(id));
  const std::int64_t finished = NowSeconds();

  const std::vector<json::object> events = AuditEvents(token_);
  ASSERT_EQ(Actions(events),
            (std::vector<std::string>{"recipient.deleted", "recipient.previous_secret_revoked",
                                      "recipient.secret_rotated", "recipient.updated",
                                      "recipient.created", "partner.created"}));
  struct Expected {
    std::string request_id;
    std::string options;
  };
  const std::vector<Expected> expected = {
      {RequestId(deleted), "{}"},
      {RequestId(revoked), "{}"},
      {RequestId(rotated),
       R"({"previous_secret_expires_in":60,"revoke_tokens":true,"idempotency_key":true})"},
      {RequestId(updated), R"({"fields":["name","redirect_uris"]})"},
      {RequestId(created), R"({"idempotency_key":true})"},
  };
  const std::regex peer(R"(^127\.0\.0\.1:[0-9]+$)");
  std::int64_t previous_id = INT64_MAX;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const json::object& e = events[i];
    SCOPED_TRACE(json::serialize(e));
    EXPECT_EQ(Keys(e), kEventKeys);
    const std::int64_t event_id = std::stoll(StringAt(e, "id"));
    EXPECT_LT(event_id, previous_id) << "not newest first";
    previous_id = event_id;
    const std::int64_t at = ParseRfc3339(StringAt(e, "at"));
    EXPECT_GE(at, started_);
    EXPECT_LE(at, finished);
    if (i < expected.size()) {
      EXPECT_EQ(StringAt(e, "actor"), partner_.client_id);
      EXPECT_EQ(StringAt(e, "client_id"), id);
      EXPECT_EQ(StringAt(e, "request_id"), expected[i].request_id);
      EXPECT_TRUE(std::regex_match(StringAt(e, "source"), peer)) << StringAt(e, "source");
      EXPECT_EQ(json::serialize(e.at("options")), expected[i].options);
    } else {
      // The partner's creation at the command line.
      EXPECT_EQ(StringAt(e, "actor"), "operator");
      EXPECT_EQ(StringAt(e, "client_id"), partner_.client_id);
      EXPECT_EQ(StringAt(e, "source"), "cli");
      EXPECT_EQ(json::serialize(e.at("options")), "{}");
    }
  }
}

TEST_F(AuditTrail, RequestIdIsTheOneTheClientSent) {
  const CreatedRecipient recipient = CreateRecipient(token_);
  const HttpResponse r =
      Send({"POST",
            SecretPath(recipient.id()),
            {{"Authorization", "Bearer " + token_}, {"X-Request-Id", "rotation-trace-0042"}},
            {}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto rotations = EventsWithAction(AuditEvents(token_), "recipient.secret_rotated");
  ASSERT_EQ(rotations.size(), 1u);
  EXPECT_EQ(StringAt(rotations[0], "request_id"), "rotation-trace-0042");
}

TEST_F(AuditTrail, NeverShowsASecretATokenOrAnIdempotencyKey) {
  std::vector<std::pair<std::string, std::string>> hidden = {
      {"partner secret", partner_.client_secret}, {"admin token", token_}};
  const HttpResponse created = Send({"POST",
                                     std::string(kRecipientsPath),
                                     {{"Authorization", "Bearer " + token_},
                                      {"Content-Type", "application/json"},
                                      {"Idempotency-Key", "Key-Sentinel-Create-31"}},
                                     FullRecipientJson()});
  ASSERT_EQ(created.status, 200) << created.Describe();
  const Credentials recipient{StringAt(ParseJsonObject(created.body), "client_id"),
                              StringAt(ParseJsonObject(created.body), "client_secret")};
  hidden.emplace_back("first secret", recipient.client_secret);
  hidden.emplace_back("create key", "Key-Sentinel-Create-31");
  hidden.emplace_back("recipient token", Token(recipient));
  const HttpResponse rotated =
      RotateSecret(token_, recipient.client_id, R"({"previous_secret_expires_in":60})",
                   {{"Idempotency-Key", "Key-Sentinel-Rotate-77"}});
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  const std::string second = StringAt(ParseJsonObject(rotated.body), "client_secret");
  hidden.emplace_back("second secret", second);
  hidden.emplace_back("rotate key", "Key-Sentinel-Rotate-77");
  hidden.emplace_back("token of the second secret", Token({recipient.client_id, second}));
  ExpectNoContent(RevokePreviousSecret(token_, recipient.client_id));
  const std::string third = RotatedSecret(token_, recipient.client_id, R"({"revoke_tokens":true})");
  hidden.emplace_back("third secret", third);
  ASSERT_EQ(AdminPut(token_, RecipientPath(recipient.client_id), R"({"name":"Renamed"})").status,
            200);
  ExpectNoContent(AdminDelete(token_, RecipientPath(recipient.client_id)));

  std::string all;
  for (const std::string& query :
       std::vector<std::string>{"limit=200", "limit=1", "client_id=" + recipient.client_id}) {
    all += AdminGet(token_, std::string(kAuditPath) + "?" + query).body;
  }
  EXPECT_EQ(AuditEvents(token_).size(), 7u);
  for (const auto& [what, value] : hidden) {
    EXPECT_EQ(all.find(value), std::string::npos) << what << " appears in the audit trail";
  }
}

TEST_F(AuditTrail, ClientIdFilterShowsOneRecipientsEvents) {
  const CreatedRecipient a = CreateRecipient(token_, FullRecipientJson("A"));
  const CreatedRecipient b = CreateRecipient(token_, FullRecipientJson("B"));
  RotatedSecret(token_, a.id());
  ASSERT_EQ(AdminPut(token_, RecipientPath(b.id()), R"({"name":"B2"})").status, 200);
  RotatedSecret(token_, b.id());

  const auto only_a = AuditEvents(token_, "client_id=" + a.id());
  EXPECT_EQ(Actions(only_a),
            (std::vector<std::string>{"recipient.secret_rotated", "recipient.created"}));
  for (const auto& e : only_a) EXPECT_EQ(StringAt(e, "client_id"), a.id());
  const auto only_b = AuditEvents(token_, "client_id=" + b.id());
  EXPECT_EQ(Actions(only_b), (std::vector<std::string>{"recipient.secret_rotated",
                                                       "recipient.updated", "recipient.created"}));
  EXPECT_TRUE(AuditEvents(token_, "client_id=dc-" + std::string(25, '0')).empty());
  // An empty filter is no filter.
  EXPECT_EQ(AuditEvents(token_, "client_id=").size(), 6u);
}

TEST_F(AuditTrail, LimitAndCursorPageThroughEveryEventExactlyOnce) {
  const CreatedRecipient a = CreateRecipient(token_, FullRecipientJson("A"));
  const CreatedRecipient b = CreateRecipient(token_, FullRecipientJson("B"));
  for (int i = 0; i < 3; ++i) {
    RotatedSecret(token_, a.id());
    ASSERT_EQ(
        AdminPut(token_, RecipientPath(b.id()), R"({"name":"B)" + std::to_string(i) + "\"}").status,
        200);
  }
  const std::vector<std::string> all = Ids(AuditEvents(token_));
  ASSERT_EQ(all.size(), 9u);
  // Without a limit, one page of up to 50 and no next.
  const json::object first = Page("");
  EXPECT_EQ(first.at("events").as_array().size(), 9u);
  EXPECT_TRUE(first.at("next").is_null());

  for (const std::string& filter : std::vector<std::string>{"", "&client_id=" + a.id()}) {
    const std::vector<std::string> expected =
        filter.empty() ? all : Ids(AuditEvents(token_, filter.substr(1)));
    for (const std::size_t limit : {1u, 2u, 3u, 4u, 9u, 10u, 200u}) {
      SCOPED_TRACE("limit=" + std::to_string(limit) + filter);
      std::vector<std::string> seen;
      std::string after;
      bool ended = false;
      for (int page = 0; page < 20 && !ended; ++page) {
        std::string query = "limit=" + std::to_string(limit) + filter;
        if (!after.empty()) query += "&after=" + after;
        const json::object body = Page(query);
        EXPECT_EQ(Keys(body), (std::vector<std::string>{"events", "next"}));
        const auto& events = body.at("events").as_array();
        EXPECT_LE(events.size(), limit);
        for (const auto& e : events) seen.push_back(StringAt(e.as_object(), "id"));
        if (body.at("next").is_null()) {
          ended = true;
        } else {
          // The cursor names the last event of the page.
          ASSERT_FALSE(events.empty());
          after = StringAt(body, "next");
          EXPECT_EQ(after, StringAt(events.back().as_object(), "id"));
        }
      }
      EXPECT_TRUE(ended);
      EXPECT_EQ(seen, expected);
      EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
    }
  }
}

TEST_F(AuditTrail, AnotherPartnerNeverSeesTheseEvents) {
  const CreatedRecipient mine = CreateRecipient(token_);
  RotatedSecret(token_, mine.id());
  ExpectNoContent(AdminDelete(token_, RecipientPath(mine.id())));

  const Credentials other = CreatePartner("Other");
  const std::string other_token = AdminToken(other);
  const CreatedRecipient theirs = CreateRecipient(other_token, FullRecipientJson("Theirs"));

  const auto their_events = AuditEvents(other_token);
  EXPECT_EQ(Actions(their_events),
            (std::vector<std::string>{"recipient.created", "partner.created"}));
  for (const auto& e : their_events) {
    EXPECT_NE(StringAt(e, "client_id"), mine.id());
    EXPECT_NE(StringAt(e, "actor"), partner_.client_id);
  }
  EXPECT_TRUE(AuditEvents(other_token, "client_id=" + mine.id()).empty());
  EXPECT_TRUE(AuditEvents(token_, "client_id=" + theirs.id()).empty());
  EXPECT_EQ(AuditEvents(token_).size(), 4u);
}

TEST_F(AuditTrail, RejectedRequestsLeaveNoEvent) {
  const CreatedRecipient recipient = CreateRecipient(token_);
  const std::size_t before = AuditEvents(token_).size();
  const Credentials other = CreatePartner("Other");
  const std::string other_token = AdminToken(other);

  ExpectMessage(AdminPost(token_, kRecipientsPath, R"({"name":"x"})"), 400);
  ExpectMessage(AdminPut(token_, RecipientPath(recipient.id()), R"({"country":"FR"})"), 400);
  ExpectMessage(RotateSecret(token_, recipient.id(), R"({"previous_secret_expires_in":-1})"), 400);
  ExpectMessage(RotateSecret(other_token, recipient.id()), 404);
  ExpectMessage(AdminDelete(other_token, RecipientPath(recipient.id())), 404);
  ExpectMessage(AdminGet(Token(recipient.credentials), kAuditPath), 403);
  ExpectNoContent(RevokePreviousSecret(token_, recipient.id()));  // no grace to end: a no-op
  ASSERT_EQ(RotateSecret(token_, recipient.id(), R"({"previous_secret_expires_in":60})").status,
            200);
  ExpectMessage(RotateSecret(token_, recipient.id()), 409);
  EXPECT_EQ(AuditEvents(token_).size(), before + 1);
}

TEST_F(AuditTrail, BadLimitOrCursorIs400) {
  for (const std::string query :
       {"limit=0", "limit=201", "limit=-1", "limit=abc", "limit=1.5", "limit=", "limit=+5",
        "after=0", "after=-1", "after=abc", "after=", "after=1e3", "after=99999999999999999999",
        "unknown=1", "limit=5&limit=6"}) {
    SCOPED_TRACE(query);
    ExpectMessage(AdminGet(token_, std::string(kAuditPath) + "?" + query), 400);
  }
  // The bounds are fine.
  for (const std::string query : {"limit=1", "limit=200", "after=1", "client_id="}) {
    SCOPED_TRACE(query);
    EXPECT_EQ(AdminGet(token_, std::string(kAuditPath) + "?" + query).status, 200);
  }
}

TEST_F(AuditTrail, NeedsAnAdminToken) {
  ExpectMissingBearerToken(Get(kAuditPath));
  ExpectInvalidBearerToken(AdminGet("not-a-token", kAuditPath));
  const CreatedRecipient recipient = CreateRecipient(token_);
  ExpectMessage(AdminGet(Token(recipient.credentials), kAuditPath), 403);
  EXPECT_EQ(Get(kAuditPath, {{"flinks-auth-key", token_}}).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
