// The ConnectionStore operations of the SQL backends: authorization codes and connections. Q is
// the backend's query set (store/<backend>/queries.hpp), Db its connection
// (store/sql/statements.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/connection_store.hpp"
#include "store/sql/audit_operations.hpp"
#include "store/sql/client_operations.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct ConnectionOperations {
  template <class Db>
  static Result<void> CreateCode(Db& db, const AuthorizationCode& code) {
    OBAUTH_TRY(accounts, JoinAccounts(code.consent.accounts));
    const Consent& c = code.consent;
    if (auto x = Run(db, Q::kInsertCode, code.code_id, Blob{code.code_hash}, c.client_id,
                     c.provider_id, c.customer_id, c.subject, c.scope, accounts, code.redirect_uri,
                     code.code_challenge, code.created_at, code.expires_at, code.redeemed_at,
                     code.connection_id, code.upstream);
        !x) {
      return x.error();
    }
    return {};
  }

  template <class Db>
  static Result<AuthorizationCode> FindCode(Db& db, std::string_view code_id,
                                            std::string_view code_hash) {
    OBAUTH_TRY(stmt, Query(db, Q::kFindCode, code_id, Blob{code_hash}));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return CodeNotFound();
    AuthorizationCode code;
    code.code_id = std::string(code_id);
    code.code_hash = std::string(code_hash);
    code.consent = Consent{stmt->Text(0), stmt->Int(1),  stmt->Text(2),
                           stmt->Text(3), stmt->Text(4), SplitAccounts(stmt->Text(5))};
    code.redirect_uri = stmt->Text(6);
    code.code_challenge = stmt->OptionalText(7);
    code.created_at = stmt->Int(8);
    code.expires_at = stmt->Int(9);
    code.redeemed_at = stmt->OptionalInt(10);
    code.connection_id = stmt->OptionalText(11);
    code.upstream = stmt->OptionalText(12);
    return code;
  }

  // The UPDATE that marks the code redeemed decides, by the rows it changed, which call exchanges
  // it: with one writer (SQLite) trivially; in PostgreSQL a concurrent call waits on the row and,
  // once the first commits, finds it redeemed (READ COMMITTED re-checks the condition).
  template <class Db>
  static Result<Redemption> RedeemCode(Db& db, std::string_view code_id, std::string_view code_hash,
                                       const store::Connection& connection,
                                       const std::string& refresh_hash, std::int64_t now,
                                       std::int64_t marker_expires_at, const AuditEvent& audit,
                                       const AuditEvent& reuse_audit) {
    OBAUTH_TRY(accounts, JoinAccounts(connection.consent.accounts));
    const Consent& consent = connection.consent;
    // The recipient's row first (lock order, statements.hpp): the exchanges of one recipient's
    // codes run one after another, so each finds the connection the one before created when it
    // supersedes the live connection of its triple.
    if (auto x = LockClient(db, consent.client_id); !x) return x.error();
    OBAUTH_TRY(changed,
               Run(db, Q::kRedeemCode, code_id, Blob{code_hash}, now, connection.connection_id));
    Redemption out;
    if (changed == 0) {
      // Exchanged before, or no such code (RFC 6749 §4.1.2: revoke what the first exchange made).
      std::optional<std::string> first;
      {
        OBAUTH_TRY(stmt, Query(db, Q::kCodeConnection, code_id, Blob{code_hash}));
        OBAUTH_TRY(row, stmt->Step());
        if (!row) return CodeNotFound();
        first = stmt->OptionalText(0);
      }
      if (!first) return out;
      std::string client_id;
      {
        OBAUTH_TRY(stmt, Query(db, Q::kConnectionClient, *first));
        OBAUTH_TRY(row, stmt->Step());
        if (!row) return out;
        client_id = stmt->Text(0);
      }
      OBAUTH_TRY(revoked, Revoke(db, *first, client_id, now, marker_expires_at));
      if (revoked) {
        if (auto x = AuditOperations<Q>::Insert(db, reuse_audit); !x) return x.error();
        out.revoked_connection_id = std::move(first);
      }
      return out;
    }
    std::vector<std::string> live;
    {
      OBAUTH_TRY(stmt, Query(db, Q::kLiveConnectionsOf, consent.client_id, consent.provider_id,
                             consent.customer_id));
      while (true) {
        OBAUTH_TRY(row, stmt->Step());
        if (!row) break;
        live.push_back(stmt->Text(0));
      }
    }
    for (auto& id : live) {
      OBAUTH_TRY(revoked, Revoke(db, id, consent.client_id, now, marker_expires_at));
      if (revoked) out.superseded_connection_ids.push_back(std::move(id));
    }
    if (auto x = Run(db, Q::kInsertConnection, connection.connection_id, consent.client_id,
                     consent.provider_id, consent.customer_id, consent.subject, consent.scope,
                     accounts, Blob{refresh_hash}, connection.created_at, connection.last_used_at,
                     connection.upstream);
        !x) {
      return x.error();
    }
    if (auto x = AuditOperations<Q>::Insert(db, audit); !x) return x.error();
    out.redeemed = true;
    return out;
  }

  template <class Db>
  static Result<std::int64_t> PurgeCodes(Db& db, std::int64_t cutoff) {
    return Run(db, Q::kPurgeCodes, cutoff);
  }

  template <class Db>
  static Result<store::Connection> FindConnectionByRefresh(Db& db, std::string_view connection_id,
                                                           std::string_view refresh_hash) {
    return ReadOne(db, Q::kFindConnectionByRefresh, connection_id, Blob{refresh_hash});
  }

  template <class Db>
  static Result<store::Connection> GetConnection(Db& db, std::string_view connection_id) {
    return ReadOne(db, Q::kGetConnection, connection_id);
  }

  template <class Db>
  static Result<void> TouchConnections(Db& db, const std::vector<ConnectionUse>& uses) {
    for (const auto& use : uses) {
      if (auto x = Run(db, Q::kTouchConnection, use.connection_id, use.at); !x) return x.error();
    }
    return {};
  }

  template <class Db>
  static Result<bool> RevokeConnection(Db& db, std::string_view connection_id, std::int64_t now,
                                       std::int64_t marker_expires_at, const AuditEvent& audit) {
    std::string client_id;  // a connection's recipient never changes: read before the lock
    {
      OBAUTH_TRY(stmt, Query(db, Q::kConnectionClient, connection_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return ConnectionNotFound();
      client_id = stmt->Text(0);
    }
    if (auto x = LockClient(db, client_id); !x) return x.error();
    OBAUTH_TRY(revoked, Revoke(db, connection_id, client_id, now, marker_expires_at));
    if (revoked) {
      if (auto x = AuditOperations<Q>::Insert(db, audit); !x) return x.error();
    }
    return revoked;
  }

  template <class Db>
  static Result<void> SetUpstream(Db& db, std::string_view connection_id,
                                  const std::optional<std::string>& upstream) {
    OBAUTH_TRY(changed, Run(db, Q::kSetUpstream, connection_id, upstream));
    if (changed == 0) return ConnectionNotFound();
    return {};
  }

  template <class Db>
  static Result<std::vector<store::Connection>> ListUpstreamRevocations(Db& db, std::size_t limit) {
    if (limit == 0) return std::vector<store::Connection>{};
    // Bound as a 64-bit integer: a larger limit means every row.
    const auto bound = static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
    OBAUTH_TRY(stmt, Query(db, Q::kListUpstreamRevocations, bound));
    return ReadAll(*stmt);
  }

  template <class Db>
  static Result<Page<store::Connection>> ListConnections(Db& db, std::string_view client_id,
                                                         const PageRequest& page) {
    const ListPosition start = StartAfter(page);
    // One more than the page holds tells whether more follow.
    const auto limit = static_cast<std::int64_t>(page.limit) + 1;
    OBAUTH_TRY(stmt,
               Query(db, Q::kListConnections, client_id, start.created_at, start.sequence, limit));
    return ReadPage<store::Connection>(
        *stmt, page, [](auto& s) { return ReadConnection(s); },
        [](auto& s, const store::Connection& c) {
          return ListPosition{c.created_at, s.Int(kConnectionColumns), 0};
        });
  }

  template <class Db>
  static Result<std::vector<store::Connection>> ListCustomerConnections(
      Db& db, std::int64_t provider_id, std::string_view customer_id) {
    OBAUTH_TRY(stmt, Query(db, Q::kListCustomerConnections, provider_id, customer_id));
    return ReadAll(*stmt);
  }

 private:
  static Error CodeNotFound() {
    return MakeError(ErrorCode::kNotFound, "Authorization code not found");
  }
  static Error ConnectionNotFound() {
    return MakeError(ErrorCode::kNotFound, "Connection not found");
  }

  // Accounts are stored space-separated: an id that is empty or holds a space could not be read
  // back as it was written.
  static Result<std::string> JoinAccounts(const std::vector<std::string>& accounts) {
    std::string out;
    for (const auto& account : accounts) {
      if (account.empty() || account.find(' ') != std::string::npos) {
        return MakeError(ErrorCode::kValidation, "An account id must not be empty or hold a space");
      }
      if (!out.empty()) out += ' ';
      out += account;
    }
    return out;
  }
  static std::vector<std::string> SplitAccounts(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
      const auto space = text.find(' ');
      out.emplace_back(text.substr(0, space));
      if (space == std::string_view::npos) break;
      text.remove_prefix(space + 1);
    }
    return out;
  }

  // Takes the client's row lock (PostgreSQL; SQLite's one writer needs none).
  template <class Db>
  static Result<void> LockClient(Db& db, std::string_view client_id) {
    OBAUTH_TRY(lock, Query(db, Q::kLockClient, client_id));
    if (auto r = lock->Step(); !r) return r.error();
    return {};
  }

  // Revokes the connection at `now` if it is live and lists its token marker for its recipient
  // `client_id` until `marker_expires_at` (the insert of ClientStore::RevokeToken); false when it
  // was revoked already or does not exist.
  template <class Db>
  static Result<bool> Revoke(Db& db, std::string_view connection_id, std::string_view client_id,
                             std::int64_t now, std::int64_t marker_expires_at) {
    OBAUTH_TRY(changed, Run(db, Q::kRevokeConnection, connection_id, now));
    if (changed == 0) return false;
    if (auto x = ClientOperations<Q>::RevokeToken(
            db, client_id, ConnectionTokenMarker(connection_id), marker_expires_at);
        !x) {
      return x.error();
    }
    return true;
  }

  template <class Db, class... Key>
  static Result<store::Connection> ReadOne(Db& db, const char* sql, const Key&... key) {
    OBAUTH_TRY(stmt, Query(db, sql, key...));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return ConnectionNotFound();
    return ReadConnection(*stmt);
  }

  // Every connection `stmt` answers, in its order.
  template <class S>
  static Result<std::vector<store::Connection>> ReadAll(S& stmt) {
    std::vector<store::Connection> out;
    while (true) {
      OBAUTH_TRY(row, stmt.Step());
      if (!row) break;
      out.push_back(ReadConnection(stmt));
    }
    return out;
  }

  template <class S>
  static store::Connection ReadConnection(const S& s) {
    store::Connection c;
    c.connection_id = s.Text(0);
    c.consent =
        Consent{s.Text(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5), SplitAccounts(s.Text(6))};
    c.client_name = s.Text(7);
    c.created_at = s.Int(8);
    c.last_used_at = s.Int(9);
    c.revoked_at = s.OptionalInt(10);
    c.upstream = s.OptionalText(11);
    return c;
  }
};

}  // namespace obauth::store::sql
