#include "admin/idempotency.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::admin {
namespace {

const Secret kKey(std::string(32, 'i'));
constexpr std::int64_t kNow = 1'700'000'000;

struct KeyCase {
  std::string key;
  bool valid;
  const char* what;
};

TEST(ReplaySealer, IsValidKeyTable) {
  const KeyCase cases[] = {
      {"", false, "empty"},
      {"a", true, "one character"},
      {std::string(255, 'k'), true, "255 characters"},
      {std::string(256, 'k'), false, "256 characters"},
      {"8e03978e-40d5-43e8-bc93-6894a57f9324", true, "a UUID"},
      {"!~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", true, "every kind of punctuation"},
      {"has space", false, "space"},
      {" leading", false, "leading space"},
      {"tab\there", false, "tab"},
      {"new\nline", false, "newline"},
      {std::string("nul\0x", 5), false, "NUL"},
      {"del\x7f", false, "DEL"},
      {"caf\xc3\xa9", false, "non-ASCII UTF-8"},
      {"\xff", false, "high byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(ReplaySealer::IsValidKey(c.key), c.valid);
  }
}

TEST(ReplaySealer, FingerprintDependsOnMethodPathAndBody) {
  const std::string base = ReplaySealer::Fingerprint("POST", "/api/v1/recipients", R"({"a":1})");
  EXPECT_EQ(base.size(), 32u);
  EXPECT_EQ(base, ReplaySealer::Fingerprint("POST", "/api/v1/recipients", R"({"a":1})"));
  EXPECT_NE(base, ReplaySealer::Fingerprint("PUT", "/api/v1/recipients", R"({"a":1})"));
  EXPECT_NE(base, ReplaySealer::Fingerprint("POST", "/api/v1/recipients/x", R"({"a":1})"));
  EXPECT_NE(base, ReplaySealer::Fingerprint("POST", "/api/v1/recipients", R"({"a":2})"));
  EXPECT_NE(base, ReplaySealer::Fingerprint("POST", "/api/v1/recipients", R"({"a":1} )"));
  EXPECT_NE(base, ReplaySealer::Fingerprint("POST", "/api/v1/recipients", ""));
}

TEST(ReplaySealer, SealThenOpenReturnsStatusAndBody) {
  const ReplaySealer idempotency(kKey);
  const std::string body = R"({"client_id":"dc-1","client_secret":"s3cret"})";
  auto replay = idempotency.Seal("pt-1", "key-1", "fingerprint", 200, body, kNow);
  ASSERT_TRUE(replay) << replay.error().internal;
  EXPECT_EQ(replay->partner_id, "pt-1");
  EXPECT_EQ(replay->key, "key-1");
  EXPECT_EQ(replay->fingerprint, "fingerprint");
  EXPECT_EQ(replay->created_at, kNow);
  // The secret in the body is not kept in clear.
  EXPECT_EQ(replay->sealed.find("s3cret"), std::string::npos);
  auto opened = idempotency.Open(*replay);
  ASSERT_TRUE(opened) << opened.error().internal;
  EXPECT_EQ(opened->first, 200);
  EXPECT_EQ(opened->second, body);
}

TEST(ReplaySealer, SealedReplayOpensWithTheSameKeyInAnotherInstance) {
  auto replay = ReplaySealer(kKey).Seal("pt-1", "k", "f", 201, "body with spaces", kNow);
  ASSERT_TRUE(replay);
  auto opened = ReplaySealer(kKey).Open(*replay);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->first, 201);
  EXPECT_EQ(opened->second, "body with spaces");
}

TEST(ReplaySealer, SealedReplayIsBoundToPartnerAndKey) {
  const ReplaySealer idempotency(kKey);
  auto replay = idempotency.Seal("pt-1", "key-1", "f", 200, "{}", kNow);
  ASSERT_TRUE(replay);
  for (const auto& [partner, key] : {std::pair<std::string, std::string>{"pt-2", "key-1"},
                                     {"pt-1", "key-2"},
                                     {"pt-1key-1", ""},
                                     {"pt-", "1key-1"}}) {
    SCOPED_TRACE(partner + "/" + key);
    store::Replay moved = *replay;
    moved.partner_id = partner;
    moved.key = key;
    auto opened = idempotency.Open(moved);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  }
}

TEST(ReplaySealer, ReplayDoesNotOpenUnderAnotherKeyOrWhenTampered) {
  auto replay = ReplaySealer(kKey).Seal("pt-1", "k", "f", 200, "{}", kNow);
  ASSERT_TRUE(replay);
  auto other = ReplaySealer(Secret(std::string(32, 'j'))).Open(*replay);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInternal);
  store::Replay tampered = *replay;
  tampered.sealed.back() = static_cast<char>(tampered.sealed.back() ^ 1);
  auto opened = ReplaySealer(kKey).Open(tampered);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
}

TEST(InFlightKeys, ClaimIsExclusivePerPartnerAndKeyUntilReleased) {
  InFlightKeys idempotency;
  {
    auto claim = idempotency.TryClaim("pt-1", "k");
    ASSERT_TRUE(claim.has_value());
    EXPECT_FALSE(idempotency.TryClaim("pt-1", "k").has_value());
    // Other partners and other keys are independent.
    EXPECT_TRUE(idempotency.TryClaim("pt-2", "k").has_value());
    EXPECT_TRUE(idempotency.TryClaim("pt-1", "k2").has_value());
    // A moved claim still holds the slot, once.
    auto moved = std::move(claim);
    EXPECT_FALSE(idempotency.TryClaim("pt-1", "k").has_value());
  }
  EXPECT_TRUE(idempotency.TryClaim("pt-1", "k").has_value());
}

// ---- The protocol ---------------------------------------------------------------------------

class IdempotencyTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
    idempotency_ = std::make_unique<Idempotency>(kKey, *store_, clock_);
  }
  void TearDown() override {
    idempotency_.reset();
    store_.reset();
    TempDirTest::TearDown();
  }

  // Answers `request` with a call that counts its runs and stores its replay the way the
  // recipient service does (in its own transaction, here the store's replay of a rotation).
  Result<IdempotentAnswer> Call(const IdempotentRequest& request, const std::string& result) {
    return idempotency_->Answer<std::string>(
        caller_, request,
        [&](const Sealer<std::string>& seal) -> Result<std::string> {
          ++runs_;
          sealers_seen_ += seal != nullptr;
          if (seal) {
            OBAUTH_TRY(replay, seal(result));
            replays_.push_back(replay);
          }
          return result;
        },
        [](const std::string& value) { return "{\"v\":\"" + value + "\"}"; });
  }

  // The replays the calls sealed, as the store would find them.
  std::vector<store::Replay> replays_;
  ManualClock clock_{kNow};
  const Caller caller_{"pt-1", "pt-1", "req", "test"};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<Idempotency> idempotency_;
  int runs_ = 0;
  int sealers_seen_ = 0;
};

TEST_F(IdempotencyTest, WithoutAKeyTheCallRunsWithoutASealer) {
  auto answer = Call({std::nullopt, "POST", "/p", "{}"}, "a");
  ASSERT_TRUE(answer) << answer.error().internal;
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, R"({"v":"a"})");
  EXPECT_FALSE(answer->replayed);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(sealers_seen_, 0);
}

TEST_F(IdempotencyTest, AMalformedKeyIsRefusedBeforeTheCallRuns) {
  auto answer = Call({std::string_view("has space"), "POST", "/p", "{}"}, "a");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kValidation);
  EXPECT_EQ(runs_, 0);
}

TEST_F(IdempotencyTest, AKeyHeldInFlightIsRefusedWithKeyInUse) {
  auto claim = idempotency_->in_flight().TryClaim("pt-1", "k");
  ASSERT_TRUE(claim);
  auto answer = Call({std::string_view("k"), "POST", "/p", "{}"}, "a");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kKeyInUse);
  EXPECT_EQ(runs_, 0);
}

TEST_F(IdempotencyTest, WithAKeyTheCallGetsASealerOfItsAnswer) {
  auto answer = Call({std::string_view("k"), "POST", "/p", "{}"}, "a");
  ASSERT_TRUE(answer) << answer.error().internal;
  EXPECT_EQ(answer->body, R"({"v":"a"})");
  ASSERT_EQ(replays_.size(), 1u);
  EXPECT_EQ(replays_[0].partner_id, "pt-1");
  EXPECT_EQ(replays_[0].key, "k");
  EXPECT_EQ(replays_[0].created_at, kNow);
  auto opened = ReplaySealer(kKey).Open(replays_[0]);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->second, answer->body);
  // The key is free again once the call has returned.
  EXPECT_TRUE(idempotency_->in_flight().TryClaim("pt-1", "k"));
}

}  // namespace
}  // namespace obauth::admin
