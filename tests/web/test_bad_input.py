"""Odd or hostile input gets a clear 4xx, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize(
    "url",
    [
        f"/@alice/{HUGE}",
        f"/public?max_id={HUGE}",
        f"/public/local?min_id={HUGE}",
        "/public?max_id=abc",
        f"/tags/x?max_id=-{HUGE}",
        "/search?q=%22%27%2A%28)",
        f"/@alice?max_id={HUGE}",
        "/@alice/12/history",
    ],
)
def test_odd_urls_are_answered_without_a_server_error(client, make_account, url):
    make_account("alice")
    assert client.get(url).status_code in (200, 400, 404)


def test_odd_posts_are_answered_without_a_server_error(signed_in):
    client, user = signed_in("alice")
    for url, data in [
        (f"/posts/{HUGE}/favourite", {}),
        ("/posts/1/vote", {"choice": "x"}),
        ("/compose", {"text": "hi", "in_reply_to": HUGE}),
        ("/compose", {"text": "hi", "in_reply_to": "abc"}),
        ("/compose", {"text": "hi", "visibility": "everyone"}),
        (f"/accounts/{HUGE}/follow", {}),
        (f"/accounts/{user.account_id}/follow", {}),
        (f"/accounts/{user.account_id}/dance", {}),
        ("/settings/profile", {"display_name": "x" * 40}),
        ("/settings/preferences", {"locale": "xx", "default_visibility": "public"}),
    ]:
        assert client.post(url, data).status_code in (400, 404, 422), url


NUMBERS_PYTHON_WOULD_TAKE = [
    "٣",
    "３",
    HUGE,
    f"-{HUGE}",
]  # Arabic-Indic and full-width digits, beyond 64 bits


@pytest.mark.parametrize("number", NUMBERS_PYTHON_WOULD_TAKE)
def test_numbers_in_forms_are_ascii_and_64_bit_or_refused(signed_in, make_account, number):
    from caravan import publishing
    from caravan.instance.models import Invite
    from caravan.moving.models import FollowCandidate
    from caravan.posts.models import PollVote
    from caravan.signup import create_admin

    client, user = signed_in("alice")
    post = publishing.create_post(
        make_account("bob"), "Tea or coffee?", poll=publishing.PollSpec(["Tea", "Coffee"])
    )
    assert client.post(f"/posts/{post.id}/vote", {"choice": number}).status_code in (400, 422)
    assert not PollVote.objects.exists()
    answer = client.post("/settings/import/people", {"candidate": number})
    assert answer.status_code == 302 and not FollowCandidate.objects.exists()

    create_admin("boss", "correct horse battery")
    client.logout()
    assert (
        client.post("/auth/sign_in", {"username": "boss", "password": "correct horse battery"}).status_code
        == 302
    )
    for action, data in [("invite", {"max_uses": number}), ("remove_rule", {"rule_id": number})]:
        assert client.post(f"/admin/{action}", data).status_code in (302, 400, 404, 422), action
    assert not Invite.objects.exists()
