"""Mastodon's admin API for reports and accounts, against a real `caravan serve`: moderators list and handle
reports (reading the cited posts, whatever their visibility, is recorded), look accounts up by Mastodon's v1
and v2 filters, act on them (each action a moderation decision with rules and a reason, in the public log and
told to the person), lift actions, approve or reject sign-ups, and turn a person's sign-in off and on. Anyone
who does not moderate gets 403 whatever the token's scopes."""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import Application

from caravan.accounts.models import Account, User
from caravan.accounts.services import set_role
from caravan.api.oauth import issue_token
from caravan.errors import DomainError
from caravan.instance.services import add_rule, create_invite
from caravan.moderation.appeals import create_appeal
from caravan.moderation.services import (
    assign_report,
    create_report,
    erase_suspended_now,
    resolve_report,
    take_action,
)
from caravan.publishing import create_post
from tests.api.conftest import PASSWORD, client_credentials_token, running_server, token_by_authorization_code
from tests.api.routes import api_routes, sample_path

REDIRECT = "https://app.example/callback"
ADMIN_SCOPES = "read write admin:read admin:write"
MODERATORS_ONLY = "Only moderators may do this."
OUTSIDE = "This action is outside the authorized scopes"
LIFTED = "Lifted by a moderator through an app."
RP = "api/v1/admin/reports"
AC = "api/v1/admin/accounts"


@dataclass
class Site:
    base: str
    app: dict
    env: dict
    rules: list[int]
    ids: dict[str, str]  # username -> account id
    tokens: dict[str, str]  # username -> a token with every scope

    def shell(self, code: str) -> str:
        """Run Python against the server's own database (as `caravan createadmin` does)."""
        caravan = str(Path(sys.executable).with_name("caravan"))
        done = subprocess.run(
            [caravan, "manage", "shell", "--no-imports", "-c", code],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def token(self, username: str, scopes: str = ADMIN_SCOPES) -> str:
        return token_by_authorization_code(self.base, self.app, username, scopes, redirect=REDIRECT)

    def sign_up(self, username: str, **extra) -> str:
        response = requests.post(
            f"{self.base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {client_credentials_token(self.base, self.app, 'write')}"},
            json={
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.org",
                "agreement": True,
                **extra,
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def call(
        self, method: str, path: str, who: str = "mod", headers_extra: dict | None = None, **kwargs
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens.get(who, who)}", **(headers_extra or {})}
        return requests.request(method, f"{self.base}/{path}", headers=headers, timeout=20, **kwargs)

    def ok(self, method: str, path: str, who: str = "mod", **kwargs):
        response = self.call(method, path, who, **kwargs)
        assert response.status_code == 200, (method, path, response.status_code, response.text)
        return response.json()


PEOPLE = ("mod", "reporter", "target", "spammer", "bystander", "frozen")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("caravan-admin-api")
    env: dict = {}
    server_settings = {
        "CARAVAN_SIGN_UPS_PER_ADDRESS": "0",
        "CARAVAN_SIGN_IN_FAILURES_PER_ADDRESS": "0",
        "CARAVAN_SIGN_IN_FAILURES_PER_ACCOUNT": "0",
        "CARAVAN_MODERATION_LOG_SHOWS_HANDLES": "1",
    }
    with running_server(data_dir, server_settings, server_env=env) as base:
        caravan = str(Path(sys.executable).with_name("caravan"))
        subprocess.run([caravan, "createadmin", "boss", "--password", PASSWORD], env=env, check=True)
        app = requests.post(
            f"{base}/api/v1/apps",
            json={"client_name": "Moderation app", "redirect_uris": REDIRECT, "scopes": ALL},
            timeout=10,
        ).json()
        site = Site(base, app, env, [], {}, {})
        for name in PEOPLE:
            site.sign_up(name)
        subprocess.run([caravan, "role", "mod", "moderator"], env=env, check=True)
        site.rules = json.loads(
            site.shell(
                "import json; from caravan.instance.services import add_rule; "
                "print(json.dumps([add_rule('No spam').id, add_rule('No harassment').id]))"
            )
        )
        for name in (*PEOPLE, "boss"):
            site.tokens[name] = site.token(name, ALL)
            site.ids[name] = site.ok("GET", "api/v1/accounts/verify_credentials", name)["id"]
        yield site


ALL = "read write follow push admin:read admin:write"


def _report(site: Site, reporter: str, target: str, **fields) -> dict:
    return site.ok("POST", "api/v1/reports", reporter, json={"account_id": site.ids[target], **fields})


def test_moderators_list_read_and_handle_reports(site):
    secret = site.ok(
        "POST", "api/v1/statuses", "target", json={"status": "for my followers only", "visibility": "private"}
    )
    site.ok("POST", f"api/v1/accounts/{site.ids['target']}/follow", "reporter")
    filed = _report(
        site,
        "reporter",
        "target",
        status_ids=[secret["id"]],
        rule_ids=[str(site.rules[1])],
        comment="harassing me in a followers-only post",
        category="violation",
    )
    other = _report(site, "bystander", "spammer", comment="spam", category="spam")
    # The followers-only post stays unreadable to others: only moderators see it, through the report.
    assert site.call("GET", f"api/v1/statuses/{secret['id']}", "bystander").status_code == 404

    listed = site.call("GET", RP, params={"limit": 1})
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [other["id"]]
    assert 'rel="next"' in listed.headers["Link"] and "max_id=" in listed.headers["Link"]
    report = site.ok("GET", f"{RP}/{filed['id']}")
    assert report == site.ok("GET", RP, params={"account_id": site.ids["reporter"]})[0]
    assert report["id"] == filed["id"] and report["category"] == "violation"
    assert report["comment"] == "harassing me in a followers-only post"
    assert report["action_taken"] is False and report["action_taken_at"] is None
    assert report["forwarded"] is False and report["assigned_account"] is None
    assert report["action_taken_by_account"] is None
    assert report["created_at"] and report["updated_at"]
    assert report["account"]["username"] == "reporter" and report["account"]["account"]["acct"] == "reporter"
    assert report["target_account"]["id"] == site.ids["target"]
    assert report["target_account"]["email"] == "target@example.org"
    assert [s["id"] for s in report["statuses"]] == [secret["id"]]
    assert report["statuses"][0]["visibility"] == "private"
    assert "followers only" in report["statuses"][0]["content"]
    assert report["rules"] == [{"id": str(site.rules[1]), "text": "No harassment", "hint": ""}]

    # Each showing of the cited posts is recorded, with the moderator and the posts.
    readings = json.loads(
        site.shell(
            "import json; from caravan.moderation.models import CitedPostsReading as C; "
            f"print(json.dumps([(r.reader.username, r.post_ids) for r in C.objects.filter(report_id={filed['id']})]))"
        )
    )
    assert readings and all(r == ["mod", [int(secret["id"])]] for r in readings)

    # Filters: by reporter, by reported account, open or resolved.
    assert [r["id"] for r in site.ok("GET", RP, params={"target_account_id": site.ids["spammer"]})] == [
        other["id"]
    ]
    assert site.ok("GET", RP, params={"account_id": site.ids["spammer"]}) == []
    assert site.ok("GET", RP, params={"resolved": "true"}) == []

    assigned = site.ok("POST", f"{RP}/{filed['id']}/assign_to_self")
    assert assigned["assigned_account"]["username"] == "mod"
    assert assigned["assigned_account"]["role"]["name"] == "Moderator"
    assert site.ok("POST", f"{RP}/{filed['id']}/unassign")["assigned_account"] is None
    resolved = site.ok("POST", f"{RP}/{filed['id']}/resolve")
    assert resolved["action_taken"] is True and resolved["action_taken_at"]
    assert resolved["action_taken_by_account"]["username"] == "mod"
    assert [r["id"] for r in site.ok("GET", RP, params={"resolved": "true"})] == [filed["id"]]
    assert filed["id"] not in [r["id"] for r in site.ok("GET", RP)]
    again = site.call("POST", f"{RP}/{filed['id']}/resolve")
    assert again.status_code == 422 and again.json() == {"error": "This report is already resolved."}
    reopened = site.ok("POST", f"{RP}/{filed['id']}/reopen")
    assert reopened["action_taken"] is False and reopened["action_taken_by_account"] is None
    assert site.call("POST", f"{RP}/{filed['id']}/reopen").status_code == 422
    # A moderator re-files it (PUT): another category, other rules; unknown ones are refused and nothing changes.
    refiled = site.ok(
        "PUT", f"{RP}/{filed['id']}", json={"category": "spam", "rule_ids": [str(site.rules[0])]}
    )
    assert refiled["category"] == "spam" and [r["id"] for r in refiled["rules"]] == [str(site.rules[0])]
    assert site.call("PUT", f"{RP}/{filed['id']}", json={"rule_ids": ["999"]}).status_code == 422
    assert site.call("PUT", f"{RP}/{filed['id']}", json={"category": "boring"}).status_code == 422
    assert site.call("PUT", f"{RP}/{filed['id']}", "bystander", json={"category": "other"}).status_code == 403
    assert site.ok("GET", f"{RP}/{filed['id']}")["category"] == "spam"


def _decisions(site: Site) -> list[dict]:
    return requests.get(f"{site.base}/about/moderation.json", timeout=10).json()["decisions"]


def _warnings(site: Site, who: str) -> list[dict]:
    items = site.ok("GET", "api/v1/notifications", who, params={"types[]": "moderation_warning"})
    return [n["moderation_warning"] for n in items]


def test_actions_are_moderation_decisions_the_person_is_told_of_and_can_be_lifted(site):
    spammer = site.ids["spammer"]
    url = f"{AC}/{spammer}/action"
    rule = str(site.rules[0])
    post = site.ok("POST", "api/v1/statuses", "spammer", json={"status": "buy my pills"})
    report = _report(
        site, "bystander", "spammer", status_ids=[post["id"]], rule_ids=[rule], category="violation"
    )
    for kind in ("silence", "sensitive", "none"):
        answer = site.call(
            "POST", url, json={"type": kind, "rule_ids": [rule], "text": f"{kind}: you keep posting spam"}
        )
        assert answer.status_code == 200 and answer.json() == {}, answer.text
    shown = site.ok("GET", f"{AC}/{spammer}")
    assert shown["silenced"] and shown["sensitized"] and not shown["suspended"]
    assert shown["account"]["limited"] is True
    logged = {d["reason"]: d for d in _decisions(site)}
    assert logged["silence: you keep posting spam"]["action"] == "limit"
    assert logged["sensitive: you keep posting spam"]["action"] == "sensitive"
    assert logged["none: you keep posting spam"]["action"] == "warn"
    assert logged["none: you keep posting spam"]["rules"] == ["No spam"]
    assert logged["none: you keep posting spam"]["account"].startswith("@spammer@")
    warnings = _warnings(site, "spammer")
    assert [w["action"] for w in warnings] == ["none", "sensitive", "silence"]
    assert warnings[0]["text"] == "none: you keep posting spam"

    # Acting on a report: its rules and cited posts are the action's, and it is resolved.
    suspended = site.call(
        "POST", url, data={"type": "suspend", "report_id": report["id"], "text": "Spam after warnings."}
    )
    assert suspended.status_code == 200, suspended.text
    assert site.ok("GET", f"{AC}/{spammer}")["suspended"] is True
    assert site.ok("GET", f"{RP}/{report['id']}")["action_taken"] is True
    assert logged.keys() <= {d["reason"] for d in _decisions(site)}
    suspension = next(d for d in _decisions(site) if d["reason"] == "Spam after warnings.")
    assert suspension["action"] == "suspend" and suspension["rules"] == ["No spam"]
    assert site.call("GET", "api/v1/accounts/verify_credentials", "spammer").status_code == 403
    assert [a["id"] for a in site.ok("GET", AC, params={"suspended": "true"})] == [spammer]
    assert [a["id"] for a in site.ok("GET", "api/v2/admin/accounts", params={"status": "silenced"})] == [
        spammer
    ]
    assert [a["id"] for a in site.ok("GET", AC, params={"sensitized": "1"})] == [spammer]

    for lift in ("unsuspend", "unsilence", "unsensitive"):
        site.ok("POST", f"{AC}/{spammer}/{lift}")
    lifted = site.ok("GET", f"{AC}/{spammer}")
    assert not (lifted["silenced"] or lifted["sensitized"] or lifted["suspended"])
    assert "limited" not in lifted["account"]
    assert site.ok("POST", f"{AC}/{spammer}/unsilence")["silenced"] is False  # nothing standing: no change
    decisions = {d["action"]: d for d in _decisions(site)}
    for kind in ("limit", "sensitive", "suspend"):
        assert decisions[kind]["lifted"] is True and decisions[kind]["lift_reason"] == LIFTED
    assert decisions["warn"]["lifted"] is False
    # The person can use the account again and reads every notice.
    warnings = _warnings(site, "spammer")
    assert [w["action"] for w in warnings] == ["suspend", "none", "sensitive", "silence"]
    assert warnings[0]["status_ids"] == [post["id"]]  # the report's cited post


def test_an_action_needs_a_known_type_rules_and_a_reason(site):
    url = f"{AC}/{site.ids['bystander']}/action"
    rule = str(site.rules[0])
    cases = [
        ({"type": "obliterate", "rule_ids": [rule], "text": "x"}, "type must be none"),
        ({"rule_ids": [rule], "text": "x"}, "type must be none"),
        ({"type": "silence", "text": "x"}, "rule_ids[]"),
        ({"type": "silence", "rule_ids": [rule], "text": "  "}, "Write the reason"),
        ({"type": "silence", "rule_ids": ["123456"], "text": "x"}, "Name at least one of the server's rules"),
        ({"type": "silence", "rule_ids": ["abc"], "text": "x"}, "rule_ids must be a list of ids"),
        ({"type": "silence", "rule_ids": [rule], "text": "x", "report_id": "x1"}, "report_id must be an id"),
    ]
    for body, message in cases:
        response = site.call("POST", url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["error"], (body, response.text)
    arabic = site.call(
        "POST", url, json={"type": "silence", "text": "x"}, headers_extra={"Accept-Language": "ar"}
    )
    assert arabic.status_code == 422
    assert arabic.json() == {
        "error": "اذكر قواعد الخادم التي يُتخذ هذا الإجراء بموجبها (rule_ids[])، أو بلاغًا يذكرها (report_id)."
    }
    # A report about someone else is not this account's report.
    elsewhere = _report(site, "reporter", "spammer", comment="again", rule_ids=[rule])
    response = site.call("POST", url, json={"type": "none", "report_id": elsewhere["id"], "text": "x"})
    assert response.status_code == 404
    own = site.call(
        "POST", f"{AC}/{site.ids['mod']}/action", json={"type": "none", "rule_ids": [rule], "text": "x"}
    )
    assert own.status_code == 403
    assert not any(d["reason"] == "x" for d in _decisions(site))  # nothing was recorded


def test_account_filters_v1_and_v2(site):
    def ids(path: str, **query) -> set[str]:
        return {a["username"] for a in site.ok("GET", path, params=query)}

    v2 = "api/v2/admin/accounts"
    everyone = {*PEOPLE, "boss"}
    assert ids(AC) >= everyone and ids(AC, local="true") >= everyone
    assert ids(AC, remote="true") == set() and ids(v2, origin="remote") == set()
    assert ids(AC, username="spam") == {"spammer"} and ids(v2, username="SPAM") == {"spammer"}
    assert ids(AC, email="frozen@") == {"frozen"} and ids(v2, email="frozen@example") == {"frozen"}
    assert ids(AC, staff="true") == {"mod", "boss"} and ids(v2, permissions="staff") == {"mod", "boss"}
    assert ids(v2, **{"role_ids[]": "1"}) == {"mod"} and ids(v2, **{"role_ids[]": "3"}) == {"boss"}
    assert ids(AC, by_domain="example") == set() and ids(AC, display_name="nobody here") == set()
    # Sign-ups through the API keep their address; `createadmin` made none.
    assert ids(AC, ip="127.0.0.1") >= set(PEOPLE) and "boss" not in ids(AC, ip="127.0.0.1")
    assert ids(v2, ip="::ffff:10.9.9.9") == set()
    assert ids(AC, pending="true") == set() and ids(v2, status="active") >= {"mod", "boss"}

    # Apps offer their moderation screens by the role's permissions (Mastodon's manage_reports, manage_users).
    own_role = site.ok("GET", "api/v1/accounts/verify_credentials", "mod")["role"]
    assert own_role["name"] == "Moderator" and int(own_role["permissions"]) & (1 << 4 | 1 << 10) == 1040
    assert site.ok("GET", "api/v1/accounts/verify_credentials", "reporter")["role"]["permissions"] == "0"
    boss = site.ok("GET", f"{AC}/{site.ids['boss']}")
    assert boss["role"]["name"] == "Admin" and boss["ip"] is None and boss["ips"] == []
    person = site.ok("GET", f"{AC}/{site.ids['reporter']}")
    assert person["ip"] == "127.0.0.1" and person["ips"][0]["ip"] == "127.0.0.1"
    assert person["role"]["id"] == "-99" and person["confirmed"] and person["approved"]
    assert person["domain"] is None and person["account"]["username"] == "reporter"
    assert person["disabled"] is False and person["invite_request"] is None

    page = site.call("GET", AC, params={"limit": 2, "local": "true"})
    assert len(page.json()) == 2 and 'rel="next"' in page.headers["Link"]
    following = re.search(r"<([^>]+)>; rel=\"next\"", page.headers["Link"]).group(1)
    rest = site.ok("GET", following.removeprefix(f"{site.base}/"))
    assert not {a["id"] for a in rest} & {a["id"] for a in page.json()}

    for path, query, field in (
        (v2, {"origin": "moon"}, "origin"),
        (v2, {"status": "asleep"}, "status"),
        (v2, {"permissions": "all"}, "permissions"),
        (v2, {"invited_by": "someone"}, "invited_by"),
        (AC, {"ip": "not an address"}, "ip"),
        (v2, {"ip": "fe80::1%eth0"}, "ip"),
        (RP, {"account_id": "٣"}, "account_id"),
        (RP, {"target_account_id": "x"}, "target_account_id"),
    ):
        response = site.call("GET", path, params=query)
        assert response.status_code == 422, (path, query, response.text)
        assert response.json()["error"].startswith(field), response.text


def test_approve_and_reject_sign_ups_awaiting_approval(site):
    site.shell("from caravan.instance.services import set_registration_mode as s; s('approval')")
    try:
        hopeful = site.sign_up("hopeful", reason="I moved from the old place")
        site.sign_up("doubtful", reason="buy pills")
    finally:
        site.shell("from caravan.instance.services import set_registration_mode as s; s('open')")
    waiting = {a["username"]: a for a in site.ok("GET", AC, params={"pending": "true"})}
    assert waiting.keys() == {"hopeful", "doubtful"}
    assert {a["username"] for a in site.ok("GET", "api/v2/admin/accounts", params={"status": "pending"})} == {
        "hopeful",
        "doubtful",
    }
    assert waiting["hopeful"]["approved"] is False
    assert waiting["hopeful"]["invite_request"] == "I moved from the old place"
    assert site.call("GET", "api/v1/accounts/verify_credentials", hopeful).status_code == 403

    approved = site.ok("POST", f"{AC}/{waiting['hopeful']['id']}/approve")
    assert approved["approved"] is True and approved["username"] == "hopeful"
    assert site.call("GET", "api/v1/accounts/verify_credentials", hopeful).status_code == 200
    again = site.call("POST", f"{AC}/{waiting['hopeful']['id']}/approve")
    assert again.status_code == 403 and again.json() == {"error": "This account is not awaiting approval."}
    assert site.call("POST", f"{AC}/{waiting['hopeful']['id']}/reject").status_code == 403

    rejected = site.ok("POST", f"{AC}/{waiting['doubtful']['id']}/reject")
    assert rejected["username"] == "doubtful" and rejected["approved"] is False
    assert site.call("GET", f"{AC}/{waiting['doubtful']['id']}").status_code == 404
    assert site.ok("GET", AC, params={"pending": "true"}) == []


def _web_sign_in(site: Site, username: str) -> requests.Response:
    session = requests.Session()
    page = session.get(f"{site.base}/auth/sign_in", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        f"{site.base}/auth/sign_in",
        data={"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD},
        headers={"Referer": f"{site.base}/auth/sign_in"},
        allow_redirects=False,
        timeout=10,
    )


def test_disabling_stops_the_persons_token_and_session_and_enabling_restores_them(site):
    frozen = site.ids["frozen"]
    session = requests.Session()
    token = token_by_authorization_code(
        site.base, site.app, "frozen", "read", redirect=REDIRECT, session=session
    )
    page = session.get(f"{site.base}/settings/preferences", allow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert site.call("GET", "api/v1/accounts/verify_credentials", token).status_code == 200

    assert site.ok("POST", f"{AC}/{frozen}/action", json={"type": "disable"}) == {}
    refused = site.call("GET", "api/v1/accounts/verify_credentials", token)
    assert refused.status_code == 401 and refused.json() == {"error": "The access token is invalid"}
    assert site.call("GET", "api/v1/timelines/home", "frozen").status_code == 401
    page = session.get(f"{site.base}/settings/preferences", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and "/auth/sign_in" in page.headers["Location"]
    assert _web_sign_in(site, "frozen").status_code == 403  # and no new sign-in
    shown = site.ok("GET", f"{AC}/{frozen}")
    assert shown["disabled"] is True and shown["suspended"] is False
    assert [a["id"] for a in site.ok("GET", AC, params={"disabled": "true"})] == [frozen]
    assert [a["id"] for a in site.ok("GET", "api/v2/admin/accounts", params={"status": "disabled"})] == [
        frozen
    ]
    # Turning sign-in off is not a decision under the rules: nothing in the log, no notice.
    assert not any((d["account"] or "").startswith("@frozen@") for d in _decisions(site))

    assert site.call("POST", f"{AC}/{site.ids['mod']}/action", json={"type": "disable"}).status_code == 403
    # A moderator cannot lock an admin out; an admin can turn a moderator's sign-in off (and on again).
    refused = site.call("POST", f"{AC}/{site.ids['boss']}/action", json={"type": "disable"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "Only an admin may act on the account of a moderator or an admin."}
    assert site.ok("POST", f"{AC}/{site.ids['mod']}/action", "boss", json={"type": "disable"}) == {}
    assert site.call("GET", AC).status_code == 401
    assert site.ok("POST", f"{AC}/{site.ids['mod']}/enable", "boss")["disabled"] is False
    assert site.call("GET", AC).status_code == 200
    assert site.ok("POST", f"{AC}/{frozen}/enable")["disabled"] is False
    assert site.call("GET", "api/v1/accounts/verify_credentials", token).status_code == 200
    assert _web_sign_in(site, "frozen").status_code == 302
    assert site.ok("GET", AC, params={"disabled": "true"}) == []


def _admin_routes() -> list[tuple[str, str]]:
    return [
        (method, template)
        for method, template, _ in api_routes()
        if re.match(r"api/v\d+/admin/(reports|accounts)", template)
    ]


def test_only_moderators_with_the_admin_scopes_get_in(site):
    routes = _admin_routes()
    assert len(routes) == 18
    person = site.token("bystander", ADMIN_SCOPES)
    moderator_without_admin_scopes = site.token("mod", "read write")
    for method, template in routes:
        path = sample_path(template, site.ids["spammer"])
        response = site.call(method, path, person, json={"type": "none"})
        assert response.status_code == 403, (method, template, response.text)
        assert response.json() == {"error": MODERATORS_ONLY}
        response = site.call(method, path, moderator_without_admin_scopes, json={"type": "none"})
        assert response.status_code == 403 and response.json() == {"error": OUTSIDE}, (method, template)
        anonymous = requests.request(method, f"{site.base}/{path}", timeout=10)
        assert anonymous.status_code == 401, (method, template)
    reads_only = site.token("mod", "admin:read")
    assert site.call("GET", AC, reads_only).status_code == 200
    assert site.call("POST", f"{AC}/{site.ids['spammer']}/enable", reads_only).status_code == 403
    reports_only = site.token("mod", "admin:read:reports")
    assert site.call("GET", RP, reports_only).status_code == 200
    assert site.call("GET", AC, reports_only).status_code == 403


def test_unknown_or_malformed_ids_are_404(site):
    for method, template in _admin_routes():
        if "<" not in template:
            continue
        for bad in ("1", "abc", "99999999999999999999999", "-5"):
            response = site.call(method, sample_path(template, bad), json={"type": "none"})
            assert response.status_code == 404, (method, template, bad, response.text)
            assert response.json() == {"error": "Record not found"}


# In this process, where the queries can be counted and a remote account made without a second server.


@pytest.fixture
def in_process(make_user):
    """A moderator's admin token for the API served in this process, and a way to call it."""
    moderator = set_role(make_user("mod"), "moderator")
    app = Application.objects.create(
        name="t",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(moderator, app.id, ADMIN_SCOPES).token}"}

    def get(path: str, **query) -> list | dict:
        response = Client().get(f"/{path}", query, **auth)
        assert response.status_code == 200, response.content
        return json.loads(response.content)

    return get


def _remote(username: str, domain: str):
    return Account.objects.create(
        username=username,
        domain=domain,
        uri=f"https://{domain}/users/{username}",
        display_name=username.title(),
    )


def test_deleting_a_suspended_accounts_data_at_once(site):
    """Mastodon's `DELETE /api/v1/admin/accounts/:id`: only a suspended account, only moderators; its posts and
    sign-in go, the account stays a suspended tombstone."""
    site.sign_up("doomed")
    doomed_token = site.token("doomed", "read write")
    doomed = site.ok("GET", "api/v1/accounts/verify_credentials", doomed_token)["id"]
    post = site.ok("POST", "api/v1/statuses", doomed_token, json={"status": "selling followers, cheap"})
    refused = site.call("DELETE", f"{AC}/{doomed}")
    assert refused.status_code == 403 and "suspended" in refused.json()["error"]
    action = {"type": "suspend", "rule_ids": [str(site.rules[0])], "text": "Selling followers."}
    site.ok("POST", f"{AC}/{doomed}/action", json=action)
    assert site.call("DELETE", f"{AC}/{doomed}", "bystander").status_code == 403
    erased = site.ok("DELETE", f"{AC}/{doomed}")
    assert erased["id"] == doomed and erased["suspended"] is True and erased["email"] is None
    assert site.call("GET", f"api/v1/statuses/{post['id']}", "bystander").status_code == 404
    assert site.call("GET", "api/v1/accounts/verify_credentials", doomed_token).status_code == 401
    assert site.ok("GET", f"{AC}/{doomed}")["suspended"] is True
    assert site.ok("DELETE", f"{AC}/{doomed}")["id"] == doomed  # again: nothing left to do, no error


def test_a_waiting_appeal_keeps_the_data_from_deletion(make_user):

    moderator = set_role(make_user("mod"), "moderator")
    person = make_user("appellant")
    action = take_action(
        moderator, person.account, "suspend", rule_ids=[add_rule("No spam").id], reason="Spam."
    )
    create_appeal(person, action, "It was a misunderstanding.")
    with pytest.raises(DomainError) as refused:
        erase_suspended_now(moderator, person.account)
    assert refused.value.kind.code == "account_appeal_waiting"
    assert User.objects.filter(pk=person.pk).exists()


def test_a_remote_reporter_and_account_as_moderators_see_them(in_process, make_user):
    target = make_user("local_target").account
    far = _remote("troll", "far.example")
    create_report(far, target, comment="from afar", uri="https://far.example/flags/1")
    report = in_process(RP)[0]
    assert report["account"]["username"] == "troll" and report["account"]["domain"] == "far.example"
    assert report["account"]["email"] is None and report["account"]["role"] is None
    assert report["account"]["ips"] == [] and report["account"]["approved"] is False
    assert report["account"]["account"]["acct"] == "troll@far.example"
    assert report["target_account"]["domain"] is None and report["statuses"] == []
    assert [a["username"] for a in in_process(AC, remote="true")] == ["troll"]
    assert [a["username"] for a in in_process("api/v2/admin/accounts", origin="remote")] == ["troll"]
    assert [a["username"] for a in in_process(AC, by_domain="FAR.ex")] == ["troll"]
    assert [a["username"] for a in in_process(AC, display_name="trol")] == ["troll"]


def test_a_page_costs_a_fixed_number_of_queries_and_one_reading_per_report(in_process, make_user):
    moderator = set_role(make_user("boss"), "admin")
    invite = create_invite(moderator)
    rule = add_rule("No spam")

    def add(n: int) -> None:
        for i in range(n):
            reporter = make_user(f"r{n}x{i}", invite_code=invite.code).account
            target = make_user(f"t{n}x{i}").account if i % 2 else _remote(f"t{n}x{i}", f"s{i}.example")
            posts = [create_post(target, f"spam {i} #tag{i}").id] if target.is_local else []
            report = create_report(reporter, target, post_ids=posts, rule_ids=[rule.id], comment=f"{i}")
            assign_report(moderator, report)
            resolve_report(moderator, report)

    def counted(path: str, **query) -> tuple[int, int]:
        in_process(path, **query)  # the token and its user are cached from here on
        with CaptureQueriesContext(connection) as queries:
            rows = in_process(path, **query)
        # Every API request also asks what other processes changed (caravan.invalidation): not the page's cost.
        return len(rows), len([q for q in queries if "caravan_invalidation" not in q["sql"]])

    add(2)
    few = counted(RP, resolved="true"), counted(AC), counted("api/v2/admin/accounts")
    add(8)
    many = counted(RP, resolved="true"), counted(AC), counted("api/v2/admin/accounts")
    assert [rows for rows, _ in few] == [2, 6, 6] and [rows for rows, _ in many] == [10, 22, 22]
    (_, reports_few), *accounts_few = few
    (_, reports_many), *accounts_many = many
    # One query a page, beside the reads by key of the token's user and account that every request makes (two
    # statements on SQLite, one round trip on PostgreSQL: bulk.select_many).
    user = 1 if connection.vendor == "postgresql" else 2
    assert accounts_few == [(6, 1 + user)] * 2 and accounts_many == [(22, 1 + user)] * 2
    # The reports' page: fixed queries, plus the record of each report's cited posts being shown (4 more).
    assert reports_many - reports_few == 4, (reports_few, reports_many)


def test_mastodon_py_moderates_through_the_admin_api(site):
    """Mastodon.py, as a moderation app uses it: Mastodon's own calls, with Mastodon's parameter spellings."""
    from mastodon import Mastodon

    mod = Mastodon(access_token=site.tokens["mod"], api_base_url=site.base, request_timeout=30)
    rule = site.rules[0]
    post = site.ok("POST", "api/v1/statuses", "target", json={"status": "another bad post"})
    filed = _report(
        site, "reporter", "target", status_ids=[post["id"]], rule_ids=[str(rule)], category="violation"
    )

    open_reports = mod.admin_reports()
    assert filed["id"] in [str(r.id) for r in open_reports]
    report = mod.admin_report(filed["id"])
    assert report.target_account.username == "target" and report.statuses[0].content.startswith("<p>another")
    assert report.rules[0].text == "No spam" and report.created_at.year >= 2024
    assert mod.admin_report_assign(filed["id"]).assigned_account.username == "mod"
    assert mod.admin_report_unassign(filed["id"]).assigned_account is None

    # Mastodon.py cannot name rules: the report's rules are the action's.
    mod.admin_account_moderate(site.ids["target"], "silence", report_id=filed["id"], text="Stop it.")
    assert mod.admin_report(filed["id"]).action_taken is True
    assert mod.admin_account(site.ids["target"]).silenced is True
    assert "target" in [a.username for a in mod.admin_accounts_v2(status="silenced")]
    # (Mastodon.py types the v1 list as one entity, so its rows stay plain dicts.)
    assert "target" in [a["username"] for a in mod.admin_accounts_v1(status="silenced")]
    assert mod.admin_account_unsilence(site.ids["target"]).silenced is False
    mod.admin_report_reopen(filed["id"])
    assert mod.admin_report_resolve(filed["id"]).action_taken is True
    assert filed["id"] not in [str(r.id) for r in mod.admin_reports()]
    assert filed["id"] in [str(r.id) for r in mod.admin_reports(resolved=True)]
