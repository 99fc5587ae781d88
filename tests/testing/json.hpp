// JSON helpers for tests (Boost.JSON): parsing that fails with the offending text, and small
// accessors that name the missing member. Stateless; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace obauth::testing {

// The parsed document. Throws std::runtime_error quoting `text` when it is not JSON.
boost::json::value ParseJson(std::string_view text);
// The parsed document, which must be an object. Throws std::runtime_error otherwise.
boost::json::object ParseJsonObject(std::string_view text);
// The member names of `object`, sorted.
std::vector<std::string> Keys(const boost::json::object& object);
// The string member `name`. Throws std::runtime_error when absent or not a string.
std::string StringAt(const boost::json::object& object, std::string_view name);
// The integer member `name`. Throws std::runtime_error when absent or not an integer.
std::int64_t IntAt(const boost::json::object& object, std::string_view name);

}  // namespace obauth::testing
