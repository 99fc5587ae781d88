#include "fdx/fdx_json.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "core/json_text.hpp"

namespace obauth::fdx {
namespace json = boost::json;

void AppendFdxJson(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        AppendFdxJson(out, member);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& member : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendFdxJson(out, member);
      }
      out += ']';
      return;
    }
    case json::kind::double_:
      out += fmt::format("{}", v.get_double());
      return;
    case json::kind::string:
      AppendJsonString(out, v.get_string());
      return;
    default:  // integers, booleans, null
      out += json::serialize(v);
      return;
  }
}

}  // namespace obauth::fdx
