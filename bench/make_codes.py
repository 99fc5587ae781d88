#!/usr/bin/env python3
"""make_codes.py: writes N authorization codes of one recipient straight into an obauth SQLite
database, for bench/run.sh's code-exchange scenario (a code made through the consent pages costs
three requests and lives 60 s; a benchmark needs tens of thousands at once). Each row is what
AuthorizeService::Approve stores: the code's time-ordered id (11 hex digits of milliseconds, then
11 base64url characters), the keyed hash of the whole code "<id>.<secret>" (HMAC-SHA-256 under
the key derived from the server key file, label "obauth authorization code and refresh token
HMAC key v1"), a consent
of a distinct sandbox customer (so no exchange supersedes another's connection), the redirect
URI, no PKCE, and an expiry an hour away. Prints nothing; the codes go to OUT, one a line.

Usage: make_codes.py DB KEY_FILE CLIENT_ID COUNT REDIRECT_URI OUT
"""
import base64
import hashlib
import hmac
import os
import sqlite3
import sys
import time

db, key_file, client_id, count, redirect_uri, out = sys.argv[1:7]
server_key = bytes.fromhex(open(key_file).read().strip())
grant_key = hmac.new(server_key, b"obauth authorization code and refresh token HMAC key v1",
                     hashlib.sha256).digest()
now = int(time.time())


def b64(n):
    return base64.urlsafe_b64encode(os.urandom(n)).rstrip(b"=").decode()


# Ids in increasing order, one a millisecond, as codes issued one after another get them.
millis = int(time.time() * 1000)
ids = [f"{millis + i:011x}{b64(8)}" for i in range(int(count))]
codes = [f"{code_id}.{b64(32)}" for code_id in ids]
connection = sqlite3.connect(db, timeout=30)
with connection:
    connection.executemany(
        "INSERT INTO authorization_codes (code_id, code_hash, client_id, provider_id, customer_id,"
        " subject, scope, accounts, redirect_uri, code_challenge, created_at, expires_at) "
        "VALUES (?, ?, ?, 9000, ?, ?, 'ACCOUNT_BASIC', 'bench-account', ?, NULL, ?, ?)",
        ((code.split(".")[0], hmac.new(grant_key, code.encode(), hashlib.sha256).digest(), client_id,
          f"bench-{i}-{now}", f"00000000-0000-8000-8000-{i:012d}", redirect_uri, now, now + 3600)
         for i, code in enumerate(codes)))
connection.close()
with open(out, "w") as f:
    f.write("\n".join(codes) + "\n")
