"""The customer's pages in a real browser: headless Chromium driven by Selenium (Debian's
chromium, chromium-driver and python3-selenium) signs in at the sandbox institution, consents
in English and in French, denies, and revokes a connection on the connected-apps page, against
the real obauth binary; then goes from a hub's authorize URL through another obauth instance's
pages (the hub's fdx connector, docs/fdx.md) and back. The recipient's redirect URI is a small
HTTP server of this test on 127.0.0.1, which records where the browser was sent back to.

Usage: python3 consent_browser_test.py PATH_TO_OBAUTH PATH_TO_PROVIDERS_JSON
"""

import base64
import hashlib
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

import requests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

OBAUTH = sys.argv.pop(1) if len(sys.argv) > 1 else "obauth"
CATALOGUE = sys.argv.pop(1) if len(sys.argv) > 1 else "examples/providers.json"
SANDBOX = 9000
VERIFIER = "dBjftJeZ4CVP-mJ0kXYZaKWk0djX8L8Ox3sT5u-kZ2g"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Callback(http.server.BaseHTTPRequestHandler):
    """The recipient's redirect URI: remembers each query it receives."""
    received = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/callback":
            self.send_response(404)
            self.end_headers()
            return
        Callback.received.append(url.query)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html><title>Back at the app</title><p id=back>back</p>")

    def log_message(self, *args):
        pass


def run(*args, stdin=None):
    return subprocess.run([OBAUTH, *args], check=True, capture_output=True, text=True, timeout=60,
                          input=stdin)


def start_server(db, log, *args):
    """`obauth serve` on `db` at a free port; the process and its base URL."""
    server = subprocess.Popen([OBAUTH, "serve", "--listen", "127.0.0.1:0", "--db", db, *args],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    first = server.stdout.readline().strip()
    assert first.startswith("listening on http://"), first
    return server, first[len("listening on "):]


def stop_server(server):
    server.terminate()
    code = server.wait(timeout=20)
    assert code == 0, f"obauth exited {code}"


def admin_headers(base, partner):
    admin = requests.post(base + "/api/v1/token", timeout=10,
                          auth=(partner["client_id"], partner["client_secret"]),
                          data={"grant_type": "client_credentials", "scope": "client:admin"})
    admin.raise_for_status()
    return {"Authorization": "Bearer " + admin.json()["access_token"]}


def registered_recipient(base, db, headers, body, provider):
    """A recipient made from `body`, registered ACTIVE with `provider`."""
    created = requests.post(base + "/api/v1/recipients", headers=headers, timeout=10, json=body)
    created.raise_for_status()
    recipient = created.json()
    requests.post(f"{base}/api/v1/recipients/providers/requests/{recipient['client_id']}/{provider}",
                  headers=headers, timeout=10).raise_for_status()
    for action in ("approve", "activate"):
        run("registrations", action, "--db", db, recipient["client_id"], str(provider))
    return recipient


def headless_chromium(directory):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--user-data-dir=" + directory):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_page_load_timeout(30)
    browser.implicitly_wait(10)
    return browser


class ConsentInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="obauth-browser-")
        db = cls.dir.name + "/obauth.db"
        run("providers", "import", "--create", "--db", db, CATALOGUE)
        partner = json.loads(run("partner", "create", "--db", db, "--name", "Browser Partner").stdout)
        cls.callback = http.server.HTTPServer(("127.0.0.1", 0), Callback)
        threading.Thread(target=cls.callback.serve_forever, daemon=True).start()
        cls.redirect_uri = f"http://127.0.0.1:{cls.callback.server_port}/callback"
        cls.log = open(cls.dir.name + "/server.log", "w")
        cls.server, cls.base = start_server(db, cls.log)
        cls.recipient = registered_recipient(
            cls.base, db, admin_headers(cls.base, partner),
            {"name": "<b>Budget</b> Buddy", "redirect_uris": [cls.redirect_uri],
             "scope": "ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS STATEMENTS"}, SANDBOX)
        cls.browser = headless_chromium(cls.dir.name + "/chrome")

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        stop_server(cls.server)
        cls.callback.shutdown()
        cls.log.close()
        cls.dir.cleanup()

    def authorize_url(self, lang="en", state="xyz"):
        return self.base + "/api/v1/authorize?" + urllib.parse.urlencode({
            "client_id": self.recipient["client_id"], "redirect_uri": self.redirect_uri,
            "state": state, "response_type": "code", "provider_id": SANDBOX, "lang": lang,
            "scope": "ACCOUNT_BASIC TRANSACTIONS", "code_challenge": CHALLENGE,
            "code_challenge_method": "S256"})

    def submit(self, button):
        """Clicks a form's button and waits for the next page: the button's node leaves the
        document. Chromium may report a node caught while leaving as "does not belong to the
        document" instead of a stale element: that is the same answer."""
        button.click()

        def gone(_):
            try:
                return expected_conditions.staleness_of(button)(None)
            except WebDriverException as e:
                if "does not belong to the document" in str(e):
                    return True
                raise

        WebDriverWait(self.browser, 10).until(gone)

    def sign_in(self, username="alice", password="sandbox"):
        self.browser.find_element(By.NAME, "username").send_keys(username)
        self.browser.find_element(By.NAME, "password").send_keys(password)
        self.submit(self.browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def back_at_the_app(self):
        try:
            self.browser.find_element(By.ID, "back")  # the callback page has loaded
        except Exception:
            raise AssertionError(f"not back at the app: {self.browser.current_url}\n"
                                 f"{self.browser.page_source[:2000]}")
        return dict(urllib.parse.parse_qsl(Callback.received[-1]))

    def exchange(self, code):
        return requests.post(self.base + "/api/v1/token", timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
            "code_verifier": VERIFIER}, auth=(self.recipient["client_id"],
                                               self.recipient["client_secret"]))

    def test_a_customer_signs_in_and_approves_in_english(self):
        self.browser.get(self.authorize_url(state="english"))
        body = self.browser.find_element(By.TAG_NAME, "body").text
        self.assertIn("<b>Budget</b> Buddy", body)  # the name is text, not markup
        self.assertEqual(self.browser.find_elements(By.TAG_NAME, "b"), [])
        self.sign_in("alice", "not-the-password")
        self.assertIn("The username or password is incorrect.",
                      self.browser.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.browser.find_element(By.NAME, "password").send_keys("sandbox")
        self.submit(self.browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        page = self.browser.find_element(By.TAG_NAME, "body").text
        self.assertIn("Your transactions", page)
        boxes = self.browser.find_elements(By.CSS_SELECTOR, "input[name=account]")
        self.assertEqual(len(boxes), 4)
        boxes[-1].click()  # share three of the four
        self.submit(self.browser.find_element(By.CSS_SELECTOR, "button[value=approve]"))
        query = self.back_at_the_app()
        self.assertEqual(query["state"], "english")
        self.assertEqual(query["iss"], self.base)
        token = self.exchange(query["code"])
        self.assertEqual(token.status_code, 200, token.text)
        self.assertIn("refresh_token", token.json())

    def test_a_customer_consents_in_french(self):
        self.browser.get(self.authorize_url(lang="fr", state="french"))
        self.assertEqual(self.browser.find_element(By.TAG_NAME, "html").get_attribute("lang"), "fr")
        self.sign_in("bob")
        self.assertIn("Vos transactions", self.browser.find_element(By.TAG_NAME, "body").text)
        approve = self.browser.find_element(By.CSS_SELECTOR, "button[value=approve]")
        self.assertEqual(approve.text, "Accepter")
        self.submit(approve)
        query = self.back_at_the_app()
        self.assertEqual(query["state"], "french")
        self.assertIn("code", query)

    def test_a_customer_denies(self):
        self.browser.get(self.authorize_url(state="deny"))
        self.sign_in("carol")
        self.submit(self.browser.find_element(By.CSS_SELECTOR, "button[value=deny]"))
        query = self.back_at_the_app()
        self.assertEqual(query["error"], "access_denied")
        self.assertEqual(query["error_description"], "The user denied the access")
        self.assertEqual(query["state"], "deny")
        self.assertNotIn("code", query)

    def test_the_customer_revokes_a_connection_on_the_connected_apps_page(self):
        self.browser.get(self.authorize_url(state="apps"))
        self.sign_in("carol")
        self.submit(self.browser.find_element(By.CSS_SELECTOR, "button[value=approve]"))
        token = self.exchange(self.back_at_the_app()["code"]).json()
        self.browser.get(f"{self.base}/sandbox/{SANDBOX}/apps")
        self.sign_in("carol")
        sections = self.browser.find_elements(By.CSS_SELECTOR, "section.connection")
        self.assertEqual(len(sections), 1)
        self.assertIn("<b>Budget</b> Buddy", sections[0].text)
        self.submit(sections[0].find_element(By.CSS_SELECTOR, "button[name=revoke]"))
        self.browser.implicitly_wait(0)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "section.connection"), [])
        self.browser.implicitly_wait(10)
        self.assertIn("No application is connected.", self.browser.find_element(By.TAG_NAME, "body").text)
        refreshed = requests.post(self.base + "/api/v1/token", timeout=10, data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            auth=(self.recipient["client_id"], self.recipient["client_secret"]))
        self.assertEqual(refreshed.status_code, 400)
        self.assertEqual(refreshed.json()["error"], "invalid_grant")


class ConsentThroughAHub(unittest.TestCase):
    """Two obauth instances: A with its sandbox institution, and the hub, whose provider 7000 is
    A behind an fdx connector (the hub is a Data Recipient at A). The customer starts at the
    hub's authorize URL, signs in and consents on A's pages, and comes back to the app with the
    hub's code; the app reads the customer's accounts through the hub."""
    HUB_PROVIDER = 7000

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="obauth-hub-browser-")
        a_db, hub_db = cls.dir.name + "/a.db", cls.dir.name + "/hub.db"
        cls.log = open(cls.dir.name + "/servers.log", "w")
        run("providers", "import", "--create", "--db", a_db, CATALOGUE)
        a_partner = json.loads(run("partner", "create", "--db", a_db, "--name", "A").stdout)
        cls.a, cls.a_base = start_server(a_db, cls.log)
        catalogue = cls.dir.name + "/hub-catalogue.json"
        with open(catalogue, "w") as f:
            json.dump([{"provider_id": cls.HUB_PROVIDER, "name": "Bank A", "country": "CA",
                        "scopes": ["ACCOUNT_BASIC", "TRANSACTIONS"], "data_inventory": {},
                        "availableAccountTypes": {"depositAccounts": "true"},
                        "connector": {"type": "fdx", "issuer": cls.a_base,
                                      "fdx_base_url": cls.a_base + "/api/fdx/5",
                                      "authorize_params": {"provider_id": str(SANDBOX)}}}], f)
        run("providers", "import", "--create", "--db", hub_db, catalogue)
        hub_partner = json.loads(run("partner", "create", "--db", hub_db, "--name", "Hub").stdout)
        cls.hub, cls.hub_base = start_server(hub_db, cls.log)
        at_a = registered_recipient(
            cls.a_base, a_db, admin_headers(cls.a_base, a_partner),
            {"name": "The Hub", "redirect_uris": [cls.hub_base + "/api/v1/authorize/callback"],
             "scope": "ACCOUNT_BASIC TRANSACTIONS"}, SANDBOX)
        run("providers", "connect", "--db", hub_db, str(cls.HUB_PROVIDER),
            "--client-id", at_a["client_id"], stdin=at_a["client_secret"] + "\n")
        cls.callback = http.server.HTTPServer(("127.0.0.1", 0), Callback)
        threading.Thread(target=cls.callback.serve_forever, daemon=True).start()
        cls.redirect_uri = f"http://127.0.0.1:{cls.callback.server_port}/callback"
        cls.app = registered_recipient(
            cls.hub_base, hub_db, admin_headers(cls.hub_base, hub_partner),
            {"name": "App", "redirect_uris": [cls.redirect_uri],
             "scope": "ACCOUNT_BASIC TRANSACTIONS"}, cls.HUB_PROVIDER)
        cls.browser = headless_chromium(cls.dir.name + "/chrome")

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        stop_server(cls.hub)
        stop_server(cls.a)
        cls.callback.shutdown()
        cls.log.close()
        cls.dir.cleanup()

    def test_the_customer_consents_at_the_provider_and_the_app_reads_through_the_hub(self):
        self.browser.get(self.hub_base + "/api/v1/authorize?" + urllib.parse.urlencode({
            "client_id": self.app["client_id"], "redirect_uri": self.redirect_uri,
            "state": "via-hub", "response_type": "code", "provider_id": self.HUB_PROVIDER,
            "scope": "ACCOUNT_BASIC TRANSACTIONS", "code_challenge": CHALLENGE,
            "code_challenge_method": "S256"}))
        self.assertTrue(self.browser.current_url.startswith(self.a_base + "/api/v1/authorize?"),
                        self.browser.current_url)
        self.assertIn("The Hub", self.browser.find_element(By.TAG_NAME, "body").text)
        self.browser.find_element(By.NAME, "username").send_keys("alice")
        self.browser.find_element(By.NAME, "password").send_keys("sandbox")
        self.browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        boxes = self.browser.find_elements(By.CSS_SELECTOR, "input[name=account]")
        self.assertEqual(len(boxes), 4)
        shared = boxes[0].get_attribute("value")
        for box in boxes[1:]:
            box.click()  # share only the first
        self.browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        try:
            self.browser.find_element(By.ID, "back")
        except Exception:
            raise AssertionError(f"not back at the app: {self.browser.current_url}\n"
                                 f"{self.browser.page_source[:2000]}")
        query = dict(urllib.parse.parse_qsl(Callback.received[-1]))
        self.assertEqual(query["state"], "via-hub")
        self.assertEqual(query["iss"], self.hub_base)
        token = requests.post(self.hub_base + "/api/v1/token", timeout=10, data={
            "grant_type": "authorization_code", "code": query["code"],
            "redirect_uri": self.redirect_uri, "code_verifier": VERIFIER},
            auth=(self.app["client_id"], self.app["client_secret"]))
        self.assertEqual(token.status_code, 200, token.text)
        accounts = requests.get(self.hub_base + "/api/fdx/5/accounts", timeout=10, headers={
            "Authorization": "Bearer " + token.json()["access_token"]})
        self.assertEqual(accounts.status_code, 200, accounts.text)
        ids = [next(iter(item.values()))["accountId"] for item in accounts.json()["accounts"]]
        self.assertEqual(ids, [shared])


if __name__ == "__main__":
    unittest.main()
