// Database: every store interface of one backend (SqliteStore, PostgresStore), for wiring only.
// Code that uses the store takes the narrow interfaces it needs (ClientStore, RecipientStore,
// AuditStore, ReplayStore, ProviderStore, SettingStore, ConnectionStore), so that the client,
// recipient and connection interfaces can be served by a CachingStore and the others by the
// database itself.
// Implementations are thread-safe; every successful write is durable before the call returns.
// Under a NonBlockingScope every call answers kWouldBlock before touching the database.
#pragma once

#include "store/audit_store.hpp"
#include "store/change_feed.hpp"
#include "store/client_store.hpp"
#include "store/connection_store.hpp"
#include "store/provider_store.hpp"
#include "store/recipient_store.hpp"
#include "store/replay_store.hpp"
#include "store/setting_store.hpp"

namespace obauth::store {

class Database : public ClientStore,
                 public RecipientStore,
                 public AuditStore,
                 public ReplayStore,
                 public ProviderStore,
                 public SettingStore,
                 public ConnectionStore,
                 public ChangeFeed {};

}  // namespace obauth::store
