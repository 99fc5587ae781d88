#include "e2e/tls_proxy.hpp"

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "e2e/obauth_test.hpp"
#include "testing/process.hpp"

namespace obauth::e2e {

TlsProxy::TlsProxy(std::filesystem::path dir, const std::string& upstream) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  trusted_ = (dir_ / "trusted.pem").string();
  std::ofstream trusted(trusted_);
  for (const std::string name : {"localhost", "other.example"}) {
    const CommandResult made = obauth::testing::RunCommand(
        {OBAUTH_OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
         "-keyout", (dir_ / (name + ".key")).string(), "-out", (dir_ / (name + ".pem")).string()});
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.err);
    std::ifstream in(dir_ / (name + ".pem"));
    trusted << in.rdbuf();
  }
  trusted.close();
  // A port free a moment ago may be taken before nginx binds it: a few attempts.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    const std::string d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << "worker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d
        << "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << d << "/client_body;\n  proxy_temp_path " << d
        << "/proxy;\n  fastcgi_temp_path " << d << "/fastcgi;\n  uwsgi_temp_path " << d
        << "/uwsgi;\n  scgi_temp_path " << d << "/scgi;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << " ssl default_server;\n"
        << "    ssl_certificate " << d << "/other.example.pem;\n"
        << "    ssl_certificate_key " << d << "/other.example.key;\n    return 421;\n  }\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << " ssl;\n"
        << "    server_name localhost;\n"
        << "    ssl_certificate " << d << "/localhost.pem;\n"
        << "    ssl_certificate_key " << d << "/localhost.key;\n"
        << "    location / { proxy_pass " << upstream << "; }\n"
        << "  }\n}\n";
    const CommandResult started =
        obauth::testing::RunCommand({OBAUTH_NGINX, "-c", (dir_ / "nginx.conf").string()});
    if (started.exit_code == 0) return;
    std::cerr << "nginx: " << started.err << std::endl;
  }
  throw std::runtime_error("nginx did not start");
}

TlsProxy::~TlsProxy() {
  obauth::testing::RunCommand({OBAUTH_NGINX, "-c", (dir_ / "nginx.conf").string(), "-s", "quit"});
}

}  // namespace obauth::e2e
