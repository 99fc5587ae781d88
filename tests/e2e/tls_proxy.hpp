// TlsProxy: nginx (Debian's package) terminating TLS on 127.0.0.1 in front of a server the test
// started, with throwaway self-signed certificates made by the openssl command: one for the
// name "localhost" (chosen by SNI) and one for "other.example" (the default server, which a
// client gets without SNI, e.g. when it connects to an address). A client trusts them only when
// SSL_CERT_FILE names trusted_file().
#pragma once

#include <filesystem>
#include <string>

namespace obauth::e2e {

class TlsProxy {
 public:
  // Starts nginx with its files in `dir` (created), proxying to `upstream` ("http://HOST:PORT").
  // Throws std::runtime_error when it cannot.
  TlsProxy(std::filesystem::path dir, const std::string& upstream);
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;

  unsigned short port() const { return port_; }
  // "https://HOST:PORT" for `host` ("localhost", or an address for the default server).
  std::string Url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(port_);
  }
  // Both certificates, PEM: what SSL_CERT_FILE names to trust them.
  const std::string& trusted_file() const { return trusted_; }

 private:
  std::filesystem::path dir_;
  std::string trusted_;
  unsigned short port_ = 0;
};

}  // namespace obauth::e2e
