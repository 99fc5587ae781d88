#include "admin/registration_service.hpp"

#include <gtest/gtest.h>

namespace obauth::admin {
namespace {

using store::RegistrationStatus;
using Action = RegistrationAction;

TEST(RegistrationTransitions, FollowTheDocumentedLifecycle) {
  const auto kApproval = RegistrationStatus::kPendingApproval;
  const auto kActivation = RegistrationStatus::kPendingActivation;
  const auto kActive = RegistrationStatus::kActive;
  const auto kSuspended = RegistrationStatus::kSuspended;
  EXPECT_EQ(Transition(Action::kApprove, kApproval), kActivation);
  EXPECT_EQ(Transition(Action::kApprove, kActivation), std::nullopt);
  EXPECT_EQ(Transition(Action::kApprove, kActive), std::nullopt);
  EXPECT_EQ(Transition(Action::kApprove, kSuspended), std::nullopt);
  EXPECT_EQ(Transition(Action::kActivate, kApproval), std::nullopt) << "approval comes first";
  EXPECT_EQ(Transition(Action::kActivate, kActivation), kActive);
  EXPECT_EQ(Transition(Action::kActivate, kActive), std::nullopt);
  EXPECT_EQ(Transition(Action::kActivate, kSuspended), kActive);
  for (auto from : {kApproval, kActivation, kActive}) {
    EXPECT_EQ(Transition(Action::kSuspend, from), kSuspended);
  }
  EXPECT_EQ(Transition(Action::kSuspend, kSuspended), std::nullopt);
}

TEST(RegistrationTransitions, RecipientsSeeTheV2Vocabulary) {
  EXPECT_EQ(V2Status(std::nullopt), "Available");
  EXPECT_EQ(V2Status(RegistrationStatus::kPendingApproval), "PendingActivation");
  EXPECT_EQ(V2Status(RegistrationStatus::kPendingActivation), "PendingActivation");
  EXPECT_EQ(V2Status(RegistrationStatus::kActive), "Activated");
  EXPECT_EQ(V2Status(RegistrationStatus::kSuspended), "Suspended");
}

}  // namespace
}  // namespace obauth::admin
