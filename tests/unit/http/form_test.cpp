#include "http/form.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace obauth::http {
namespace {

using namespace std::string_literals;
using Pairs = std::vector<std::pair<std::string, std::string>>;

struct DecodeCase {
  std::string_view text;
  std::optional<std::string> expected;
};

TEST(FormDecode, DecodesTable) {
  const DecodeCase cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"a+b", "a b"},
      {"+++", "   "},
      {"%20", " "},
      {"%2B", "+"},  // RFC 6749 §2.3.1: an encoded '+' is a plus, not a space
      {"%2b", "+"},  // lowercase hex
      {"%3A%3a", "::"},
      {"%25", "%"},
      {"%2525", "%25"},  // decoded once only
      {"s%2Bcret%26", "s+cret&"},
      {"my%3Aid", "my:id"},
      {"%C3%A9", "\xc3\xa9"},
      {"%00", "\0"s},
      {"%ff%FF", "\xff\xff"},
      {"a=b", "a=b"},  // '=' is literal inside a component
      {"%", std::nullopt},
      {"%2", std::nullopt},
      {"abc%", std::nullopt},
      {"abc%4", std::nullopt},
      {"%G1", std::nullopt},
      {"%1G", std::nullopt},
      {"%%41", std::nullopt},
      {"% 41", std::nullopt},
      {"%-1", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(FormDecode(c.text), c.expected);
  }
}

struct FormCase {
  std::string_view body;
  std::optional<Pairs> expected;
};

TEST(ParseForm, ParsesTable) {
  const FormCase cases[] = {
      {"", Pairs{}},
      {"&&&", Pairs{}},
      {"grant_type=client_credentials", Pairs{{"grant_type", "client_credentials"}}},
      {"grant_type=client_credentials&scope=a+b",
       Pairs{{"grant_type", "client_credentials"}, {"scope", "a b"}}},
      {"a=1&&b=2&", Pairs{{"a", "1"}, {"b", "2"}}},  // empty pieces skipped
      {"&a=1", Pairs{{"a", "1"}}},
      {"flag", Pairs{{"flag", ""}}},  // no '=': empty value
      {"flag&a=1", Pairs{{"flag", ""}, {"a", "1"}}},
      {"a=", Pairs{{"a", ""}}},
      {"=v", Pairs{{"", "v"}}},
      {"a==b", Pairs{{"a", "=b"}}},                // only the first '=' separates
      {"a=1&a=2", Pairs{{"a", "1"}, {"a", "2"}}},  // repeats kept for the caller to judge
      {"client_id=my%3Aid&client_secret=s%2Bcret%26",
       Pairs{{"client_id", "my:id"}, {"client_secret", "s+cret&"}}},
      {"na%6De=va%6Cue", Pairs{{"name", "value"}}},
      {"a%26b=c%3Dd", Pairs{{"a&b", "c=d"}}},  // encoded separators are data
      {"a=%zz", std::nullopt},
      {"a%=1", std::nullopt},
      {"ok=1&bad=%", std::nullopt},
      {"%=", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_EQ(ParseForm(c.body), c.expected);
  }
}

TEST(HasAuthScheme, MatchesSchemeCaseInsensitivelyFollowedBySpace) {
  EXPECT_TRUE(HasAuthScheme("Basic dXNlcjpwYXNz", "Basic"));
  EXPECT_TRUE(HasAuthScheme("basic dXNlcjpwYXNz", "Basic"));
  EXPECT_TRUE(HasAuthScheme("BASIC x", "Basic"));
  EXPECT_TRUE(HasAuthScheme("Bearer abc", "Bearer"));
  EXPECT_TRUE(HasAuthScheme("bEaReR abc", "Bearer"));
  EXPECT_TRUE(HasAuthScheme("Basic  ", "Basic"));

  EXPECT_FALSE(HasAuthScheme("Basic", "Basic"));  // no space, no credentials
  EXPECT_FALSE(HasAuthScheme("Basicx abc", "Basic"));
  EXPECT_FALSE(HasAuthScheme("Basic\tabc", "Basic"));
  EXPECT_FALSE(HasAuthScheme("Bearer abc", "Basic"));
  EXPECT_FALSE(HasAuthScheme(" Basic abc", "Basic"));
  EXPECT_FALSE(HasAuthScheme("", "Basic"));
  EXPECT_FALSE(HasAuthScheme("Bas", "Basic"));
  EXPECT_FALSE(HasAuthScheme("Digest username=x", "Basic"));
}

struct BasicCase {
  const char* label;
  std::string_view header;
  std::optional<std::pair<std::string, std::string>> expected;
};

TEST(ParseBasicAuth, ParsesTable) {
  using P = std::pair<std::string, std::string>;
  const BasicCase cases[] = {
      {"valid", "Basic dXNlcjpwYXNz", P{"user", "pass"}},
      {"lowercase scheme", "basic dXNlcjpwYXNz", P{"user", "pass"}},
      {"RFC 6749 §2.3.1 encoded ':' '+' '&'",
       "Basic bXklM0FpZDpzJTJCY3JldCUyNg==", P{"my:id", "s+cret&"}},
      {"plus is a space", "Basic dXMrZXI6cGErc3M=", P{"us er", "pa ss"}},
      {"encoded percent and mixed-case hex", "Basic YSUyNWI6YyUzYSUyYiUyQg==", P{"a%b", "c:++"}},
      {"colon in password", "Basic dXNlcjpwYTpzcw==", P{"user", "pa:ss"}},
      {"empty password", "Basic dXNlcjo=", P{"user", ""}},
      {"encoded NUL user", "Basic JTAwOng=", P{"\0"s, "x"}},
      {"raw non-ASCII bytes", "Basic w6k6/w==", P{"\xc3\xa9", "\xff"}},
      {"extra spaces around credentials", "Basic    dXNlcjpwYXNz   ", P{"user", "pass"}},
      {"missing colon", "Basic dXNlcnBhc3M=", std::nullopt},
      {"empty user", "Basic OnBhc3M=", std::nullopt},
      {"bad escape in password", "Basic dXNlcjpwYSVzcw==", std::nullopt},
      {"truncated escape", "Basic dXNlcjpwYSUy", std::nullopt},
      {"bad base64 characters", "Basic !!!!", std::nullopt},
      {"base64url alphabet", "Basic w6k6_w==", std::nullopt},
      {"unpadded base64", "Basic dXNlcjo", std::nullopt},
      {"non-canonical base64", "Basic dXNlcjp=", std::nullopt},
      {"space inside credentials", "Basic dXNl cjpwYXNz", std::nullopt},
      {"empty credentials", "Basic ", std::nullopt},
      {"only spaces", "Basic     ", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const auto parsed = ParseBasicAuth(c.header);
    ASSERT_EQ(parsed.has_value(), c.expected.has_value());
    if (parsed) {
      EXPECT_EQ(parsed->user, c.expected->first);
      EXPECT_EQ(parsed->password, c.expected->second);
    }
  }
}

}  // namespace
}  // namespace obauth::http
