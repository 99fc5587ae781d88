#!/usr/bin/python3
# What a connection costs the server (issue 18, docs/security.md "HTTP"): the growth of obauth's
# RSS per connection, for keep-alive connections idle after reading an answer and for clients
# that never read, each kind measured on a freshly started server after a short warm-up.
# Usage: bench/connection_memory.py [BINARY [RECIPIENTS]]   (default build/obauth 2000)
import json, os, socket, subprocess, sys, tempfile, time, base64, urllib.request, concurrent.futures as cf
BIN = sys.argv[1] if len(sys.argv) > 1 else "build/obauth"; PORT = 18090
D = tempfile.mkdtemp(prefix="obauth-connmem-")
p = json.loads(subprocess.check_output([BIN, "partner", "create", "--create", "--name", "P", "--db", D + "/o.db"]))
srv = subprocess.Popen([BIN, "serve", "--db", D + "/o.db", "--listen", f"127.0.0.1:{PORT}", "--log-level", "warn", "--max-auth-failures-per-address", "1000000", "--max-auth-failures", "1000000"])
time.sleep(1)
def req(method, path, body=None, headers={}):
    r = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=body, method=method, headers=headers)
    with urllib.request.urlopen(r) as f: return f.read()
basic = base64.b64encode(f"{p['client_id']}:{p['client_secret']}".encode()).decode()
tok = json.loads(req("POST", "/api/v1/token", b"grant_type=client_credentials&scope=client:admin",
    {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}))["access_token"]
auth = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
def create(i):
    req("POST", "/api/v1/recipients", json.dumps({"name": f"Recipient {i}", "scope": "ACCOUNT_BASIC", "redirect_uris": [f"https://r{i}.example/cb"]}).encode(), auth)
with cf.ThreadPoolExecutor(8) as ex: list(ex.map(create, range(int(sys.argv[2]) if len(sys.argv) > 2 else 2000)))
def rss():
    for line in open(f"/proc/{srv.pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
def head_and_body(s):
    data = b""
    while b"\r\n\r\n" not in data: data += s.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(rest) < n: rest += s.recv(65536)
def restart():
    global srv
    srv.terminate(); srv.wait()
    srv = subprocess.Popen([BIN, "serve", "--db", D + "/o.db", "--listen", f"127.0.0.1:{PORT}", "--log-level", "warn", "--threads", "2"])
    time.sleep(1)
def idle(name, raw, n=300):
    restart()
    for _ in range(3):  # warm-up: one connection, closed
        s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(raw); head_and_body(s); s.close()
    time.sleep(0.3)
    socks = []
    before = rss()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(raw); head_and_body(s); socks.append(s)
    time.sleep(0.5)
    after = rss()
    for s in socks: s.close()
    print(f"idle keep-alive after {name}: {(after - before) / n:.1f} KiB per connection")
tok = json.loads(req("POST", "/api/v1/token", b"grant_type=client_credentials&scope=client:admin",
    {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}))["access_token"]
t = f"Authorization: Bearer {tok}\r\n"
idle("GET /openapi.yaml", b"GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n")
idle("GET /api/v1/recipients?limit=1000", f"GET /api/v1/recipients?limit=1000 HTTP/1.1\r\nHost: x\r\n{t}\r\n".encode())
idle("POST /api/v1/token (401)", b"POST /api/v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 55\r\n\r\ngrant_type=client_credentials&client_id=a&client_secret")
def slow(name, raw, n=60):
    restart()
    s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(raw.replace(b"HTTP/1.1", b"HTTP/1.0")); s.recv(100); s.close()
    time.sleep(0.3)
    before = rss(); socks = []
    for _ in range(n):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", PORT)); s.sendall(raw); socks.append(s)
    time.sleep(2)
    print(f"never-read {name}: {(rss() - before) / n:.1f} KiB per connection ({n} connections)")
    for s in socks: s.close()
    time.sleep(0.5)
slow("GET /openapi.yaml", b"GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n")
slow("GET /api/v1/recipients (whole list)", f"GET /api/v1/recipients HTTP/1.1\r\nHost: x\r\n{t}\r\n".encode())
print(f"list size: {len(req('GET', '/api/v1/recipients', None, {'Authorization': 'Bearer ' + tok}))} bytes")
srv.terminate(); srv.wait()
subprocess.run(["rm", "-rf", D])
