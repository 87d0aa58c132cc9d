"""Web apps that sign in through a popup (Phanpy, Elk) complete the OAuth login, in real Chromium: a page on
another loopback origin opens /oauth/authorize in a popup, the person signs in and approves, the redirect lands
on the opener's origin, and `window.opener.postMessage` hands the code to the opener, which exchanges it for a
token at /oauth/token. A `Cross-Origin-Opener-Policy: same-origin` anywhere on the way would cut the popup off.
"""

import http.server
import threading
import uuid
from contextlib import contextmanager

import pytest
import requests

from tests.api.conftest import PASSWORD, _free_port

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

OPENER = """<!doctype html><meta charset="utf-8"><title>opener</title>
<button id="login">Sign in</button><p id="result">waiting</p>
<script>
const server = %(server)r, clientId = %(client_id)r, clientSecret = %(client_secret)r, redirect = %(redirect)r;
document.getElementById("login").onclick = () => {
  const query = new URLSearchParams({response_type: "code", client_id: clientId, redirect_uri: redirect,
                                     scope: "read write"});
  window.open(server + "/oauth/authorize?" + query, "caravan-login", "popup,width=500,height=700");
};
window.addEventListener("message", async (event) => {
  if (event.origin !== location.origin || !event.data.code) return;
  const body = new URLSearchParams({grant_type: "authorization_code", code: event.data.code,
                                    redirect_uri: redirect, client_id: clientId, client_secret: clientSecret});
  const response = await fetch(server + "/oauth/token", {method: "POST", body});
  const token = await response.json();
  document.getElementById("result").textContent = token.access_token ? "token:" + token.access_token
                                                                     : "failed:" + JSON.stringify(token);
});
</script>"""

CALLBACK = """<!doctype html><meta charset="utf-8"><title>callback</title><p id="state">landed</p>
<script>
const code = new URLSearchParams(location.search).get("code");
if (window.opener) { window.opener.postMessage({code}, location.origin); document.getElementById("state")
  .textContent = "sent"; } else { document.getElementById("state").textContent = "no opener"; }
</script>"""


@contextmanager
def _opener_site(pages: dict[str, str]):
    """A tiny web site on its own loopback port: the app's origin."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not here").encode())

        def log_message(self, *args) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def test_a_popup_login_hands_the_code_to_its_opener_on_another_origin(server, signup):
    from playwright.sync_api import sync_playwright

    username = f"pop{uuid.uuid4().hex[:8]}"
    signup(username)
    pages: dict[str, str] = {"/callback.html": CALLBACK}
    with _opener_site(pages) as origin:
        redirect = f"{origin}/callback.html"
        app = requests.post(
            f"{server}/api/v1/apps",
            data={"client_name": "Popup app", "redirect_uris": redirect, "scopes": "read write"},
            timeout=10,
        ).json()
        pages["/"] = OPENER % {
            "server": server,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect": redirect,
        }
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = chromium.new_context().new_page()
                page.set_default_timeout(20_000)
                page.goto(f"{origin}/")
                with page.expect_popup() as opened:
                    page.click("#login")
                popup = opened.value
                popup.wait_for_load_state()
                assert popup.url.startswith(f"{server}/oauth/authorize")
                popup.fill("input[name=username]", username)
                popup.fill("input[name=password]", PASSWORD)
                popup.click("button[type=submit]")
                popup.click("button[value=approve]")
                popup.wait_for_url(f"{redirect}?*")
                popup.wait_for_function("document.getElementById('state').textContent !== 'landed'")
                state = popup.text_content("#state")
                assert state == "sent", f"the popup lost its opener on the way: {state}"
                page.wait_for_function(
                    "document.getElementById('result').textContent !== 'waiting'", timeout=20_000
                )
                result = page.text_content("#result")
            finally:
                chromium.close()
    assert result.startswith("token:"), result
    token = result.removeprefix("token:")
    me = requests.get(
        f"{server}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["username"] == username


def test_only_the_authorization_pages_give_up_the_opener_policy(server):
    authorize = requests.get(f"{server}/oauth/authorize?response_type=code&client_id=nope", timeout=10)
    assert authorize.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    about = requests.get(f"{server}/about", timeout=10)
    assert about.headers["Cross-Origin-Opener-Policy"] == "same-origin"
