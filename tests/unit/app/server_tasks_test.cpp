#include "app/server_tasks.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>

#include "app/key_file.hpp"
#include "forwarding_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::app {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kReplayLifetime = 86400;
constexpr std::int64_t kSkew = 45;

// Remembers the housekeeping calls on the way to a real store; PurgeReplays can be made to fail.
class RecordingStore final : public test_support::ForwardingStore, public store::ReplayStore {
 public:
  RecordingStore(store::ClientStore& clients, store::ReplayStore& replays)
      : ForwardingStore(clients), replays_(replays) {}

  Result<void> RecordSecretUse(const std::vector<store::SecretUse>& uses) override {
    recorded.push_back(uses.size());
    return ForwardingStore::RecordSecretUse(uses);
  }
  Result<std::int64_t> PurgeReplays(std::int64_t cutoff) override {
    replay_cutoffs.push_back(cutoff);
    if (fail_replay_purge) return InternalError("replays table is locked");
    return replays_.PurgeReplays(cutoff);
  }
  Result<std::optional<store::Replay>> FindReplay(std::string_view partner_id, std::string_view key,
                                                  std::int64_t not_before) override {
    return replays_.FindReplay(partner_id, key, not_before);
  }
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override {
    revocation_cutoffs.push_back(cutoff);
    return ForwardingStore::PurgeRevokedTokens(cutoff);
  }

  std::vector<std::size_t> recorded;  // how many uses each RecordSecretUse call carried
  std::vector<std::int64_t> replay_cutoffs;
  std::vector<std::int64_t> revocation_cutoffs;
  bool fail_replay_purge = false;

 private:
  store::ReplayStore& replays_;
};

class ServerTasksTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 1);
    ASSERT_TRUE(opened) << opened.error().internal;
    sqlite_ = std::move(*opened);
    store_ = std::make_unique<RecordingStore>(*sqlite_, *sqlite_);
    auto key = LoadServerKey(DefaultKeyFile(DbPath()), *sqlite_);
    ASSERT_TRUE(key);
    server_key_ = std::move(*key);
    auto ring = LoadKeyRing(*sqlite_, server_key_);
    ASSERT_TRUE(ring);
    tokens_ = std::make_unique<oauth::AccessTokens>(std::move(ring->ring), "https://a.example");
    follower_ = std::make_unique<KeyRingFollower>(*sqlite_, server_key_, *tokens_, ring->stored);
    logger_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    logger_->set_pattern("%l %v");
    housekeeper_ = std::make_unique<Housekeeper>(logger_);
    AddServerTasks(*housekeeper_, *store_, *store_, *store_, usage_, connection_uses_, *follower_,
                   {kReplayLifetime, kSkew}, logger_);
  }
  void TearDown() override {
    housekeeper_.reset();
    follower_.reset();
    store_.reset();
    sqlite_.reset();
    TempDirTest::TearDown();
  }

  std::string Log() {
    logger_->flush();
    return log_.str();
  }

  std::unique_ptr<store::sqlite::SqliteStore> sqlite_;
  std::unique_ptr<RecordingStore> store_;
  Secret server_key_;
  std::unique_ptr<oauth::AccessTokens> tokens_;
  std::unique_ptr<KeyRingFollower> follower_;
  oauth::UsageTracker usage_;
  oauth::ConnectionUses connection_uses_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Housekeeper> housekeeper_;
};

TEST_F(ServerTasksTest, PurgesEveryTenMinutesWithTheReplayLifetimeAndTheClockSkew) {
  for (std::int64_t t = 0; t <= 1200; ++t) housekeeper_->Tick(kNow + t);
  EXPECT_EQ(store_->replay_cutoffs,
            (std::vector<std::int64_t>{kNow - kReplayLifetime, kNow + 600 - kReplayLifetime,
                                       kNow + 1200 - kReplayLifetime}));
  EXPECT_EQ(store_->revocation_cutoffs,
            (std::vector<std::int64_t>{kNow - kSkew, kNow + 600 - kSkew, kNow + 1200 - kSkew}));
  EXPECT_EQ(store_->recorded.size(), 1201u) << "secret usage is written at every tick";
}

TEST_F(ServerTasksTest, WritesTheUsageThatIsDueAtEachTickAndEverythingAtShutdown) {
  usage_.Record(1, "dc-a", false, kNow);
  housekeeper_->Tick(kNow);
  EXPECT_EQ(store_->recorded.back(), 1u) << "a first use is due at once";
  usage_.Record(1, "dc-a", false, kNow + 1);
  housekeeper_->Tick(kNow + 1);
  EXPECT_EQ(store_->recorded.back(), 0u) << "a later use waits for the resolution";
  housekeeper_->Shutdown(kNow + 2);
  EXPECT_EQ(store_->recorded.back(), 1u) << "shutdown writes what waited";
  EXPECT_EQ(store_->replay_cutoffs.size(), 1u) << "no purge at shutdown";
}

TEST_F(ServerTasksTest, LogsARotationOfTheStoredSigningKeys) {
  housekeeper_->Tick(kNow);
  EXPECT_EQ(Log().find("signing keys changed"), std::string::npos);
  auto rotated = RotateSigningKey(*sqlite_, server_key_, kNow, 0, oauth::kDefaultClockSkew);
  ASSERT_TRUE(rotated);
  housekeeper_->Tick(kNow + 1);
  EXPECT_NE(Log().find("info signing keys changed: signing kid=" + rotated->kid), std::string::npos)
      << Log();
  EXPECT_EQ(tokens_->keys()->SigningAt(kNow + 1).KeyId(), rotated->kid);
}

TEST_F(ServerTasksTest, AFailedPurgeIsLoggedAndTheOtherTasksRun) {
  store_->fail_replay_purge = true;
  housekeeper_->Tick(kNow);
  EXPECT_NE(Log().find("warning purging idempotency replays failed: replays table is locked"),
            std::string::npos)
      << Log();
  EXPECT_EQ(store_->revocation_cutoffs.size(), 1u);
  EXPECT_EQ(store_->recorded.size(), 1u);
}

}  // namespace
}  // namespace obauth::app
