// The JSON that operator commands (obauth partner create, keys rotate, providers import,
// registrations ...) print: one encoder, so every command writes the same shape. Pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace obauth::app {

// `value` on one line, members in their order, with a space after each colon and comma, as the
// documentation shows: {"added": 3, "updated": 0, "unchanged": 0}. Strings are escaped as
// Boost.JSON serializes them.
std::string OperatorJson(const boost::json::value& value);

}  // namespace obauth::app
