// A partner can neither see nor touch another partner's recipients: every such request is the
// 404 of an unknown recipient, and the owner's recipient is left exactly as it was.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

class TenantIsolation : public ObauthTest {
 protected:
  void SetUp() override {
    const Credentials owner = CreatePartner("Owner");
    const Credentials intruder = CreatePartner("Intruder");
    StartServer();
    owner_token_ = AdminToken(owner);
    intruder_token_ = AdminToken(intruder);
    recipient_ = CreateRecipient(owner_token_);
    details_before_ = json::serialize(RecipientDetails(owner_token_, recipient_.id()));
    unknown_id_ = "dc-" + std::string(25, '0');
  }

  // The owner still sees the recipient unchanged, and its secret still gets tokens.
  void ExpectRecipientUntouched() {
    EXPECT_EQ(json::serialize(RecipientDetails(owner_token_, recipient_.id())), details_before_);
    EXPECT_EQ(RequestToken(recipient_.credentials).status, 200);
  }

  std::string owner_token_;
  std::string intruder_token_;
  CreatedRecipient recipient_;
  std::string details_before_;
  std::string unknown_id_;
};

TEST_F(TenantIsolation, OtherPartnersRecipientIsNotFoundOnGet) {
  const HttpResponse foreign = AdminGet(intruder_token_, RecipientPath(recipient_.id()));
  ExpectMessage(foreign, 404);
  // Exactly what an id that exists nowhere gets: nothing reveals that it exists.
  EXPECT_EQ(foreign.body, AdminGet(intruder_token_, RecipientPath(unknown_id_)).body);
  ExpectRecipientUntouched();
}

TEST_F(TenantIsolation, OtherPartnersRecipientIsNotFoundOnPutAndStaysUnchanged) {
  const std::string update =
      R"({"name":"Hijacked","redirect_uris":["https://attacker.example/cb"]})";
  const HttpResponse foreign = AdminPut(intruder_token_, RecipientPath(recipient_.id()), update);
  ExpectMessage(foreign, 404);
  EXPECT_EQ(foreign.body, AdminPut(intruder_token_, RecipientPath(unknown_id_), update).body);
  ExpectRecipientUntouched();
}

TEST_F(TenantIsolation, OtherPartnersRecipientIsNotFoundOnSecretRegenerationAndKeepsItsSecret) {
  const HttpResponse foreign = RotateSecret(intruder_token_, recipient_.id());
  ExpectMessage(foreign, 404);
  EXPECT_EQ(foreign.body.find("client_secret"), std::string::npos);
  EXPECT_EQ(foreign.body, RotateSecret(intruder_token_, unknown_id_).body);
  ExpectRecipientUntouched();
}

TEST_F(TenantIsolation, OtherPartnersRecipientIsAbsentFromTheList) {
  const CreatedRecipient own = CreateRecipient(intruder_token_, FullRecipientJson("Own"));
  const json::value intruder_list = ParseJson(AdminGet(intruder_token_, kRecipientsPath).body);
  ASSERT_TRUE(intruder_list.is_array());
  ASSERT_EQ(intruder_list.as_array().size(), 1u) << json::serialize(intruder_list);
  EXPECT_EQ(StringAt(intruder_list.as_array()[0].as_object(), "client_id"), own.id());

  const json::value owner_list = ParseJson(AdminGet(owner_token_, kRecipientsPath).body);
  ASSERT_EQ(owner_list.as_array().size(), 1u) << json::serialize(owner_list);
  EXPECT_EQ(StringAt(owner_list.as_array()[0].as_object(), "client_id"), recipient_.id());
}

TEST_F(TenantIsolation, OwnerStillManagesItsRecipientAfterForeignAttempts) {
  AdminGet(intruder_token_, RecipientPath(recipient_.id()));
  AdminPut(intruder_token_, RecipientPath(recipient_.id()),
           R"({"redirect_uris":["https://attacker.example/cb"]})");
  RotateSecret(intruder_token_, recipient_.id());

  const HttpResponse updated = AdminPut(owner_token_, RecipientPath(recipient_.id()),
                                        R"({"redirect_uris":["https://owner.example/cb"]})");
  EXPECT_EQ(updated.status, 200) << updated.Describe();
  const HttpResponse rotated = RotateSecret(owner_token_, recipient_.id());
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  const Credentials fresh{recipient_.id(),
                          StringAt(ParseJsonObject(rotated.body), "client_secret")};
  EXPECT_EQ(RequestToken(fresh).status, 200);
}

}  // namespace
}  // namespace obauth::e2e
