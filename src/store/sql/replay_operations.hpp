// The ReplayStore operations of the SQL backends, and the insert of a replay that a change runs
// in its own transaction. Q is the backend's query set (store/<backend>/queries.hpp), Db its
// connection (store/sql/statements.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/replay_store.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct ReplayOperations {
  // Stores the replay (if any), replacing one for the same key older than
  // kReplayLifetimeSeconds. kKeyInUse when the key is taken.
  template <class Db>
  static Result<void> Insert(Db& db, const Replay* replay) {
    if (replay == nullptr) return {};
    if (auto r = Run(db, Q::kDeleteStaleReplay, replay->partner_id, replay->key,
                     replay->created_at - kReplayLifetimeSeconds);
        !r) {
      return r.error();
    }
    auto r = Run(db, Q::kInsertReplay, replay->partner_id, replay->key, Blob{replay->fingerprint},
                 Blob{replay->sealed}, replay->created_at);
    if (!r && r.error().code == ErrorCode::kConflict) {
      return MakeError(ErrorCode::kKeyInUse,
                       "A request with this Idempotency-Key is already in progress",
                       "idempotency key taken by a concurrent request");
    }
    if (!r) return r.error();
    return {};
  }

  template <class Db>
  static Result<std::optional<Replay>> FindReplay(Db& db, std::string_view partner_id,
                                                  std::string_view key, std::int64_t not_before) {
    OBAUTH_TRY(stmt, Query(db, Q::kFindReplay, partner_id, key, not_before));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return std::optional<Replay>();
    return std::optional<Replay>(Replay{std::string(partner_id), std::string(key), stmt->Bytes(0),
                                        stmt->Bytes(1), stmt->Int(2)});
  }

  template <class Db>
  static Result<std::int64_t> PurgeReplays(Db& db, std::int64_t cutoff) {
    return Run(db, Q::kPurgeReplays, cutoff);
  }
};

}  // namespace obauth::store::sql
