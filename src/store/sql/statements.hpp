// What every SQL operation (store/sql/*_operations.hpp) needs from a backend's connection, and
// the helpers they share. A backend supplies a connection type `Db` with
// `Result<std::unique_ptr<S>> Prepare(const char* sql)`, where the statement S has Bind(int, T)
// for std::string_view, const std::string&, Blob, std::int64_t, int, bool, nullptr,
// std::optional<std::int64_t> and std::optional<std::string>; Step() (Result<bool>: true while a
// row is ready), Run(), Changes(), Text(col), Bytes(col), OptionalText(col), Int(col) and
// OptionalInt(col). A unique-key violation must come back as kConflict.
//
// The operations are run by SqlStore (store/sql/sql_store.hpp): each write operation inside one
// write transaction, each multi-statement read inside one read snapshot.
//
// Lock order, for backends with row locks: a write touches a client's row in `clients` before
// any other row of that client, and a write about several clients takes them in client-id
// order, so concurrent writes wait for each other but never deadlock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/page.hpp"

namespace obauth::store::sql {

// Marks bytes to bind as a BLOB / bytea rather than text.
struct Blob {
  std::string_view bytes;
};

// The statement for `sql` with `args` bound to parameters 1, 2, ... in order.
template <class Db, class... Args>
auto Query(Db& db, const char* sql, const Args&... args) -> decltype(db.Prepare(sql)) {
  OBAUTH_TRY(stmt, db.Prepare(sql));
  int index = 0;
  (stmt->Bind(++index, args), ...);
  return std::move(stmt);
}

// Runs a statement that returns no rows; how many rows it changed.
template <class Db, class... Args>
Result<std::int64_t> Run(Db& db, const char* sql, const Args&... args) {
  OBAUTH_TRY(stmt, Query(db, sql, args...));
  if (auto r = stmt->Run(); !r) return r.error();
  return std::int64_t{stmt->Changes()};
}

// The first column of every row `sql` answers for `key`.
template <class Db>
Result<std::vector<std::string>> Column(Db& db, const char* sql, std::string_view key) {
  OBAUTH_TRY(stmt, Query(db, sql, key));
  std::vector<std::string> out;
  while (true) {
    OBAUTH_TRY(row, stmt->Step());
    if (!row) break;
    out.push_back(stmt->Text(0));
  }
  return out;
}

// The position a page starts after: before every item when it starts at the first.
inline ListPosition StartAfter(const PageRequest& page) {
  return page.after.value_or(ListPosition{-1, 0, 0});
}

// The page that `stmt` answers, a query for one row more than `page.limit` (which tells whether
// more follow), ending early past `page.max_bytes` of text: `read(stmt)` makes an item of the
// current row, `position(stmt, item)` its place in the list. The rows after the page's last are
// never read (a backend that steps through its rows does not even fetch them).
template <class T, class Stmt, class Read, class Position>
Result<Page<T>> ReadPage(Stmt& stmt, const PageRequest& page, Read&& read, Position&& position) {
  Page<T> out;
  out.items.reserve(std::min<std::size_t>(page.limit, 512));
  ListPosition last;
  std::size_t bytes = 0;
  while (true) {
    OBAUTH_TRY(row, stmt.Step());
    if (!row) break;
    if (out.items.size() == page.limit || (page.max_bytes != 0 && bytes >= page.max_bytes)) {
      out.next = last;
      break;
    }
    out.items.push_back(read(stmt));
    last = position(stmt, out.items.back());
    bytes += TextBytes(out.items.back());
  }
  return out;
}

}  // namespace obauth::store::sql
