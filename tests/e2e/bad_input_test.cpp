// The bad-input catalogue (docs/security.md): one test per kind of hostile or broken input. Each
// checks the 4xx, that the answer says what is wrong, and that nothing changed: the partner's
// recipients, the audit trail and a recipient's working secret are exactly as before.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <functional>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::Base64UrlEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

// What a row sends, given the partner's token and an existing recipient.
struct Context {
  std::string admin;
  std::string recipient_id;
  std::string recipient_token;  // a valid access token of that recipient
};

struct Row {
  std::string name;
  std::function<HttpRequest(const Context&)> request;
  int status;
  std::string message_part;  // the message (or error_description) says this
};

// Test names and failure messages show the row's name, not its bytes.
void PrintTo(const Row& row, std::ostream* out) { *out << row.name; }

HttpRequest Json(const Context& c, std::string method, std::string target, std::string body) {
  return {std::move(method),
          std::move(target),
          {{"Authorization", "Bearer " + c.admin}, {"Content-Type", "application/json"}},
          std::move(body)};
}

// A JSON object of `members` distinct names, as short as names can be.
std::string ManyMembers(int members) {
  std::string body = "{";
  for (int i = 0; i < members; ++i) body += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  return body + "}";
}

HttpRequest Unauthenticated(std::string target, std::string body) {
  return {"POST", std::move(target), {{"Content-Type", "application/json"}}, std::move(body)};
}

// A valid create body with `field` replaced by the raw JSON `value`.
std::string CreateBodyWith(const std::string& field, const std::string& value) {
  json::object body = {{"name", "Acme"},
                       {"scope", "ACCOUNT_BASIC"},
                       {"redirect_uris", json::array{"https://acme.example/cb"}}};
  std::string text = json::serialize(body);
  const std::string key = "\"" + field + "\":";
  if (const auto at = text.find(key); at != std::string::npos) {
    const auto start = at + key.size();
    auto end = start;
    int depth = 0;
    for (bool in_string = false; end < text.size(); ++end) {
      const char ch = text[end];
      if (in_string) {
        if (ch == '\\')
          ++end;
        else if (ch == '"')
          in_string = false;
      } else if (ch == '"') {
        in_string = true;
      } else if (ch == '[' || ch == '{') {
        ++depth;
      } else if (ch == ']' || ch == '}') {
        if (depth == 0) break;
        --depth;
      } else if (ch == ',' && depth == 0) {
        break;
      }
    }
    return text.substr(0, start) + value + text.substr(end);
  }
  text.pop_back();
  return text + "," + key + value + "}";
}

// The recipient's token with `header` in place of its JOSE header and `signature` as its third
// part.
std::string Reheaded(const std::string& token, const std::string& header,
                     const std::string& signature) {
  const auto dot = token.find('.');
  const auto second = token.find('.', dot + 1);
  return Base64UrlEncode(header) + token.substr(dot, second - dot) + "." +
         Base64UrlEncode(signature);
}

// `token` with the other valid form of its ES256 signature: s replaced by n - s (n the P-256
// group order), which verifies as well as the original.
std::string WithOtherSignatureForm(const std::string& token) {
  static constexpr unsigned char kOrder[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
                                               0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                               0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84,
                                               0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
  const auto last = token.rfind('.');
  std::string signature = *obauth::testing::Base64UrlDecode(token.substr(last + 1));
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    auto& byte = signature[32 + static_cast<std::size_t>(i)];
    const int digit = kOrder[i] - static_cast<unsigned char>(byte) - borrow;
    borrow = digit < 0 ? 1 : 0;
    byte = static_cast<char>(digit + 256 * borrow);
  }
  return token.substr(0, last + 1) + Base64UrlEncode(signature);
}

std::vector<Row> Rows() {
  std::vector<Row> rows = {
      {"SqlMetacharactersInAFormattedField",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("scope", R"("ACCOUNT_BASIC'; DROP TABLE clients;--")"));
       },
       400, "scope"},
      {"SqlMetacharactersInThePathId",
       [](const Context& c) {
         return Json(c, "GET", "/api/v1/recipients/dc-x'%20OR%20'1'='1", "");
       },
       404, "not found"},
      {"NulByteInAString",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("name", R"("Ac\u0000me")"));
       },
       400, "name"},
      {"C1ControlInAName",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("name", R"("x\u009b31m")"));
       },
       400, "bidirectional formatting characters"},
      {"BidiOverrideInAName",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("name", R"("abc\u202egnp.exe")"));
       },
       400, "bidirectional formatting characters"},
      {"NulByteInThePathId",
       [](const Context& c) {
         return Json(c, "GET", "/api/v1/recipients/" + c.recipient_id + "%00", "");
       },
       404, "not found"},
      {"InvalidUtf8",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("name", "\"Ac\xff\xfeme\""));
       },
       400, "Malformed JSON"},
      {"OverlongString",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("name", "\"" + std::string(100000, 'n') + "\""));
       },
       413, "larger than 65536 bytes"},
      {"LongStringWithinTheBodyLimit",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("name", "\"" + std::string(5000, 'n') + "\""));
       },
       400, "name"},
      {"HundredThousandElementArray",
       [](const Context& c) {
         std::string array = "[";
         for (int i = 0; i < 100000; ++i) array += i ? ",0" : "0";
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("redirect_uris", array + "]"));
       },
       413, "larger than 65536 bytes"},
      {"ArrayOverItsLimitWithinTheBodyLimit",
       [](const Context& c) {
         std::string array = "[";
         for (int i = 0; i < 100; ++i) {
           array +=
               std::string(i ? "," : "") + "\"https://acme.example/cb" + std::to_string(i) + "\"";
         }
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("redirect_uris", array + "]"));
       },
       400, "redirect_uris"},
      {"JsonNestedTenThousandDeep",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     std::string(10000, '[') + std::string(10000, ']'));
       },
       400, "too deep"},
      {"DuplicateJsonKeys",
       [](const Context& c) {
         return Json(
             c, "POST", "/api/v1/recipients",
             R"({"name":"A","name":"B","scope":"ACCOUNT_BASIC","redirect_uris":["https://a.example/cb"]})");
       },
       400, "twice"},
      // Before authentication and the rate limiter: the member check once cost 94 ms for this
      // body (quadratic in the members); the limit refuses it at the 101st member.
      {"ObjectWithThousandsOfMembersAtTheTokenEndpoint",
       [](const Context&) { return Unauthenticated("/api/v1/token", ManyMembers(7000)); }, 400,
       "an object has more than 100 members"},
      {"ObjectWithThousandsOfMembersAtIntrospection",
       [](const Context&) { return Unauthenticated("/api/v1/introspect", ManyMembers(7000)); }, 400,
       "an object has more than 100 members"},
      {"ObjectWithThousandsOfMembersInARecipient",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("contacts", "[" + ManyMembers(200) + "]"));
       },
       400, "an object has more than 100 members"},
      {"NumberWhereAStringBelongs",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients", CreateBodyWith("name", "5"));
       },
       400, "must be a string"},
      {"ObjectWhereAnArrayBelongs",
       [](const Context& c) {
         return Json(c, "POST", "/api/v1/recipients",
                     CreateBodyWith("redirect_uris", R"({"uri":"https://acme.example/cb"})"));
       },
       400, "redirect_uris"},
      {"DotDotInThePathId",
       [](const Context& c) { return Json(c, "GET", "/api/v1/recipients/..", ""); }, 404,
       "not found"},
      {"EncodedSlashInThePathId",
       [](const Context& c) {
         return Json(c, "PUT", "/api/v1/recipients/" + c.recipient_id + "%2F..%2F..",
                     CreateBodyWith("name", "\"Renamed\""));
       },
       404, "not found"},
      {"ContentTypeThatLies",
       [](const Context& c) {
         HttpRequest r = Json(c, "POST", "/api/v1/recipients", CreateBodyWith("name", "\"A\""));
         r.headers[1].second = "application/x-www-form-urlencoded";
         return r;
       },
       415, "application/json"},
      {"EmptyBodyWhereOneIsRequired",
       [](const Context& c) { return Json(c, "PUT", "/api/v1/recipients/" + c.recipient_id, ""); },
       400, "Malformed JSON"},
      {"TokenWithAlgNone",
       [](const Context& c) {
         return HttpRequest{
             "GET",
             "/api/v1/recipients",
             {{"Authorization",
               "Bearer " + Reheaded(c.recipient_token, R"({"alg":"none","typ":"at+jwt"})", "")}},
             ""};
       },
       401, "Invalid Bearer Token"},
      {"TokenWithHs256",
       [](const Context& c) {
         return HttpRequest{
             "GET",
             "/api/v1/recipients",
             {{"Authorization",
               "Bearer " + Reheaded(c.recipient_token, R"({"alg":"HS256","typ":"at+jwt"})",
                                    std::string(32, 'k'))}},
             ""};
       },
       401, "Invalid Bearer Token"},
      {"TokenWithAnUnknownKid",
       [](const Context& c) {
         const auto header = ParseJsonObject(*obauth::testing::Base64UrlDecode(
             c.recipient_token.substr(0, c.recipient_token.find('.'))));
         json::object changed = header;
         changed["kid"] = "not-a-key-of-this-server";
         const std::string token = c.recipient_token;
         const auto last = token.rfind('.');
         return HttpRequest{
             "GET",
             "/api/v1/recipients",
             {{"Authorization", "Bearer " + Base64UrlEncode(json::serialize(changed)) +
                                    token.substr(token.find('.'), last - token.find('.')) +
                                    token.substr(last)}},
             ""};
       },
       401, "Invalid Bearer Token"},
  };
  return rows;
}

class BadInput : public ObauthTest, public ::testing::WithParamInterface<Row> {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    context_.admin = AdminToken(partner_);
    recipient_ = CreateRecipient(context_.admin);
    context_.recipient_id = recipient_.id();
    context_.recipient_token = Token(recipient_.credentials, "ACCOUNT_BASIC");
  }

  // What must not change: every recipient's details, the audit trail, the recipient's secret.
  std::string State() {
    std::string state = AdminGet(context_.admin, kRecipientsPath).body;
    state += "|" + std::to_string(AuditEvents(context_.admin).size());
    state += "|" + AdminGet(context_.admin, RecipientPath(recipient_.id())).body;
    return state;
  }

  Credentials partner_;
  CreatedRecipient recipient_;
  Context context_;
};

TEST_P(BadInput, Is4xxWithAUsefulMessageAndChangesNothing) {
  const Row& row = GetParam();
  const std::string before = State();
  const HttpResponse r =
      obauth::testing::SendHttp(server().host(), server().port(), row.request(context_));
  EXPECT_EQ(r.status, row.status) << r.Describe();
  const auto body = ParseJsonObject(r.body);
  const std::string message =
      body.contains("message") ? StringAt(body, "message") : StringAt(body, "error_description");
  EXPECT_NE(message.find(row.message_part), std::string::npos) << message;
  EXPECT_EQ(State(), before);
  EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BadInput, ::testing::ValuesIn(Rows()),
                         [](const auto& info) { return info.param.name; });

class BadFraming : public ObauthTest {};

TEST_F(BadFraming, CrOrLfInsideAHeaderValueIs400) {
  StartServer();
  for (const std::string value : {"a\rb", "a\nb"}) {
    obauth::testing::HttpConnection connection(server().host(), server().port());
    connection.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + value + "\r\n\r\n");
    const HttpResponse r = connection.ReadResponse();
    EXPECT_EQ(r.status, 400) << r.Describe();
    EXPECT_NE(r.body.find("Malformed HTTP request"), std::string::npos) << r.body;
  }
}

class BadToken : public ObauthTest {};

// A token has one encoding: of its ES256 signature's two valid forms only the low-S one is made
// and, a day after the server's first check (tokens of an earlier version, which made either,
// keep working through an upgrade), accepted. Before, the other form of a valid token was
// accepted as well.
TEST_F(BadToken, TheOtherFormOfAnEs256SignatureIsRefusedOnceEarlierVersionsTokensAreGone) {
  const Credentials partner = CreatePartner();
  StartServer({"--token-ttl", "86400"});
  FreezeClock();
  const std::string early = AdminToken(partner);
  EXPECT_EQ(AdminGet(early, kRecipientsPath).status, 200);
  EXPECT_EQ(AdminGet(WithOtherSignatureForm(early), kRecipientsPath).status, 200)
      << "within the first day, either form";
  AdvanceClock(86400 + 1);
  const std::string late = AdminToken(partner);
  EXPECT_EQ(AdminGet(late, kRecipientsPath).status, 200);
  ExpectInvalidBearerToken(AdminGet(WithOtherSignatureForm(late), kRecipientsPath));
  const HttpResponse introspected = Introspect(partner, WithOtherSignatureForm(late));
  EXPECT_EQ(introspected.body, R"({"active":false})");
}

TEST_F(BadToken, ExpiredByOneSecondIs401) {
  const Credentials partner = CreatePartner();
  StartServer({"--token-ttl", "1"});
  FreezeClock();
  const std::string token = AdminToken(partner);
  const std::int64_t exp = DecodeJwt(token).payload.at("exp").to_number<std::int64_t>();
  EXPECT_EQ(AdminGet(token, kRecipientsPath).status, 200) << "valid until exp";
  AdvanceClock(exp + 1 - NowSeconds());  // one second past exp
  ExpectInvalidBearerToken(AdminGet(token, kRecipientsPath));
}

}  // namespace
}  // namespace obauth::e2e
