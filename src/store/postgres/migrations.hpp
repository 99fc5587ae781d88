// The PostgreSQL schema as numbered migrations (numbered apart from SQLite's). Append only:
// never edit a released migration.
#pragma once

#include <array>
#include <string_view>

#include "store/sql/migrate.hpp"

namespace obauth::store::postgres {

using sql::Migration;

inline constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE clients (
  client_id   TEXT PRIMARY KEY,
  seq         BIGINT GENERATED ALWAYS AS IDENTITY,
  kind        TEXT NOT NULL CHECK (kind IN ('partner', 'recipient')),
  partner_id  TEXT REFERENCES clients (client_id),
  name        TEXT NOT NULL,
  disabled    INTEGER NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  token_epoch BIGINT NOT NULL DEFAULT 0,
  retired_at  BIGINT,
  previous_secret_authentications BIGINT NOT NULL DEFAULT 0,
  CHECK ((kind = 'partner') = (partner_id IS NULL))
);
CREATE INDEX clients_by_partner ON clients (partner_id, created_at, seq);

CREATE TABLE client_secrets (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id    TEXT NOT NULL REFERENCES clients (client_id),
  secret_hash  BYTEA NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT,
  last_used_at BIGINT
);
CREATE INDEX client_secrets_by_client ON client_secrets (client_id);

CREATE TABLE recipients (
  client_id   TEXT PRIMARY KEY REFERENCES clients (client_id),
  scope       TEXT NOT NULL,
  logo_uri    TEXT,
  description TEXT,
  terms_uri   TEXT,
  client_uri  TEXT,
  country     TEXT
);

CREATE TABLE recipient_redirect_uris (
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  position  INTEGER NOT NULL,
  uri       TEXT NOT NULL,
  PRIMARY KEY (client_id, position)
);

CREATE TABLE recipient_contacts (
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  position  INTEGER NOT NULL,
  email     TEXT NOT NULL,
  PRIMARY KEY (client_id, position)
);

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE audit_events (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         BIGINT NOT NULL,
  partner_id TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  client_id  TEXT NOT NULL,
  request_id TEXT NOT NULL,
  source     TEXT NOT NULL,
  options    TEXT NOT NULL
);
CREATE INDEX audit_events_by_partner ON audit_events (partner_id, id);
CREATE INDEX audit_events_by_client ON audit_events (partner_id, client_id, id);

CREATE TABLE idempotency_replays (
  partner_id      TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint     BYTEA NOT NULL,
  sealed          BYTEA NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (partner_id, idempotency_key)
);
CREATE INDEX idempotency_replays_by_age ON idempotency_replays (created_at);
)sql"},
    Migration{3, R"sql(
CREATE TABLE revoked_tokens (
  token_id   TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES clients (client_id),
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_by_client ON revoked_tokens (client_id);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
)sql"},
    Migration{4, R"sql(
CREATE TABLE providers (
  provider_id    BIGINT PRIMARY KEY,
  name           TEXT NOT NULL,
  country        TEXT NOT NULL,
  provider_url   TEXT,
  scope          TEXT NOT NULL,
  data_inventory TEXT NOT NULL,
  connector_name TEXT,
  account_types  TEXT NOT NULL,
  updated_at     BIGINT NOT NULL
);

CREATE TABLE registrations (
  client_id    TEXT NOT NULL REFERENCES clients (client_id),
  provider_id  BIGINT NOT NULL REFERENCES providers (provider_id),
  status       TEXT NOT NULL
    CHECK (status IN ('PENDING_APPROVAL', 'PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED')),
  requested_at BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (client_id, provider_id)
);
CREATE INDEX registrations_by_provider ON registrations (provider_id);
)sql"},
    // SQLite's 7: the customer's connections (store/connection_store.hpp) and the catalogue's
    // connector. At most one connection of a (recipient, provider, customer) is live.
    Migration{5, R"sql(
ALTER TABLE providers ADD COLUMN connector TEXT;

CREATE TABLE authorization_codes (
  code_hash      BYTEA PRIMARY KEY,
  client_id      TEXT NOT NULL REFERENCES clients (client_id),
  provider_id    BIGINT NOT NULL,
  customer_id    TEXT NOT NULL,
  subject        TEXT NOT NULL,
  scope          TEXT NOT NULL,
  accounts       TEXT NOT NULL,
  redirect_uri   TEXT NOT NULL,
  code_challenge TEXT,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  redeemed_at    BIGINT,
  connection_id  TEXT
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

CREATE TABLE connections (
  connection_id TEXT PRIMARY KEY,
  seq           BIGINT GENERATED ALWAYS AS IDENTITY,
  client_id     TEXT NOT NULL REFERENCES clients (client_id),
  provider_id   BIGINT NOT NULL,
  customer_id   TEXT NOT NULL,
  subject       TEXT NOT NULL,
  scope         TEXT NOT NULL,
  accounts      TEXT NOT NULL,
  refresh_hash  BYTEA NOT NULL UNIQUE,
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT NOT NULL,
  revoked_at    BIGINT
);
CREATE INDEX connections_by_client ON connections (client_id, created_at, seq);
CREATE INDEX connections_by_customer ON connections (provider_id, customer_id);
CREATE UNIQUE INDEX connections_live ON connections (client_id, provider_id, customer_id)
  WHERE revoked_at IS NULL;
)sql"},
    // SQLite's 8: codes and refresh tokens found by a time-ordered id and the keyed hash; codes
    // waiting at the upgrade are dropped, refresh tokens issued before it stop working (no
    // release had these tables); one index for the live-connection rule and the customer's list.
    Migration{6, R"sql(
DROP TABLE authorization_codes;
CREATE TABLE authorization_codes (
  code_id        TEXT PRIMARY KEY,
  code_hash      BYTEA NOT NULL,
  client_id      TEXT NOT NULL REFERENCES clients (client_id),
  provider_id    BIGINT NOT NULL,
  customer_id    TEXT NOT NULL,
  subject        TEXT NOT NULL,
  scope          TEXT NOT NULL,
  accounts       TEXT NOT NULL,
  redirect_uri   TEXT NOT NULL,
  code_challenge TEXT,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  redeemed_at    BIGINT,
  connection_id  TEXT
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

ALTER TABLE connections DROP CONSTRAINT connections_refresh_hash_key;
DROP INDEX connections_by_customer;
DROP INDEX connections_live;
CREATE UNIQUE INDEX connections_live ON connections (provider_id, customer_id, client_id)
  WHERE revoked_at IS NULL;
)sql"},
    // SQLite's 9: the provider's tokens of a code and its connection, sealed (fdx connectors),
    // and the partial index of the revoked connections whose tokens are still to be revoked at
    // the provider.
    Migration{7, R"sql(
ALTER TABLE authorization_codes ADD COLUMN upstream TEXT;
ALTER TABLE connections ADD COLUMN upstream TEXT;
CREATE INDEX connections_upstream_revoked ON connections (revoked_at, seq)
  WHERE revoked_at IS NOT NULL AND upstream IS NOT NULL;
)sql"},
};

}  // namespace obauth::store::postgres
