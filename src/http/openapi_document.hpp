// docs/openapi.yaml, embedded in the binary at build time (cmake/embed.cmake), so
// GET /openapi.yaml serves exactly the committed document.
#pragma once

#include <string_view>

namespace obauth::http {

std::string_view OpenApiDocument();

}  // namespace obauth::http
