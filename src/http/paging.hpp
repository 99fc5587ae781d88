// Paged lists over HTTP: the query parameters a list takes (`limit`, `after` and its own), the
// opaque cursor that `after` carries, the RFC 8288 Link header announcing the next page, and the
// answer itself: one page, or the whole list sent in pieces. The body keeps the reference's
// shape (a plain JSON array).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/responses.hpp"
#include "store/page.hpp"

namespace obauth::http {

// The parameters of `query` (a request's query string) by name, when each is one of `allowed`
// and given once. kValidation otherwise, naming what is allowed ("this list takes a, b"), and for
// a malformed query string.
[[nodiscard]] Result<std::map<std::string, std::string>> ReadQueryParameters(
    std::string_view query, std::span<const std::string_view> allowed);

// A count from 1 to `max`, in decimal digits only; nullopt for anything else.
std::optional<std::int64_t> ParseCount(std::string_view text, std::int64_t max);

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

// A page of a list with its items already encoded: JSON array members joined by commas ("" for
// none).
struct EncodedPage {
  std::string items;
  std::optional<store::ListPosition> next;
};
// Reads and encodes one page; called on a worker thread, also after the handler has returned
// (it must hold what it needs, and may read the database).
using PageReader = std::function<Result<EncodedPage>(const store::PageRequest&)>;

// How many items each piece of a whole list holds at most (one database read each).
inline constexpr std::size_t kPieceSize = 500;
// How many bytes of item text a page or piece holds at most (PageRequest::max_bytes): a page
// ends early, after the item that reaches it. It bounds what a request reads and what a
// connection holds while a slow client reads, whatever the items' size (an ordinary page of
// 1000 recipients has about 100 KB of text and is never cut).
inline constexpr std::size_t kMaxPieceBytes = 128 * 1024;

// `page`'s items, each encoded by `append(out, item)`, joined with commas.
template <class T, class Append>
EncodedPage EncodePage(const store::Page<T>& page, Append&& append) {
  EncodedPage out;
  out.next = page.next;
  for (const auto& item : page.items) {
    if (!out.items.empty()) out.items.push_back(',');
    append(out.items, item);
  }
  return out;
}

// The answer to a GET of a list at `target` (the request's): with a limit, that page and a Link
// to the next; without, the whole list (from `after`), sent as one body when it fits in one
// piece and otherwise streamed piece by piece (Routed::stream), each piece read when the
// previous one is written, so that no transaction or connection is held while the client
// reads. An item is never repeated or skipped; one created or retired during the transfer may
// or may not be in it. Errors of the first read are admin errors; `note` goes to the log.
Routed ListAnswer(std::string_view route, std::string_view target, const ListQuery& query,
                  std::string note, PageReader read);

}  // namespace obauth::http
