// Lists that scale: GET /api/v1/recipients pages with limit and after (Link rel="next"), stays
// stable while recipients are created and retired between pages, refuses bad paging input, and
// without limit sends the whole list in chunks read page by page (issue 17). On both backends.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::HttpConnection;
using obauth::testing::HttpRequest;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::SendHttp;
using obauth::testing::StringAt;

class Paging : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
  }

  std::vector<std::string> Ids(const HttpResponse& r) {
    std::vector<std::string> ids;
    const auto parsed = ParseJson(r.body);
    for (const auto& item : parsed.as_array()) {
      ids.push_back(StringAt(item.as_object(), "client_id"));
    }
    return ids;
  }

  std::vector<std::string> CreateMany(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back(CreateRecipient(token_).id());
    return ids;
  }

  Credentials partner_;
  std::string token_;
};

TEST_F(Paging, PagesFollowTheLinkHeaderInCreationOrder) {
  const auto created = CreateMany(5);
  HttpResponse first = AdminGet(token_, "/api/v1/recipients?limit=2");
  ASSERT_EQ(first.status, 200) << first.Describe();
  EXPECT_EQ(Ids(first), (std::vector<std::string>{created[0], created[1]}));
  const std::string next = NextLink(first);
  ASSERT_TRUE(
      std::regex_match(next, std::regex(R"(/api/v1/recipients\?limit=2&after=[A-Za-z0-9_-]+)")))
      << next;
  const HttpResponse second = AdminGet(token_, next);
  EXPECT_EQ(Ids(second), (std::vector<std::string>{created[2], created[3]}));
  const HttpResponse third = AdminGet(token_, NextLink(second));
  EXPECT_EQ(Ids(third), (std::vector<std::string>{created[4]}));
  EXPECT_FALSE(third.Header("Link").has_value()) << "the last page links nowhere";
  // A limit that holds the whole list: no link either.
  EXPECT_FALSE(AdminGet(token_, "/api/v1/recipients?limit=5").Header("Link").has_value());
}

TEST_F(Paging, APageNeverRepeatsOrSkipsAnItemWhileOthersAreCreatedAndRetired) {
  const auto created = CreateMany(6);
  const HttpResponse first = AdminGet(token_, "/api/v1/recipients?limit=3");
  EXPECT_EQ(Ids(first), (std::vector<std::string>{created[0], created[1], created[2]}));
  // Between pages: a seen and an unseen one retired, two new ones.
  ExpectNoContent(AdminDelete(token_, RecipientPath(created[1])));
  ExpectNoContent(AdminDelete(token_, RecipientPath(created[4])));
  const auto later = CreateMany(2);
  const HttpResponse second = AdminGet(token_, NextLink(first));
  EXPECT_EQ(Ids(second), (std::vector<std::string>{created[3], created[5], later[0]}));
  const HttpResponse third = AdminGet(token_, NextLink(second));
  EXPECT_EQ(Ids(third), (std::vector<std::string>{later[1]}));
  EXPECT_EQ(NextLink(third), "");
}

TEST_F(Paging, WalkingThePagesWhileAnotherClientCreatesAndRetiresMissesNoStableItem) {
  const auto stable = CreateMany(40);
  // Another client creates recipients and retires every other one it made, without pause,
  // while this one walks the list 7 at a time.
  std::atomic<bool> stop{false};
  std::vector<std::string> made;
  std::atomic<int> made_count{0};
  std::thread writer([&] {
    const std::string auth = "Bearer " + token_;
    for (int i = 0; !stop; ++i) {
      const auto r = SendHttp(server().host(), server().port(),
                              {"POST",
                               "/api/v1/recipients",
                               {{"Authorization", auth}, {"Content-Type", "application/json"}},
                               FullRecipientJson()});
      if (r.status != 200) {
        ADD_FAILURE() << "create answered " << r.Describe();
        break;
      }
      made.push_back(StringAt(ParseJsonObject(r.body), "client_id"));
      ++made_count;
      if (i % 2 == 1) {
        SendHttp(server().host(), server().port(),
                 {"DELETE", RecipientPath(made.back()), {{"Authorization", auth}}, ""});
      }
    }
  });
  std::vector<std::string> walked;
  std::string next = "/api/v1/recipients?limit=7";
  int pages = 0;
  while (!next.empty() && pages++ < 100) {
    const HttpResponse page = AdminGet(token_, next);
    ASSERT_EQ(page.status, 200) << page.Describe();
    for (auto& id : Ids(page)) walked.push_back(std::move(id));
    next = NextLink(page);
    // The writer stops once the walk is past the stable items and it has made a few, so the
    // walk reaches the end.
    if (walked.size() >= stable.size() && made_count >= 4) stop = true;
    // Leave the writer time to interleave with the walk.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  writer.join();
  EXPECT_GE(made.size(), 4u) << "the writer should have run during the walk";
  // No item twice; every stable item, in creation order; nothing that is not the partner's.
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), walked.size());
  ASSERT_GE(walked.size(), stable.size());
  EXPECT_EQ(std::vector<std::string>(walked.begin(), walked.begin() + stable.size()), stable);
  const std::set<std::string> known(made.begin(), made.end());
  for (std::size_t i = stable.size(); i < walked.size(); ++i) {
    EXPECT_TRUE(known.count(walked[i])) << walked[i];
  }
}

TEST_F(Paging, BadLimitCursorOrParameterIs400AndSaysWhatIsAllowed) {
  CreateMany(1);
  for (const char* target : {"/api/v1/recipients?limit=0", "/api/v1/recipients?limit=1001",
                             "/api/v1/recipients?limit=x", "/api/v1/recipients?limit=",
                             "/api/v1/recipients?limit=-1", "/api/v1/recipients?limit=1&limit=2"}) {
    SCOPED_TRACE(target);
    const HttpResponse r = AdminGet(token_, target);
    ExpectMessage(r, 400);
    EXPECT_NE(r.body.find("limit"), std::string::npos) << r.body;
  }
  for (const char* target : {"/api/v1/recipients?after=garbage", "/api/v1/recipients?after=",
                             "/api/v1/recipients?limit=2&after=MTIz"}) {
    SCOPED_TRACE(target);
    const HttpResponse r = AdminGet(token_, target);
    ExpectMessage(r, 400,
                  "Invalid parameter 'after': must be the cursor of a Link header "
                  "(rel=\"next\") of this list");
  }
  const HttpResponse unknown = AdminGet(token_, "/api/v1/recipients?offset=10");
  ExpectMessage(unknown, 400, "Unknown query parameter: this list takes limit, after");
}

TEST_F(Paging, AnotherPartnersCursorShowsNothingOfTheirs) {
  const auto mine = CreateMany(3);
  const std::string next = NextLink(AdminGet(token_, "/api/v1/recipients?limit=1"));
  const std::string other = AdminToken(CreatePartner("Other"));
  const HttpResponse r = AdminGet(other, next);
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.body, "[]");
}

TEST_F(Paging, TheWholeListGoesInChunksAndEqualsThePages) {
  // More than one piece of 500.
  const auto created = CreateMany(620);
  HttpConnection connection(server().host(), server().port());
  const HttpRequest list{"GET", "/api/v1/recipients", {{"Authorization", "Bearer " + token_}}, {}};
  const HttpResponse whole = connection.Send(list);
  ASSERT_EQ(whole.status, 200) << whole.Describe();
  EXPECT_EQ(whole.Header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_FALSE(whole.Header("Content-Length").has_value());
  EXPECT_EQ(whole.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(Ids(whole), created);
  // The same bytes as the one page that holds them all.
  const HttpResponse one = AdminGet(token_, "/api/v1/recipients?limit=1000");
  EXPECT_EQ(one.body, whole.body);
  // The connection stays usable after a chunked answer.
  EXPECT_TRUE(whole.keep_alive);
  EXPECT_EQ(connection.Send(list).body, whole.body);
  // A small list is one ordinary answer.
  const std::string other = AdminToken(CreatePartner("Small"));
  const HttpResponse small = AdminGet(other, "/api/v1/recipients");
  EXPECT_EQ(small.body, "[]");
  EXPECT_EQ(small.Header("Content-Length").value_or(""), "2");
}

TEST_F(Paging, AnHttp10ClientGetsTheWholeListEndedByTheClose) {
  const auto created = CreateMany(620);  // more than one piece
  HttpConnection connection(server().host(), server().port());
  connection.WriteRaw("GET /api/v1/recipients HTTP/1.0\r\nHost: obauth\r\nAuthorization: Bearer " +
                      token_ + "\r\n\r\n");
  const HttpResponse r = connection.ReadResponse();  // its body ends at the close
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_FALSE(r.Header("Transfer-Encoding").has_value()) << "HTTP/1.0 has no chunks";
  EXPECT_FALSE(r.Header("Content-Length").has_value());
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(Ids(r), created);
}

TEST_F(Paging, AfterWithoutLimitSendsTheRestOfTheList) {
  const auto created = CreateMany(3);
  const std::string next = NextLink(AdminGet(token_, "/api/v1/recipients?limit=1"));
  const std::string cursor = next.substr(next.find("after=") + 6);
  const HttpResponse rest = AdminGet(token_, "/api/v1/recipients?after=" + cursor);
  EXPECT_EQ(Ids(rest), (std::vector<std::string>{created[1], created[2]}));
}

}  // namespace
}  // namespace obauth::e2e
