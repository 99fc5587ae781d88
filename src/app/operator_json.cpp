#include "app/operator_json.hpp"

#include <boost/json/serialize.hpp>

namespace obauth::app {
namespace json = boost::json;
namespace {

void Append(std::string& out, const json::value& value) {
  if (const auto* object = value.if_object()) {
    out += '{';
    const char* separator = "";
    for (const auto& member : *object) {
      out += separator;
      out += json::serialize(json::string(member.key()));
      out += ": ";
      Append(out, member.value());
      separator = ", ";
    }
    out += '}';
  } else if (const auto* array = value.if_array()) {
    out += '[';
    const char* separator = "";
    for (const auto& element : *array) {
      out += separator;
      Append(out, element);
      separator = ", ";
    }
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

std::string OperatorJson(const json::value& value) {
  std::string out;
  Append(out, value);
  return out;
}

}  // namespace obauth::app
