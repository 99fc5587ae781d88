#include "admin/registration_service.hpp"

#include <algorithm>
#include <charconv>

#include "admin/recipient_input.hpp"

namespace obauth::admin {
namespace {

using store::RegistrationStatus;

Error ProviderNotFound() { return MakeError(ErrorCode::kNotFound, "Data Provider not found"); }

std::optional<std::int64_t> ParseProviderId(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0 || text.front() == '0') {
    return std::nullopt;
  }
  return id;
}

// The comma-separated items of `list`, each once, in order of first appearance.
Result<std::vector<std::string>> SplitIds(std::string_view list, std::string_view what) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string item(list.substr(start, comma - start));
    if (item.empty()) {
      return MakeError(ErrorCode::kValidation,
                       "Invalid " + std::string(what) + ": give comma-separated ids, none empty");
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    start = comma + 1;
  }
  if (out.size() > kMaxIdsPerRegistrationRequest) {
    return MakeError(ErrorCode::kValidation, "Invalid " + std::string(what) + ": at most " +
                                                 std::to_string(kMaxIdsPerRegistrationRequest) +
                                                 " ids");
  }
  return out;
}

std::string_view ActionName(RegistrationAction action) {
  switch (action) {
    case RegistrationAction::kApprove:
      return "approve";
    case RegistrationAction::kActivate:
      return "activate";
    case RegistrationAction::kSuspend:
      return "suspend";
  }
  return "?";
}

std::string AuditAction(RegistrationAction action) {
  switch (action) {
    case RegistrationAction::kApprove:
      return "registration.approved";
    case RegistrationAction::kActivate:
      return "registration.activated";
    case RegistrationAction::kSuspend:
      return "registration.suspended";
  }
  return "registration.changed";
}

}  // namespace

std::optional<RegistrationStatus> Transition(RegistrationAction action, RegistrationStatus from) {
  switch (action) {
    case RegistrationAction::kApprove:
      if (from == RegistrationStatus::kPendingApproval)
        return RegistrationStatus::kPendingActivation;
      return std::nullopt;
    case RegistrationAction::kActivate:
      if (from == RegistrationStatus::kPendingActivation ||
          from == RegistrationStatus::kSuspended) {
        return RegistrationStatus::kActive;
      }
      return std::nullopt;
    case RegistrationAction::kSuspend:
      if (from == RegistrationStatus::kSuspended) return std::nullopt;
      return RegistrationStatus::kSuspended;
  }
  return std::nullopt;
}

std::string_view V2Status(std::optional<RegistrationStatus> status) {
  if (!status) return "Available";
  switch (*status) {
    case RegistrationStatus::kPendingApproval:
    case RegistrationStatus::kPendingActivation:
      return "PendingActivation";
    case RegistrationStatus::kActive:
      return "Activated";
    case RegistrationStatus::kSuspended:
      return "Suspended";
  }
  return "Available";
}

Result<std::vector<store::Provider>> RegistrationService::ListProviders() const {
  return store_.ListProviders();
}

Result<store::Provider> RegistrationService::GetProvider(std::string_view provider_id) const {
  const auto id = ParseProviderId(provider_id);
  if (!id) return ProviderNotFound();
  return store_.GetProvider(*id);
}

Result<std::vector<store::Provider>> RegistrationService::ActiveProviders(
    std::string_view client_id) const {
  OBAUTH_TRY(all, store_.ListProvidersForRecipient(client_id));
  std::vector<store::Provider> out;
  for (auto& p : all) {
    if (p.status == RegistrationStatus::kActive) out.push_back(std::move(p.provider));
  }
  return out;
}

Result<std::vector<store::ProviderForRecipient>> RegistrationService::ProvidersForRecipient(
    std::string_view client_id, const ProviderFilter& filter) const {
  OBAUTH_TRY(all, store_.ListProvidersForRecipient(client_id));
  std::vector<store::ProviderForRecipient> out;
  for (auto& p : all) {
    const bool activated = p.status == RegistrationStatus::kActive;
    if (filter.enabled && *filter.enabled != activated) continue;
    if (!filter.countries.empty() && std::find(filter.countries.begin(), filter.countries.end(),
                                               p.provider.country) == filter.countries.end()) {
      continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<store::Registration>> RegistrationService::Request(
    const Caller& caller, std::string_view recipient_ids, std::string_view provider_ids) const {
  OBAUTH_TRY(clients, SplitIds(recipient_ids, "recipient_ids"));
  OBAUTH_TRY(provider_texts, SplitIds(provider_ids, "provider_ids"));
  std::vector<std::int64_t> providers;
  for (const auto& text : provider_texts) {
    const auto id = ParseProviderId(text);
    if (!id) {
      return MakeError(ErrorCode::kValidation, "Invalid provider_ids: '" + text +
                                                   "' is not a provider id (a positive "
                                                   "integer)");
    }
    if (std::find(providers.begin(), providers.end(), *id) == providers.end()) {
      providers.push_back(*id);
    }
  }
  const store::AuditEvent audit{
      0,  clock_.NowSeconds(), caller.partner_id, caller.actor, "registration.requested",
      "", caller.request_id,   caller.source,     "{}"};
  return store_.RequestRegistrations(caller.partner_id, clients, providers, clock_.NowSeconds(),
                                     audit);
}

Result<store::Page<store::Registration>> RegistrationService::List(
    const Caller& caller, std::optional<std::string_view> client_id,
    const store::PageRequest& page) const {
  if (client_id && !IsRecipientId(*client_id)) {
    return MakeError(ErrorCode::kNotFound, "Data Recipient not found");
  }
  if (auto checked = CheckPageRequest(page); !checked) return checked.error();
  return store_.ListRegistrations(caller.partner_id, client_id, page);
}

Result<store::Registration> RegistrationService::Apply(RegistrationAction action,
                                                       std::string_view client_id,
                                                       std::int64_t provider_id,
                                                       const Caller& operator_caller) const {
  // What is missing is named: the recipient, the provider, or the request for the pair.
  auto client = clients_.FindClient(client_id);
  if (!client && client.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound, "no Data Recipient " + std::string(client_id));
  }
  if (!client) return client.error();
  if (client->retired) {
    return MakeError(ErrorCode::kNotFound,
                     "the Data Recipient " + std::string(client_id) + " has been deleted");
  }
  const std::string pair =
      std::string(client_id) + " with the Data Provider " + std::to_string(provider_id);
  auto current = store_.GetRegistration(client_id, provider_id);
  if (!current && current.error().code == ErrorCode::kNotFound) {
    if (auto provider = store_.GetProvider(provider_id);
        !provider && provider.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound,
                       "no Data Provider " + std::to_string(provider_id) + " in the catalogue");
    }
    return MakeError(ErrorCode::kNotFound,
                     "the registration of " + pair +
                         " was never requested: the partner requests it first (POST "
                         "/api/v1/recipients/providers/requests/" +
                         std::string(client_id) + "/" + std::to_string(provider_id) + ")");
  }
  if (!current) return current.error();
  const auto to = Transition(action, current->status);
  if (!to) {
    return MakeError(ErrorCode::kConflict,
                     "cannot " + std::string(ActionName(action)) + " a registration that is " +
                         std::string(store::StatusName(current->status)) +
                         " (approve: PENDING_APPROVAL; activate: PENDING_ACTIVATION or "
                         "SUSPENDED; suspend: any other status)");
  }
  const std::string options = R"({"provider_id":)" + std::to_string(provider_id) + R"(,"from":")" +
                              std::string(store::StatusName(current->status)) + R"(","to":")" +
                              std::string(store::StatusName(*to)) + R"("})";
  const store::AuditEvent audit{0,
                                clock_.NowSeconds(),
                                client->partner_id,
                                operator_caller.actor,
                                AuditAction(action),
                                std::string(client_id),
                                operator_caller.request_id,
                                operator_caller.source,
                                options};
  return store_.TransitionRegistration(client_id, provider_id, current->status, *to,
                                       clock_.NowSeconds(), audit);
}

}  // namespace obauth::admin
