// Crash consistency: a stream of concurrent creates and rotations, the server killed with SIGKILL
// at a random moment, several rounds. After each kill the SQLite database passes its integrity
// check; after each restart every recipient's last acknowledged secret authenticates, unless a
// later request was in flight: then retrying it with its Idempotency-Key answers the secret that
// now works (the kept answer when it had committed, a fresh run when it had not). No recipient
// exists that no request created, and the audit trail counts exactly the changes made.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::HttpRequest;
using obauth::testing::HttpResponse;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr int kRounds = 5;
constexpr int kWriters = 4;
// Bounds the work per round (and the checks after it); the kill comes first in practice.
constexpr int kMaxOperationsPerRound = 300;

// A request sent with an Idempotency-Key, kept until its answer is known.
struct Operation {
  enum class Kind { kCreate, kRotate } kind;
  std::string key;
  std::string client_id;  // kRotate
};

struct Recipient {
  std::string secret;  // from the last 200 received for it
  int rotations = 0;   // rotations that committed (answered 200, now or on retry)
};

class CrashConsistency : public ObauthTest {
 protected:
  HttpRequest RequestFor(const Operation& op, const std::string& token) const {
    HttpRequest request;
    request.method = "POST";
    request.headers = {{"Authorization", "Bearer " + token},
                       {"Content-Type", "application/json"},
                       {"Idempotency-Key", op.key}};
    if (op.kind == Operation::Kind::kCreate) {
      request.target = std::string(kRecipientsPath);
      request.body = FullRecipientJson("Crash " + op.key);
    } else {
      request.target = SecretPath(op.client_id);
      request.body = "{}";
    }
    return request;
  }

  // Applies a 200 answer of `op` to the model.
  void Acknowledge(const Operation& op, const HttpResponse& response) {
    const auto body = ParseJsonObject(response.body);
    const std::string secret = StringAt(body, "client_secret");
    std::lock_guard lock(mu_);
    if (op.kind == Operation::Kind::kCreate) {
      recipients_[StringAt(body, "client_id")] = {secret, 0};
    } else {
      auto& r = recipients_.at(op.client_id);
      r.secret = secret;
      ++r.rotations;
    }
  }

  // One writer: alternates creating recipients and rotating its own, until the server dies.
  // Leaves the request whose answer never came in `in_flight`.
  void Write(int writer, const std::string& token, int round, std::vector<Operation>& in_flight) {
    std::mt19937 random(round * 100 + writer);
    std::vector<std::string> own;
    {
      std::lock_guard lock(mu_);
      own = owned_[writer];
    }
    for (int n = 0; n < kMaxOperationsPerRound; ++n) {
      Operation op{
          Operation::Kind::kCreate,
          "r" + std::to_string(round) + "-w" + std::to_string(writer) + "-" + std::to_string(n),
          {}};
      if (!own.empty() && random() % 2 == 0) {
        op.kind = Operation::Kind::kRotate;
        op.client_id = own[random() % own.size()];
      }
      HttpResponse response;
      try {
        response = obauth::testing::SendHttp(host_, port_, RequestFor(op, token));
      } catch (const std::exception&) {
        in_flight.push_back(op);  // killed before the answer arrived
        return;
      }
      if (response.status != 200) {
        ADD_FAILURE() << op.key << " answered " << response.Describe();
        return;
      }
      Acknowledge(op, response);
      if (op.kind == Operation::Kind::kCreate) {
        own.push_back(StringAt(ParseJsonObject(response.body), "client_id"));
        std::lock_guard lock(mu_);
        owned_[writer] = own;
      }
    }
  }

  // Runs the writers, kills the server after a random moment, and answers the unanswered
  // requests.
  std::vector<Operation> LoadAndKill(int round, std::mt19937& random) {
    host_ = server().host();
    port_ = server().port();
    const std::string token = AdminToken(partner_);
    std::vector<std::vector<Operation>> in_flight(kWriters);
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] { Write(w, token, round, in_flight[w]); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 250));
    server().Signal(SIGKILL);
    const auto status = server().WaitFor(std::chrono::seconds(10));
    EXPECT_TRUE(status && status->kind == obauth::testing::ExitStatus::Kind::kSignaled);
    for (auto& t : writers) t.join();
    std::vector<Operation> all;
    for (auto& ops : in_flight) all.insert(all.end(), ops.begin(), ops.end());
    return all;
  }

  void ExpectIntegrity() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(DbPath().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    std::string result;
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          static_cast<std::string*>(out)->append(values[0] ? values[0] : "NULL");
          return 0;
        },
        &result, nullptr);
    sqlite3_close(db);
    EXPECT_EQ(result, "ok");
  }

  Credentials partner_;
  std::mutex mu_;
  std::map<std::string, Recipient> recipients_;
  std::map<int, std::vector<std::string>> owned_;
  std::string host_;
  unsigned short port_ = 0;
};

TEST_F(CrashConsistency, SigkillDuringCreatesAndRotationsLosesNothingAcknowledged) {
  partner_ = CreatePartner();
  std::mt19937 random(20261127);
  std::size_t in_flight_total = 0;
  int committed_before_kill = 0;  // in flight, yet committed: the retry got the kept answer
  StartServer();
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<Operation> in_flight = LoadAndKill(round, random);
    in_flight_total += in_flight.size();
    ExpectIntegrity();

    StartServer();
    // Every recipient without a request in flight authenticates with its last acknowledged
    // secret.
    std::set<std::string> pending;
    for (const Operation& op : in_flight) pending.insert(op.client_id);
    for (const auto& [id, r] : recipients_) {
      if (pending.contains(id)) continue;
      EXPECT_EQ(RequestToken({id, r.secret}).status, 200)
          << "round " << round << ": the last acknowledged secret of " << id << " was lost";
    }
    // The unanswered requests, retried with their keys.
    const std::string token = AdminToken(partner_);
    for (const Operation& op : in_flight) {
      const HttpResponse response = Send(RequestFor(op, token));
      ASSERT_EQ(response.status, 200) << op.key << ": " << response.Describe();
      if (response.Header("Idempotent-Replayed") == "true") ++committed_before_kill;
      Acknowledge(op, response);
    }
  }
  for (const auto& [id, r] : recipients_) RememberSecret(r.secret);

  // Every recipient's last secret works.
  const std::string token = AdminToken(partner_);
  int rotated_recipients = 0;
  for (const auto& [id, r] : recipients_) {
    EXPECT_EQ(RequestToken({id, r.secret}).status, 200) << id;
    if (r.rotations > 0) ++rotated_recipients;
  }
  // Exactly the recipients the requests created: none half-made, none missing.
  std::set<std::string> listed;
  const auto list = ParseJson(AdminGet(token, kRecipientsPath).body);
  for (const auto& item : list.as_array()) {
    listed.insert(StringAt(item.as_object(), "client_id"));
  }
  std::set<std::string> expected;
  for (const auto& [id, r] : recipients_) expected.insert(id);
  EXPECT_EQ(listed, expected);
  // The audit trail agrees with the data: one creation per recipient, one rotation event per
  // committed rotation.
  const auto events = AuditEvents(token);
  EXPECT_EQ(EventsWithAction(events, "recipient.created").size(), recipients_.size());
  std::map<std::string, int> rotated;
  for (const auto& e : EventsWithAction(events, "recipient.secret_rotated")) {
    ++rotated[StringAt(e, "client_id")];
  }
  for (const auto& [id, r] : recipients_) EXPECT_EQ(rotated[id], r.rotations) << id;
  // The rounds did real work, and the kills did interrupt requests.
  EXPECT_GT(recipients_.size(), 20u);
  EXPECT_GT(rotated_recipients, 5);
  EXPECT_GT(in_flight_total, 0u);
  std::cout << "[          ] " << recipients_.size() << " recipients, " << in_flight_total
            << " requests cut off by " << kRounds << " kills, " << committed_before_kill
            << " of them committed before the kill\n";
}

}  // namespace
}  // namespace obauth::e2e
