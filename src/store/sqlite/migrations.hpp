// The SQLite schema as numbered migrations. Append only: never edit a released migration.
#pragma once

#include <array>
#include <string_view>

namespace obauth::store::sqlite {

struct Migration {
  int version;
  std::string_view sql;
};

inline constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE clients (
  client_id  TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('partner', 'recipient')),
  partner_id TEXT REFERENCES clients (client_id),
  name       TEXT NOT NULL,
  disabled   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((kind = 'partner') = (partner_id IS NULL))
) STRICT;
CREATE INDEX clients_by_partner ON clients (partner_id, created_at);

CREATE TABLE client_secrets (
  id          INTEGER PRIMARY KEY,
  client_id   TEXT NOT NULL REFERENCES clients (client_id),
  secret_hash BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
) STRICT;
CREATE INDEX client_secrets_by_client ON client_secrets (client_id);

CREATE TABLE recipients (
  client_id   TEXT PRIMARY KEY REFERENCES clients (client_id),
  scope       TEXT NOT NULL,
  logo_uri    TEXT,
  description TEXT,
  terms_uri   TEXT,
  client_uri  TEXT,
  country     TEXT
) STRICT;

CREATE TABLE recipient_redirect_uris (
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  position  INTEGER NOT NULL,
  uri       TEXT NOT NULL,
  PRIMARY KEY (client_id, position)
) STRICT;

CREATE TABLE recipient_contacts (
  client_id TEXT NOT NULL REFERENCES clients (client_id),
  position  INTEGER NOT NULL,
  email     TEXT NOT NULL,
  PRIMARY KEY (client_id, position)
) STRICT;

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
)sql"},
};

}  // namespace obauth::store::sqlite
