// The customer's data (reference §10): GET /api/fdx/5/..., answered by fdx::DataService for the
// connection of the request's token (the route table admits only a connection's token). Errors
// are §9.2's {"code","message","debugMessage"}; the router adds ob-correlation-id and ob-trace-id.
#include <algorithm>
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
  std::string_view target = call.request.target();
  target.remove_prefix(std::min(target.size(), std::string_view("/api/fdx/5").size()));
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
      .target = target,
  };
  auto answer = services.fdx->Handle(request);
  if (!answer) return FdxError(answer.error(), call.route);
  Response res{static_cast<bh::status>(answer->status), 11};
  res.set(bh::field::content_type, answer->content_type);
  if (!answer->retry_after.empty()) res.set(bh::field::retry_after, answer->retry_after);
  if (answer->status == 401 && !answer->challenge.empty()) {
    res.set(bh::field::www_authenticate, answer->challenge);
  }
  res.set(bh::field::cache_control, "no-store");
  if (!answer->filename.empty()) {
    res.set(bh::field::content_disposition, "attachment; filename=\"" + answer->filename + '"');
  }
  res.body() = std::move(answer->body);
  return {std::move(res), call.route, {}};
}

}  // namespace

template <fdx::Resource R>
Routed ServeFdx(const Services& services, const Call& call) {
  return Serve(services, call, R);
}

// The route table's handlers (router.cpp), one for each resource.
template Routed ServeFdx<fdx::Resource::kCustomer>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kAccounts>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kAccount>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kTransactions>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kPaymentNetworks>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kStatements>(const Services&, const Call&);
template Routed ServeFdx<fdx::Resource::kStatement>(const Services&, const Call&);

}  // namespace obauth::http
