// DomainMetrics: what the libraries count about their own work — tokens issued, client
// authentication failures and their reasons, secret rotations, previous-secret use, database
// latency and errors — for http::Metrics to render at GET /metrics. Plain atomics, so recording
// takes no lock; every label comes from a closed enum, never from client input. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/client_kind.hpp"

namespace obauth {

// A latency histogram with fixed upper bounds (seconds).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   1};

  void Record(std::chrono::nanoseconds elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::size_t i = 0;
    while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
    if (i < kBuckets.size()) buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(elapsed.count()), std::memory_order_relaxed);
  }

  // Per bucket (not cumulative); observations above the last bound are only in count().
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const {
    return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// The number of values of an enum that ends with kCount.
template <class E>
inline constexpr std::size_t kCountOf = static_cast<std::size_t>(E::kCount);

class DomainMetrics {
 public:
  using ClientKind = obauth::ClientKind;  // defined once, in core/client_kind.hpp
  // Why a client authentication (token, introspection, RFC 7009 revocation) failed.
  enum class AuthFailure {
    kNoCredentials,  // neither Basic nor a client_id in the body
    kUnknownClient,
    kMissingSecret,
    kWrongSecret,
    kInactiveClient,  // retired (deleted) or disabled
    kRateLimited,     // refused unchecked: too many failures (429)
    kCount
  };
  enum class DbOperation { kRead, kWrite, kCount };
  enum class DbError { kUnavailable, kInternal, kCount };

  static std::string_view Label(ClientKind kind);
  static std::string_view Label(AuthFailure reason);
  static std::string_view Label(DbOperation operation);
  static std::string_view Label(DbError error);

  void TokenIssued(ClientKind kind) { Add(tokens_issued_[Index(kind)]); }
  void AuthenticationFailed(AuthFailure reason) { Add(auth_failures_[Index(reason)]); }
  // A client authenticated with its previous secret, in its grace period.
  void PreviousSecretUsed() { Add(previous_secret_authentications_); }
  void SecretRotated() { Add(secret_rotations_); }
  void DatabaseCall(DbOperation operation, std::chrono::nanoseconds elapsed) {
    db_latency_[Index(operation)].Record(elapsed);
  }
  void DatabaseFailed(DbError error) { Add(db_errors_[Index(error)]); }

  std::uint64_t tokens_issued(ClientKind kind) const { return Get(tokens_issued_[Index(kind)]); }
  std::uint64_t auth_failures(AuthFailure reason) const {
    return Get(auth_failures_[Index(reason)]);
  }
  std::uint64_t previous_secret_authentications() const {
    return Get(previous_secret_authentications_);
  }
  std::uint64_t secret_rotations() const { return Get(secret_rotations_); }
  const LatencyHistogram& db_latency(DbOperation operation) const {
    return db_latency_[Index(operation)];
  }
  std::uint64_t db_errors(DbError error) const { return Get(db_errors_[Index(error)]); }

 private:
  template <class E>
  static constexpr std::size_t Index(E e) {
    return static_cast<std::size_t>(e);
  }
  static void Add(std::atomic<std::uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  static std::uint64_t Get(const std::atomic<std::uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, kCountOf<ClientKind>> tokens_issued_{};
  std::array<std::atomic<std::uint64_t>, kCountOf<AuthFailure>> auth_failures_{};
  std::atomic<std::uint64_t> previous_secret_authentications_{0};
  std::atomic<std::uint64_t> secret_rotations_{0};
  std::array<LatencyHistogram, kCountOf<DbOperation>> db_latency_{};
  std::array<std::atomic<std::uint64_t>, kCountOf<DbError>> db_errors_{};
};

inline std::string_view DomainMetrics::Label(ClientKind kind) { return ClientKindName(kind); }

inline std::string_view DomainMetrics::Label(AuthFailure reason) {
  switch (reason) {
    case AuthFailure::kNoCredentials:
      return "no_credentials";
    case AuthFailure::kUnknownClient:
      return "unknown_client";
    case AuthFailure::kMissingSecret:
      return "missing_secret";
    case AuthFailure::kWrongSecret:
      return "wrong_secret";
    case AuthFailure::kInactiveClient:
      return "inactive_client";
    case AuthFailure::kRateLimited:
      return "rate_limited";
    case AuthFailure::kCount:
      break;
  }
  return "?";
}

inline std::string_view DomainMetrics::Label(DbOperation operation) {
  switch (operation) {
    case DbOperation::kRead:
      return "read";
    case DbOperation::kWrite:
      return "write";
    case DbOperation::kCount:
      break;
  }
  return "?";
}

inline std::string_view DomainMetrics::Label(DbError error) {
  switch (error) {
    case DbError::kUnavailable:
      return "unavailable";
    case DbError::kInternal:
      return "internal";
    case DbError::kCount:
      break;
  }
  return "?";
}

}  // namespace obauth
