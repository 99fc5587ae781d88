// FDX answers as JSON text: Boost.JSON values written with amounts as people write them
// ("1234.56", where Boost.JSON's serializer writes "1.23456E3"). Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace obauth::fdx {

// Appends `v` as compact JSON text to `out`.
void AppendFdxJson(std::string& out, const boost::json::value& v);

}  // namespace obauth::fdx
