#include "cli/recipient_table.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

namespace obauth::cli {
namespace {

// The value of a successful result; throws with the error's messages otherwise.
template <class T>
T Ok(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().public_message + " " + r.error().internal);
  return std::move(*r);
}

namespace json = boost::json;

TEST(RecipientTable, ListAlignsColumnsAndShowsMissingValuesAsDashes) {
  const auto list = json::parse(R"([
    {"client_id":"dc-aaaaaaaaaaaaaaaaaaaaaaaaa","name":"Flinks Fake","country":"CA",
     "client_uri":"https://flinks.fake.com","logo_uri":null,"description":null,"terms_uri":null,
     "contacts":[]},
    {"client_id":"dc-bbbbbbbbbbbbbbbbbbbbbbbbb","name":"Épargne","country":null,
     "client_uri":null,"logo_uri":null,"description":null,"terms_uri":null,"contacts":[]}])");
  EXPECT_EQ(Ok(RenderRecipientList(list)),
            "CLIENT ID                     NAME         COUNTRY  CLIENT URI\n"
            "dc-aaaaaaaaaaaaaaaaaaaaaaaaa  Flinks Fake  CA       https://flinks.fake.com\n"
            "dc-bbbbbbbbbbbbbbbbbbbbbbbbb  Épargne      -        -\n");
}

TEST(RecipientTable, EmptyListSaysHowToCreateARecipient) {
  EXPECT_EQ(Ok(RenderRecipientList(json::array())),
            "No recipients yet; create one with `obauth recipients create`.\n");
}

TEST(RecipientTable, ListThatIsNotAnArrayIsAnError) {
  const auto r = RenderRecipientList(json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().public_message.find("--json"), std::string::npos);
}

TEST(RecipientTable, DetailsListOneFieldALineInDocumentedOrderWithListsContinued) {
  const auto details = json::parse(R"({"client_id":"dc-x","name":"N","logo_uri":null,
    "contacts":[{"email":"a@x.example"},{"email":"b@x.example"}],"scope":"ACCOUNT_BASIC",
    "redirect_uris":["https://x.example/1","https://x.example/2"],
    "previous_secret_authentications":3,"extra":true})");
  EXPECT_EQ(Ok(RenderRecipient(details)),
            "client_id                        dc-x\n"
            "name                             N\n"
            "scope                            ACCOUNT_BASIC\n"
            "redirect_uris                    https://x.example/1\n"
            "                                 https://x.example/2\n"
            "logo_uri                         -\n"
            "contacts                         a@x.example\n"
            "                                 b@x.example\n"
            "previous_secret_authentications  3\n"
            "extra                            true\n");
}

TEST(RecipientTable, CreatedRecipientShowsTheSecretLastAndSaysItIsShownOnce) {
  const auto created = json::parse(R"({"client_id":"dc-x","client_secret":"s3cr3t","name":"N"})");
  EXPECT_EQ(Ok(RenderRecipient(created)),
            "client_id      dc-x\n"
            "name           N\n"
            "client_secret  s3cr3t\n"
            "\n"
            "The client secret is shown only once: store it now (the server keeps only a hash of "
            "it).\n");
}

TEST(RecipientTable, IssuedSecretSaysWhenThePreviousSecretStopsWorking) {
  EXPECT_EQ(Ok(RenderIssuedSecret(json::parse(R"({"client_id":"dc-x","client_secret":"s"})"))),
            "client_id      dc-x\n"
            "client_secret  s\n"
            "\n"
            "The new client secret is shown only once: store it now (the server keeps only a "
            "hash of it).\n"
            "The previous secret no longer works.\n");
  const std::string graced =
      Ok(RenderIssuedSecret(json::parse(R"({"client_id":"dc-x","client_secret":"s",
        "previous_secret_expires_at":"2030-01-01T00:00:00Z"})")));
  EXPECT_NE(graced.find("The previous secret keeps working until 2030-01-01T00:00:00Z; end it "
                        "early with `obauth recipients delete-previous-secret dc-x`."),
            std::string::npos)
      << graced;
}

TEST(RecipientTable, IssuedSecretWithoutASecretIsAnError) {
  EXPECT_FALSE(RenderIssuedSecret(json::parse(R"({"client_id":"dc-x"})")));
}

TEST(RecipientTable, ControlCharactersFromTheServerAreShownEscaped) {
  EXPECT_EQ(Printable("a\nb\tc\x1b[31md\x7f"), "a\\nb\\tc\\x1b[31md\\x7f");
  // A C1 CSI, a right-to-left override, an isolate, invalid UTF-8; accented letters stay.
  EXPECT_EQ(Printable("x\u009b31m abc\u202egnp.exe \u2067y \xff caf\u00e9"),
            "x\\u{009b}31m abc\\u{202e}gnp.exe \\u{2067}y \\xff caf\u00e9");
  const auto details =
      json::parse(R"({"client_id":"dc-x","description":"line 1\nline 2\u001b]0;x"})");
  EXPECT_EQ(Ok(RenderRecipient(details)),
            "client_id    dc-x\n"
            "description  line 1\\nline 2\\x1b]0;x\n");
}

TEST(RecipientTable, DisplayWidthCountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Épargne"), 7u);
  EXPECT_EQ(DisplayWidth(""), 0u);
}

}  // namespace
}  // namespace obauth::cli
