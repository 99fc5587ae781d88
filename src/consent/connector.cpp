#include "consent/connector.hpp"

#include <boost/json/parse.hpp>

#include "consent/sandbox.hpp"

namespace obauth::consent {

const Connector* ConnectorFor(const std::optional<std::string>& connector_json) {
  static const Sandbox sandbox;
  if (!connector_json) return nullptr;
  boost::system::error_code ec;
  const auto value = boost::json::parse(*connector_json, ec);
  if (ec || !value.is_object()) return nullptr;
  const auto* type = value.as_object().if_contains("type");
  if (type != nullptr && type->is_string() && type->as_string() == "sandbox") return &sandbox;
  // "fdx" (a real provider's OAuth 2.0 server and FDX API) is catalogued, but its connector is
  // not built yet: none, so GET /api/v1/authorize refuses the provider ("cannot be connected to
  // yet").
  return nullptr;
}

}  // namespace obauth::consent
