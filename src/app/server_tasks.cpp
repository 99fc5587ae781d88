#include "app/server_tasks.hpp"

namespace obauth::app {

void AddServerTasks(Housekeeper& housekeeper, store::ClientStore& clients,
                    store::ReplayStore& replays, store::ConnectionStore& connections,
                    oauth::UsageTracker& usage, oauth::ConnectionUses& connection_uses,
                    KeyRingFollower& keys, const ServerTaskOptions& options,
                    std::shared_ptr<spdlog::logger> log) {
  housekeeper.Add(
      {.name = "recording secret usage",
       .period_seconds = 0,
       .run = [&clients, &usage](std::int64_t) { return clients.RecordSecretUse(usage.Drain()); },
       .at_shutdown =
           [&clients, &usage](std::int64_t) { return clients.RecordSecretUse(usage.DrainAll()); }});
  const auto record_connection_use = [&connections, &connection_uses](std::int64_t) {
    auto uses = connection_uses.Drain();
    auto written = connections.TouchConnections(uses);
    if (!written) {
      // Kept for the next tick: a refresh is not forgotten because the database was away.
      for (const auto& use : uses) connection_uses.Record(use.connection_id, use.at);
    }
    return written;
  };
  housekeeper.Add({.name = "recording connection use",
                   .period_seconds = 0,
                   .run = record_connection_use,
                   .at_shutdown = record_connection_use});
  housekeeper.Add({.name = "reading the signing keys",
                   .period_seconds = 0,
                   .run = [&keys, log = std::move(log)](std::int64_t now) -> Result<void> {
                     OBAUTH_TRY(changed, keys.Poll());
                     if (changed) {
                       log->info("signing keys changed: {}", SummarizeKeys(*keys.keys(), now));
                     }
                     return {};
                   }});
  housekeeper.Add({.name = "purging idempotency replays",
                   .period_seconds = kPurgePeriodSeconds,
                   .run = [&replays, lifetime = options.replay_lifetime_seconds](
                              std::int64_t now) -> Result<void> {
                     OBAUTH_TRY(purged, replays.PurgeReplays(now - lifetime));
                     (void)purged;
                     return {};
                   }});
  // An expired token is refused for its expiry; its revocation is no longer needed.
  housekeeper.Add(
      {.name = "purging revoked tokens",
       .period_seconds = kPurgePeriodSeconds,
       .run = [&clients, skew = options.clock_skew_seconds](std::int64_t now) -> Result<void> {
         OBAUTH_TRY(forgotten, clients.PurgeRevokedTokens(now - skew));
         (void)forgotten;
         return {};
       }});
  housekeeper.Add({.name = "purging authorization codes",
                   .period_seconds = kPurgePeriodSeconds,
                   .run = [&connections](std::int64_t now) -> Result<void> {
                     OBAUTH_TRY(purged, connections.PurgeCodes(now - kPurgePeriodSeconds));
                     (void)purged;
                     return {};
                   }});
}

void AddUpstreamRevocation(Housekeeper& housekeeper, store::ConnectionStore& connections,
                           store::ProviderStore& providers, const consent::Upstream& upstream) {
  housekeeper.Add({.name = "revoking connections at their providers",
                   .period_seconds = kUpstreamRevocationPeriodSeconds,
                   .run = [&connections, &providers, &upstream](std::int64_t) -> Result<void> {
                     OBAUTH_TRY(done, consent::RevokeAtProviders(connections, providers, upstream,
                                                                 kUpstreamRevocationBatch));
                     (void)done;
                     return {};
                   }});
}

}  // namespace obauth::app
