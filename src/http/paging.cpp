#include "http/paging.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <charconv>

#include "crypto/base64url.hpp"
#include "http/form.hpp"

namespace obauth::http {
namespace {

std::optional<std::int64_t> Number(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// "created_at.sequence.item", base64url: opaque, and read back strictly.
std::optional<store::ListPosition> DecodeCursor(std::string_view cursor) {
  if (cursor.size() > 80) return std::nullopt;
  const auto text = crypto::Base64UrlDecode(cursor);
  if (!text) return std::nullopt;
  std::string_view plain(*text);
  std::int64_t fields[3];
  for (auto& field : fields) {
    const auto dot = plain.find('.');
    const auto value = Number(plain.substr(0, dot));
    if (!value || (dot == std::string_view::npos) != (&field == &fields[2])) return std::nullopt;
    field = *value;
    plain.remove_prefix(dot == std::string_view::npos ? plain.size() : dot + 1);
  }
  return store::ListPosition{fields[0], fields[1], fields[2]};
}

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string QueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// `items` between `open` and `close`, in a string of exactly that size: what a connection keeps
// while its client reads carries no spare capacity.
std::string Joined(std::string_view open, std::string_view items, std::string_view close) {
  std::string out;
  out.reserve(open.size() + items.size() + close.size());
  out.append(open).append(items).append(close);
  return out;
}

// The pieces of a whole list after its first: "," and the next page's items, until the closing
// "]".
class ListStream final : public BodyStream {
 public:
  ListStream(PageReader read, store::ListPosition next) : read_(std::move(read)), next_(next) {}

  Result<std::optional<std::string>> Next() override {
    if (done_) return std::optional<std::string>();
    OBAUTH_TRY(page, read_({next_, kPieceSize, kMaxPieceBytes}));
    next_ = page.next;
    done_ = !next_;
    // The first piece had at least one item.
    return std::optional<std::string>(
        Joined(page.items.empty() ? "" : ",", page.items, done_ ? "]" : ""));
  }

 private:
  PageReader read_;
  std::optional<store::ListPosition> next_;
  bool done_ = false;
};

}  // namespace

Routed ListAnswer(std::string_view route, std::string_view target, const ListQuery& query,
                  std::string note, PageReader read) {
  auto page = read({query.after, query.limit.value_or(kPieceSize), kMaxPieceBytes});
  if (!page) return AdminError(page.error(), route);
  if (query.limit) {  // one page, and a link to the next
    Routed r = Ok(route, Joined("[", page->items, "]"), std::move(note));
    if (page->next) {
      SetNextLink(r.response, target.substr(0, target.find('?')), query, *page->next);
    }
    return r;
  }
  if (!page->next || page->items.empty()) return Ok(route, Joined("[", page->items, "]"), note);
  // The whole list, in pieces.
  Routed r = Ok(route, Joined("[", page->items, ""), note + " streamed");
  r.stream = std::make_shared<ListStream>(std::move(read), *page->next);
  return r;
}

Result<std::map<std::string, std::string>> ReadQueryParameters(
    std::string_view query, std::span<const std::string_view> allowed) {
  std::string names;
  for (auto name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
  const std::string takes = "this list takes " + (names.empty() ? "no parameters" : names);
  auto params = ParseForm(query);
  if (!params) return MakeError(ErrorCode::kValidation, "Malformed query string (" + takes + ")");
  std::map<std::string, std::string> out;
  for (auto& [name, value] : *params) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return MakeError(ErrorCode::kValidation, "Unknown query parameter: " + takes);
    }
    if (!out.emplace(name, std::move(value)).second) {
      return MakeError(ErrorCode::kValidation, "Query parameter '" + name + "' given twice");
    }
  }
  return out;
}

std::optional<std::int64_t> ParseCount(std::string_view text, std::int64_t max) {
  const auto v = Number(text);
  if (!v || *v < 1 || *v > max) return std::nullopt;
  return v;
}

Result<ListQuery> ReadListQuery(std::string_view query, std::size_t max_limit,
                                std::span<const std::string_view> own) {
  std::vector<std::string_view> allowed = {"limit", "after"};
  allowed.insert(allowed.end(), own.begin(), own.end());
  OBAUTH_TRY(params, ReadQueryParameters(query, allowed));
  ListQuery out;
  for (auto& [name, value] : params) {
    if (name == "limit") {
      const auto v = ParseCount(value, static_cast<std::int64_t>(max_limit));
      if (!v) {
        return MakeError(ErrorCode::kValidation, "Invalid parameter 'limit': must be from 1 to " +
                                                     std::to_string(max_limit));
      }
      out.limit = static_cast<std::size_t>(*v);
    } else if (name == "after") {
      out.after = DecodeCursor(value);
      if (!out.after) {
        return MakeError(ErrorCode::kValidation,
                         "Invalid parameter 'after': must be the cursor of a Link header "
                         "(rel=\"next\") of this list");
      }
    } else {
      out.own[name] = std::move(value);
    }
  }
  return out;
}

std::string EncodeCursor(const store::ListPosition& position) {
  return crypto::Base64UrlEncode(std::to_string(position.created_at) + "." +
                                 std::to_string(position.sequence) + "." +
                                 std::to_string(position.item));
}

void SetNextLink(Response& response, std::string_view path, const ListQuery& query,
                 const store::ListPosition& next) {
  std::string target = "<" + std::string(path) + "?";
  for (const auto& [name, value] : query.own) target += name + "=" + QueryValue(value) + "&";
  if (query.limit) target += "limit=" + std::to_string(*query.limit) + "&";
  target += "after=" + EncodeCursor(next) + ">; rel=\"next\"";
  response.set(boost::beast::http::field::link, target);
}

}  // namespace obauth::http
