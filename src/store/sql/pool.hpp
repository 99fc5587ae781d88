// Pool: the bounded pool of connections of a SQL backend. Acquire() lends an idle connection,
// opens a new one while fewer than the limit are open, or waits for one to be given back; the
// Lease gives it back when destroyed, and the backend's policy decides whether it is kept.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace obauth::store::sql {

template <class Connection>
class Pool {
 public:
  // What becomes of a connection given back.
  enum class Disposal {
    kKeep,          // idle, for the next Acquire
    kClose,         // closed; the next Acquire may open a new one
    kCloseAllIdle,  // closed, and every idle connection too (e.g. the server restarted)
  };

  // The backend's hooks.
  struct Policy {
    // Opens a new connection.
    std::function<Result<std::unique_ptr<Connection>>()> open;
    // How long Acquire waits for a connection to be given back; nullopt: as long as it takes.
    std::optional<std::chrono::seconds> wait_limit;
    // Acquire's answer when the wait limit passed.
    std::function<Error()> exhausted;
    // Decides about a connection given back; empty: every connection is kept.
    std::function<Disposal(const Connection&)> on_release;
  };

  // A borrowed connection: `*lease` is the connection, given back when the lease is destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->Release(std::move(connection_));
    }
    Connection* operator->() const { return connection_.get(); }
    Connection& operator*() const { return *connection_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // At most `max_connections` (at least 1) connections are open at once.
  Pool(int max_connections, Policy policy)
      : max_connections_(max_connections < 1 ? 1 : max_connections), policy_(std::move(policy)) {}

  // Adds `connection`, already open, as an idle one; it counts towards the limit.
  void Adopt(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mu_);
    ++open_;
    idle_.push_back(std::move(connection));
    available_.notify_one();
  }

  // An idle connection, else a new one while fewer than the limit are open, else the first one
  // given back. The error of opening a connection; the policy's `exhausted` answer when none
  // came free within its wait limit.
  Result<Lease> Acquire() {
    std::unique_lock lock(mu_);
    const auto ready = [&] { return !idle_.empty() || open_ < max_connections_; };
    if (policy_.wait_limit) {
      if (!available_.wait_for(lock, *policy_.wait_limit, ready)) return policy_.exhausted();
    } else {
      available_.wait(lock, ready);
    }
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;
    lock.unlock();
    auto connection = policy_.open();
    if (!connection) {
      std::lock_guard relock(mu_);
      --open_;
      available_.notify_one();
      return connection.error();
    }
    return Lease(this, std::move(*connection));
  }

 private:
  void Release(std::unique_ptr<Connection> connection) {
    const Disposal disposal =
        policy_.on_release ? policy_.on_release(*connection) : Disposal::kKeep;
    std::lock_guard lock(mu_);
    if (disposal == Disposal::kKeep) {
      idle_.push_back(std::move(connection));
      available_.notify_one();
      return;
    }
    connection.reset();
    --open_;
    if (disposal == Disposal::kCloseAllIdle) {
      open_ -= static_cast<int>(idle_.size());
      idle_.clear();
    }
    available_.notify_all();
  }

  const int max_connections_;
  const Policy policy_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

}  // namespace obauth::store::sql
