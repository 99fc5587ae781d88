// Paged lists over HTTP: the query parameters a list takes (`limit`, `after` and its own), the
// opaque cursor that `after` carries, and the RFC 8288 Link header announcing the next page. The
// body keeps the reference's shape (a plain JSON array); pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/responses.hpp"
#include "store/page.hpp"

namespace obauth::http {

struct ListQuery {
  std::optional<std::size_t> limit;          // nullopt: the whole list (from `after`)
  std::optional<store::ListPosition> after;  // start after this item
  std::map<std::string, std::string> own;    // the list's own parameters that were given
};

// Reads `query` (a request's query string) of a list that takes `limit` (1-max_limit), `after`
// and the parameters named in `own`. kValidation, naming what is allowed, for an unknown or
// repeated parameter, a malformed query string, a limit out of range, or an `after` that is not
// a cursor of a Link header.
[[nodiscard]] Result<ListQuery> ReadListQuery(std::string_view query, std::size_t max_limit,
                                              std::span<const std::string_view> own = {});

// The cursor of `position`: opaque to clients (base64url), read back by ReadListQuery.
std::string EncodeCursor(const store::ListPosition& position);

// Sets `Link: <path?...&limit=N&after=CURSOR>; rel="next"` on `response` (a reference relative
// to the request's own URI, so that it holds behind any proxy), keeping the list's own
// parameters of `query`.
void SetNextLink(Response& response, std::string_view path, const ListQuery& query,
                 const store::ListPosition& next);

}  // namespace obauth::http
