// The partner's Data Recipients (reference §6): list, create, read, update, retire, rotate the
// secret and end a previous secret's grace period. Every route needs a partner's token (the
// route table checks it); creating calls honour Idempotency-Key (admin::Idempotency).
#include <boost/beast/http/field.hpp>

#include "http/handlers.hpp"
#include "http/json_codec.hpp"
#include "http/paging.hpp"

namespace obauth::http {
namespace {

std::string PartnerNote(const admin::Caller& caller) { return "partner " + caller.partner_id; }

// Runs a creating call under the request's Idempotency-Key, if any (admin::Idempotency says
// what happens), and answers its result or a replay of the first answer.
template <class T, class Run, class Encode>
Routed Idempotent(const Services& services, const Call& call, const admin::Caller& caller,
                  Run&& run, Encode&& encode) {
  const Request& req = call.request;
  const auto header = req.find("Idempotency-Key");
  const std::string_view target = req.target();
  admin::IdempotentRequest request{std::nullopt, req.method_string(),
                                   target.substr(0, target.find('?')), req.body()};
  if (header != req.end()) request.key = header->value();
  auto answer = services.idempotency.Answer<T>(caller, request, std::forward<Run>(run),
                                               std::forward<Encode>(encode));
  if (!answer) return AdminError(answer.error(), call.route);
  Routed r{JsonResponse(static_cast<boost::beast::http::status>(answer->status),
                        std::move(answer->body)),
           call.route, PartnerNote(caller) + (answer->replayed ? " replay" : "")};
  if (answer->replayed) r.response.set("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

Routed ListRecipients(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  auto query = ReadListQuery(QueryString(call.request), admin::kMaxPageSize);
  if (!query) return AdminError(query.error(), call.route);
  return ListAnswer(call.route, call.request.target(), *query, PartnerNote(caller),
                    [&recipients = services.recipients,
                     caller](const store::PageRequest& request) -> Result<EncodedPage> {
                      OBAUTH_TRY(page, recipients.List(caller, request));
                      return EncodePage(page, AppendRecipientItem);
                    });
}

Routed CreateRecipient(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  if (auto r = RequireJsonBody(call.request); !r) return AdminError(r.error(), call.route);
  auto input = DecodeRecipientInput(call.request.body(), {true, {}});
  if (!input) return AdminError(input.error(), call.route);
  return Idempotent<admin::CreatedRecipient>(
      services, call, caller,
      [&](const admin::Sealer<admin::CreatedRecipient>& seal) {
        return services.recipients.Create(caller, *input, seal);
      },
      EncodeCreatedRecipient);
}

Routed GetRecipient(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  auto found = services.recipients.Get(caller, call.params[0]);
  if (!found) return AdminError(found.error(), call.route);
  return Ok(call.route, EncodeRecipientDetails(*found), PartnerNote(caller));
}

Routed UpdateRecipient(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  const std::string_view client_id = call.params[0];
  if (auto r = RequireJsonBody(call.request); !r) return AdminError(r.error(), call.route);
  auto input = DecodeRecipientInput(call.request.body(), {false, client_id});
  if (!input) return AdminError(input.error(), call.route);
  auto updated = services.recipients.Update(caller, client_id, *input);
  if (!updated) return AdminError(updated.error(), call.route);
  return Ok(call.route, EncodeRecipientDetails(*updated), PartnerNote(caller));
}

Routed RetireRecipient(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  if (auto r = services.recipients.Retire(caller, call.params[0]); !r) {
    return AdminError(r.error(), call.route);
  }
  return NoContent(call.route, PartnerNote(caller));
}

Routed RotateSecret(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  const std::string& body = call.request.body();
  // The body is optional; when there is one, it is JSON.
  if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
    if (auto r = RequireJsonBody(call.request); !r) return AdminError(r.error(), call.route);
  }
  auto options = DecodeRotateOptions(body, services.rotate_defaults);
  if (!options) return AdminError(options.error(), call.route);
  return Idempotent<admin::IssuedSecret>(
      services, call, caller,
      [&](const admin::Sealer<admin::IssuedSecret>& seal) {
        return services.recipients.RotateSecret(caller, call.params[0], *options, seal);
      },
      EncodeIssuedSecret);
}

Routed RevokePreviousSecret(const Services& services, const Call& call) {
  const auto caller = PartnerCaller(call);
  if (auto r = services.recipients.RevokePreviousSecret(caller, call.params[0]); !r) {
    return AdminError(r.error(), call.route);
  }
  return NoContent(call.route, PartnerNote(caller));
}

}  // namespace obauth::http
