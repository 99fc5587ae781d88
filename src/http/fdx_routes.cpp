// The customer's data (reference §10): GET /api/fdx/5/..., answered by fdx::DataService for the
// connection of the request's token (the route table admits only a connection's token). Errors
// are §9.2's {"code","message","debugMessage"}; the router adds ob-correlation-id and ob-trace-id.
#include <boost/beast/http/field.hpp>

#include "http/handlers.hpp"
#include "http/paging.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

Routed Serve(const Services& services, const Call& call, fdx::Resource resource) {
  if (services.fdx == nullptr) return NotFound();
  auto params = ReadQueryParameters(QueryString(call.request), fdx::ParametersOf(resource));
  if (!params) return FdxError(params.error(), call.route);
  std::string_view issuer = services.tokens.access_tokens().issuer();
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  const std::string base_url = std::string(issuer) + "/api/fdx/5";
  const auto accept = call.request.find(bh::field::accept);
  const fdx::DataRequest request{
      .resource = resource,
      .connection_id = call.principal->claims.connection_id,
      .scope = call.principal->claims.scope,
      .account_id = call.params[0],
      .statement_id = call.params[1],
      .params = std::move(*params),
      .accept =
          accept == call.request.end() ? std::string_view() : std::string_view(accept->value()),
      .base_url = base_url,
  };
  auto answer = services.fdx->Handle(request);
  if (!answer) return FdxError(answer.error(), call.route);
  Response res{bh::status::ok, 11};
  res.set(bh::field::content_type, answer->content_type);
  res.set(bh::field::cache_control, "no-store");
  if (!answer->filename.empty()) {
    res.set(bh::field::content_disposition, "attachment; filename=\"" + answer->filename + '"');
  }
  res.body() = std::move(answer->body);
  return {std::move(res), call.route, {}};
}

}  // namespace

Routed GetFdxCustomer(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kCustomer);
}
Routed ListFdxAccounts(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kAccounts);
}
Routed GetFdxAccount(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kAccount);
}
Routed ListFdxTransactions(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kTransactions);
}
Routed ListFdxPaymentNetworks(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kPaymentNetworks);
}
Routed ListFdxStatements(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kStatements);
}
Routed GetFdxStatement(const Services& services, const Call& call) {
  return Serve(services, call, fdx::Resource::kStatement);
}

}  // namespace obauth::http
