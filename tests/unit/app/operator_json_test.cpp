#include "app/operator_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace obauth::app {
namespace {

namespace json = boost::json;

TEST(OperatorJsonTest, WritesMembersInOrderWithASpaceAfterColonsAndCommas) {
  const struct {
    json::value value;
    const char* text;
  } rows[] = {
      // The shapes docs/providers.md and the operator commands show.
      {json::object{{"added", 3}, {"updated", 0}, {"unchanged", 0}},
       R"({"added": 3, "updated": 0, "unchanged": 0})"},
      {json::object{{"client_id", "pt-abc"}, {"client_secret", "s3cr_t-X"}},
       R"({"client_id": "pt-abc", "client_secret": "s3cr_t-X"})"},
      {json::object{{"kid", "k"}, {"alg", "ES256"}, {"removed_keys", std::size_t{2}}},
       R"({"kid": "k", "alg": "ES256", "removed_keys": 2})"},
      {json::object{}, "{}"},
      {json::array{}, "[]"},
      {json::object{{"list", json::array{1, "two", nullptr, true}},
                    {"nested", json::object{{"a", -1}}}},
       R"({"list": [1, "two", null, true], "nested": {"a": -1}})"},
      // Escaped as Boost.JSON (and so the API) escapes them.
      {json::object{{"name", "Caf\xC3\xA9 \"Q\" \\ /\n"}},
       "{\"name\": \"Caf\xC3\xA9 \\\"Q\\\" \\\\ /\\n\"}"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(OperatorJson(row.value), row.text);
    EXPECT_EQ(json::parse(OperatorJson(row.value)), row.value) << "parses back to the same value";
  }
}

}  // namespace
}  // namespace obauth::app
