// The server's housekeeping tasks (docs/architecture.md, "Background work"): once a second it
// writes the secret usage that is due and follows the stored signing keys; every ten minutes
// it purges Idempotency-Key replays and revocations that can no longer matter; at shutdown it
// writes all the usage still in memory. Not thread-safe: the tasks run on the housekeeping
// thread.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>

#include "app/housekeeper.hpp"
#include "app/signing_keys.hpp"
#include "consent/upstream.hpp"
#include "oauth/connection_uses.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/client_store.hpp"
#include "store/connection_store.hpp"
#include "store/replay_store.hpp"

namespace obauth::app {

inline constexpr std::int64_t kPurgePeriodSeconds = 600;

struct ServerTaskOptions {
  // Idempotency-Key replays are kept this long (the replay protocol's lifetime).
  std::int64_t replay_lifetime_seconds = 0;
  // A revocation is kept this long after the revoked token expired (serve --clock-skew).
  std::int64_t clock_skew_seconds = 0;
};

// Adds to `housekeeper`, in this order: "recording secret usage" (every tick; usage.Drain(), and
// usage.DrainAll() at shutdown, into clients.RecordSecretUse), "recording connection use" (every
// tick and at shutdown; connection_uses.Drain() into connections.TouchConnections; what fails to
// be written is recorded again), "reading the signing keys" (every
// tick; keys.Poll(), logging "signing keys changed: ..." to `log` when the ring changed),
// "purging idempotency replays", "purging revoked tokens" and "purging authorization codes"
// (every kPurgePeriodSeconds; a code is kept a purge period past its expiry, so that its reuse is
// still recognised and its connection revoked).
// Everything given must outlive the housekeeper.
void AddServerTasks(Housekeeper& housekeeper, store::ClientStore& clients,
                    store::ReplayStore& replays, store::ConnectionStore& connections,
                    oauth::UsageTracker& usage, oauth::ConnectionUses& connection_uses,
                    KeyRingFollower& keys, const ServerTaskOptions& options,
                    std::shared_ptr<spdlog::logger> log);

// How often revoked connections are revoked at their providers too, and how many at a time.
inline constexpr std::int64_t kUpstreamRevocationPeriodSeconds = 5;
inline constexpr std::size_t kUpstreamRevocationBatch = 20;

// Adds "revoking connections at their providers" (every kUpstreamRevocationPeriodSeconds:
// consent::RevokeAtProviders, kUpstreamRevocationBatch at a time).
void AddUpstreamRevocation(Housekeeper& housekeeper, store::ConnectionStore& connections,
                           store::ProviderStore& providers, const consent::Upstream& upstream);

}  // namespace obauth::app
