// libFuzzer driver: the HTTP Basic credentials parser (http::HasAuthScheme, ParseBasicAuth).
// Invariants: accepted credentials have a non-empty user; encoding them again (RFC 6749 §2.3.1:
// form-encode, then base64) parses to the same user and password; the scheme match is
// case-insensitive and needs the space.
#include <cctype>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"
#include "http/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace obauth;
  const std::string_view header = fuzz::AsText(data, size);
  const bool basic = http::HasAuthScheme(header, "Basic");
  const bool expected = header.size() > 5 && header[5] == ' ' &&
                        std::tolower(static_cast<unsigned char>(header[0])) == 'b' &&
                        std::tolower(static_cast<unsigned char>(header[1])) == 'a' &&
                        std::tolower(static_cast<unsigned char>(header[2])) == 's' &&
                        std::tolower(static_cast<unsigned char>(header[3])) == 'i' &&
                        std::tolower(static_cast<unsigned char>(header[4])) == 'c';
  fuzz::Check(basic == expected, "scheme match disagrees");
  if (!basic) return 0;
  const auto credentials = http::ParseBasicAuth(header);
  if (!credentials) return 0;
  fuzz::Check(!credentials->user.empty(), "accepted an empty user");
  const std::string again =
      "Basic " + fuzz::Base64(fuzz::PercentEncodeAll(credentials->user) + ":" +
                              fuzz::PercentEncodeAll(credentials->password));
  const auto reparsed = http::ParseBasicAuth(again);
  fuzz::Check(reparsed.has_value(), "re-encoded credentials were refused");
  fuzz::Check(reparsed->user == credentials->user && reparsed->password == credentials->password,
              "re-encoded credentials parsed to others");
  return 0;
}
