// libFuzzer driver: the application/x-www-form-urlencoded decoder (http::ParseForm, FormDecode).
// Invariants: decoding never grows the text; a decoded form, encoded again, decodes to the same
// pairs; a form with no '%' never fails.
#include <cstdint>

#include "fuzz/fuzz_support.hpp"
#include "http/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace obauth;
  const std::string_view body = fuzz::AsText(data, size);

  if (auto decoded = http::FormDecode(body)) {
    fuzz::Check(decoded->size() <= body.size(), "FormDecode grew the text");
  }
  const auto pairs = http::ParseForm(body);
  if (body.find('%') == std::string_view::npos) {
    fuzz::Check(pairs.has_value(), "a form without escapes was refused");
  }
  if (!pairs) return 0;
  std::string again;
  for (const auto& [name, value] : *pairs) {
    if (!again.empty()) again.push_back('&');
    again += fuzz::PercentEncodeAll(name) + "=" + fuzz::PercentEncodeAll(value);
  }
  const auto reparsed = http::ParseForm(again);
  fuzz::Check(reparsed.has_value(), "re-encoded form was refused");
  // Pieces that decode to an empty name and value are skipped only when empty on the wire, so
  // the re-encoded form keeps every pair.
  fuzz::Check(*reparsed == *pairs, "re-encoded form decoded to other pairs");
  return 0;
}
