"""A real OAuth client against the real server: Authlib (Debian's python3-authlib) discovers
obauth from its RFC 8414 metadata, obtains tokens with client_secret_basic and
client_secret_post, verifies them against the published JWKS, calls the admin API, introspects
and revokes (RFC 7009). Nothing here knows obauth's internals: only its command line to start
it and create a partner.

Usage: python3 authlib_client_test.py PATH_TO_OBAUTH
"""

import json
import subprocess
import sys
import tempfile
import unittest

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

OBAUTH = sys.argv.pop(1) if len(sys.argv) > 1 else "obauth"


class AuthlibClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="obauth-authlib-")
        db = cls.dir.name + "/obauth.db"
        created = subprocess.run(
            [OBAUTH, "partner", "create", "--create", "--db", db, "--name", "Authlib Partner"],
            check=True, capture_output=True, text=True, timeout=30)
        partner = json.loads(created.stdout)
        cls.client_id, cls.client_secret = partner["client_id"], partner["client_secret"]
        cls.log = open(cls.dir.name + "/server.log", "w")
        cls.server = subprocess.Popen(
            [OBAUTH, "serve", "--listen", "127.0.0.1:0", "--db", db],
            stdout=subprocess.PIPE, stderr=cls.log, text=True)
        first = cls.server.stdout.readline().strip()
        assert first.startswith("listening on http://"), first
        cls.base = first[len("listening on "):]
        cls.metadata = requests.get(
            cls.base + "/.well-known/oauth-authorization-server", timeout=10).json()

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        code = cls.server.wait(timeout=20)
        cls.log.close()
        cls.dir.cleanup()
        assert code == 0, f"obauth exited {code}"

    def session(self, method):
        client = OAuth2Session(self.client_id, self.client_secret, scope="client:admin",
                               token_endpoint_auth_method=method)
        self.addCleanup(client.close)
        return client

    def fetch(self, method):
        client = self.session(method)
        token = client.fetch_token(self.metadata["token_endpoint"],
                                   grant_type="client_credentials")
        return client, token

    def verify(self, access_token):
        jwks = requests.get(self.metadata["jwks_uri"], timeout=10).json()
        claims = jwt.decode(access_token, JsonWebKey.import_key_set(jwks))
        claims.validate()
        return claims

    def test_metadata_names_the_issuer_and_its_endpoints(self):
        self.assertEqual(self.metadata["issuer"], self.base)
        self.assertEqual(self.metadata["token_endpoint"], self.base + "/api/v1/token")
        self.assertIn("client_credentials", self.metadata["grant_types_supported"])
        self.assertIn("client_secret_basic",
                      self.metadata["token_endpoint_auth_methods_supported"])
        self.assertIn("client_secret_post",
                      self.metadata["token_endpoint_auth_methods_supported"])
        self.assertIn("client:admin", self.metadata["scopes_supported"])

    def test_client_secret_basic_token_verifies_against_the_jwks(self):
        client, token = self.fetch("client_secret_basic")
        self.assertEqual(token["token_type"].lower(), "bearer")
        claims = self.verify(token["access_token"])
        self.assertEqual(claims["iss"], self.metadata["issuer"])
        self.assertEqual(claims["client_id"], self.client_id)
        self.assertEqual(claims["scope"], "client:admin")
        self.assertEqual(client.get(self.base + "/api/v1/recipients", timeout=10).status_code, 200)

    def test_client_secret_post_token_verifies_against_the_jwks(self):
        client, token = self.fetch("client_secret_post")
        self.assertEqual(self.verify(token["access_token"])["sub"], self.client_id)
        self.assertEqual(client.get(self.base + "/api/v1/recipients", timeout=10).status_code, 200)

    def test_a_tampered_token_does_not_verify(self):
        _, token = self.fetch("client_secret_basic")
        header, payload, signature = token["access_token"].split(".")
        tampered = ".".join([header, payload[:-2] + ("A" if payload[-2] != "A" else "B") +
                             payload[-1], signature])
        with self.assertRaises(Exception):
            self.verify(tampered)

    def test_introspection_and_rfc7009_revocation(self):
        client, token = self.fetch("client_secret_basic")
        access = token["access_token"]
        answer = client.introspect_token(self.metadata["introspection_endpoint"], token=access)
        self.assertEqual(answer.status_code, 200)
        self.assertTrue(answer.json()["active"])
        revoked = client.revoke_token(self.metadata["revocation_endpoint"], token=access,
                                      token_type_hint="access_token")
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual(client.get(self.base + "/api/v1/recipients", timeout=10).status_code, 401)
        after = client.introspect_token(self.metadata["introspection_endpoint"], token=access)
        self.assertFalse(after.json()["active"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
