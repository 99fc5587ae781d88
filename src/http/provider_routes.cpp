// Data Providers and registrations (reference §5.3, §5.4, §7, §8): the catalogue as a partner
// sees it, the providers a recipient may use, and the partner's registration requests.
#include <algorithm>
#include <cctype>

#include "http/handlers.hpp"
#include "http/json_codec.hpp"
#include "http/paging.hpp"

namespace obauth::http {
namespace {

std::string PartnerNote(const Call& call) { return "partner " + call.principal->partner_id; }
std::string ClientNote(const Call& call) { return "client " + call.principal->client_id; }

// The filters of GET /api/v2/providers from the query string: country (CA, US, CA,US) and
// isEnabledForClient (true/false in any case; blank: no filter). kValidation for anything else.
Result<admin::ProviderFilter> ParseProviderFilter(std::string_view query) {
  static constexpr std::string_view kAllowed[] = {"country", "isEnabledForClient"};
  OBAUTH_TRY(params, ReadQueryParameters(query, kAllowed));
  admin::ProviderFilter filter;
  if (auto it = params.find("country"); it != params.end() && !it->second.empty()) {
    std::string_view rest = it->second;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view code = rest.substr(0, comma);
      if (code != "CA" && code != "US") {
        return MakeError(ErrorCode::kValidation, "Invalid country: use CA, US or CA,US");
      }
      if (std::find(filter.countries.begin(), filter.countries.end(), code) ==
          filter.countries.end()) {
        filter.countries.emplace_back(code);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto it = params.find("isEnabledForClient"); it != params.end()) {
    std::string lower;
    for (char c : it->second) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (lower == "true") {
      filter.enabled = true;
    } else if (lower == "false") {
      filter.enabled = false;
    } else if (!lower.empty()) {
      return MakeError(ErrorCode::kValidation, "Invalid isEnabledForClient: use true or false");
    }
  }
  return filter;
}

}  // namespace

Routed ListProviders(const Services& services, const Call& call) {
  if (auto none = ReadQueryParameters(QueryString(call.request), {}); !none) {
    return AdminError(none.error(), call.route);
  }
  // A partner sees the catalogue; a recipient the providers it is ACTIVE with.
  auto listed = call.principal->IsPartner()
                    ? services.registrations.ListProviders()
                    : services.registrations.ActiveProviders(call.principal->client_id);
  if (!listed) return AdminError(listed.error(), call.route);
  return Ok(call.route, EncodeProviderList(*listed), ClientNote(call));
}

Routed ListProvidersV2(const Services& services, const Call& call) {
  auto filter = ParseProviderFilter(QueryString(call.request));
  if (!filter) return AdminError(filter.error(), call.route);
  auto listed = services.registrations.ProvidersForRecipient(call.principal->client_id, *filter);
  if (!listed) return AdminError(listed.error(), call.route);
  return Ok(call.route, EncodeProvidersV2(*listed), ClientNote(call));
}

Routed GetProvider(const Services& services, const Call& call) {
  auto found = services.registrations.GetProvider(call.params[0]);
  if (!found) return AdminError(found.error(), call.route);
  return Ok(call.route, EncodeProviderDetails(*found), PartnerNote(call));
}

Routed RequestRegistrations(const Services& services, const Call& call) {
  auto requested =
      services.registrations.Request(PartnerCaller(call), call.params[0], call.params[1]);
  if (!requested) return AdminError(requested.error(), call.route);
  return Ok(call.route, EncodeRegistrations(*requested), PartnerNote(call));
}

namespace {

// The caller's registrations (only `client_id`'s when given), paged.
Routed RegistrationList(const Services& services, const Call& call,
                        std::optional<std::string> client_id) {
  auto query = ReadListQuery(QueryString(call.request), admin::kMaxPageSize);
  if (!query) return AdminError(query.error(), call.route);
  return ListAnswer(
      call.route, call.request.target(), *query, PartnerNote(call),
      [&registrations = services.registrations, caller = PartnerCaller(call),
       client_id = std::move(client_id)](const store::PageRequest& request) -> Result<EncodedPage> {
        OBAUTH_TRY(page, registrations.List(caller, client_id, request));
        return EncodePage(page, AppendRegistrationItem);
      });
}

}  // namespace

Routed ListRegistrations(const Services& services, const Call& call) {
  return RegistrationList(services, call, std::nullopt);
}

Routed ListRecipientRegistrations(const Services& services, const Call& call) {
  return RegistrationList(services, call, std::string(call.params[0]));
}

}  // namespace obauth::http
