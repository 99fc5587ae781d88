// Paged lists: a page is asked for by the position after which it starts (keyset paging, not an
// offset), so a page never repeats or skips an item while others are created or deleted.
// Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace obauth::store {

// An item's place in a list's order: oldest first, ties broken by the order of insertion.
struct ListPosition {
  std::int64_t created_at = 0;
  std::int64_t sequence = 0;  // the database's insertion order (SQLite rowid, PostgreSQL seq)
  std::int64_t item = 0;      // within one recipient's items (a registration: its provider id)
  bool operator==(const ListPosition&) const = default;
};

struct PageRequest {
  std::optional<ListPosition> after;  // start after this item; nullopt: from the first
  std::size_t limit = 0;              // items at most (at least 1)
  // When not 0: the page ends once its items' text (TextBytes) has reached this many bytes,
  // even before `limit` (at least one item, however large).
  std::size_t max_bytes = 0;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<ListPosition> next;  // the last item's position when more items follow
};

}  // namespace obauth::store
