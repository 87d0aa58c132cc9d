"""Email of pact news, sent through a real SMTP server (aiosmtpd, started here as its own process on loopback):
when a pact is met, everyone in it who gave an address gets one message, in their own language; nothing is sent
when no SMTP server is configured."""

import mailbox
import time
from email.header import decode_header, make_header

import pytest

from caravan.moving.models import FollowCandidate
from caravan.pacts import services
from tests.web.served import smtp_server as running_smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server process writing what it receives into a Maildir."""
    folder = tmp_path / "mail"
    with running_smtp_server(folder) as port:
        yield port, folder


def received(folder) -> list:
    return list(mailbox.Maildir(folder, create=True))


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def met_pact(make_user):
    owner = make_user("owner", email="owner@example.org")
    layla = make_user("layla", email="layla@example.org", locale="ar")
    sam = make_user("sam")  # no address
    for person in (layla, sam):
        FollowCandidate.objects.create(
            account=owner.account, old_handle="x", found_handle=person.account.acct, target=person.account
        )
    pact = services.create_pact(owner.account, threshold=2)
    services.commit(layla.account, pact)
    services.commit(sam.account, pact)
    return pact


def test_everyone_with_an_address_is_emailed_in_their_language(settings, smtp_server, make_user, run_tasks):
    port, folder = smtp_server
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.DEFAULT_FROM_EMAIL = "caravan@example.org"
    pact = met_pact(make_user)
    run_tasks()
    deadline = time.monotonic() + 10
    while len(received(folder)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = {m["To"]: m for m in received(folder)}
    assert sorted(messages) == ["layla@example.org", "owner@example.org"]
    english, arabic = messages["owner@example.org"], messages["layla@example.org"]
    assert english["From"] == "caravan@example.org"
    assert subject(english) == "A pact you are in was met"
    assert subject(arabic) == "تحقق ميثاق أنت فيه"
    body = english.get_payload(decode=True).decode()
    assert "2 of 2 people committed" in body and f"/pacts/{pact.id}" in body
    assert "sam" not in body and "layla" not in body  # names the owner ("you" here) and counts, no one else
    assert "التزم 2 من 2" in arabic.get_payload(decode=True).decode()


def test_nothing_is_sent_without_an_smtp_server(settings, smtp_server, make_user, run_tasks):
    port, folder = smtp_server
    settings.EMAIL_HOST, settings.EMAIL_PORT = "", port
    met_pact(make_user)
    run_tasks()
    time.sleep(0.5)
    assert received(folder) == []
