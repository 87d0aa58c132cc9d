"""The pact pages without JavaScript: make a pact from the people page, commit and withdraw, follow everyone once
met; hostile input gets a message and a 4xx; nobody else's page or choice is readable."""

import pytest
from django.test import Client

from caravan.moving.models import FollowCandidate
from caravan.pacts.models import Pact, PactMember
from caravan.social.models import Follow

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(make_user):
    owner = make_user("owner")
    others = [make_user(f"p{i}") for i in range(3)]
    for other in others:
        FollowCandidate.objects.create(
            account=owner.account,
            old_handle="x:" + other.username,
            found_handle=other.account.acct,
            target=other.account,
        )
    return owner, others


def test_a_pact_is_made_committed_to_and_met_through_the_pages(people, run_tasks):
    owner, others = people
    page = signed_in(owner)
    assert "/pacts/new?people=matched" in page.get("/settings/import/people").content.decode()
    answer = page.post("/pacts/new", {"people": "matched", "threshold": "2", "deadline": ""})
    assert answer.status_code == 302
    pact = Pact.objects.get()
    assert answer["Location"] == f"/pacts/{pact.id}"
    assert "0 of 2 committed" in page.get(f"/pacts/{pact.id}").content.decode()

    first, second = signed_in(others[0]), signed_in(others[1])
    assert "counts you in a pact" in first.get("/notifications").content.decode()
    assert "0 of 2: you would make it 1" in first.get(f"/pacts/{pact.id}").content.decode()
    assert first.post(f"/pacts/{pact.id}/commit", {"auto_follow": "on"}).status_code == 302
    assert "1 of 2: you would make it 2" in second.get(f"/pacts/{pact.id}").content.decode()
    asked = first.get(f"/pacts/{pact.id}/withdraw").content.decode()  # withdrawing asks first
    assert "Withdraw your commitment?" in asked and f'action="/pacts/{pact.id}/withdraw"' in asked
    assert "1 of 2: you would make it 2" in second.get(f"/pacts/{pact.id}").content.decode()
    first.post(f"/pacts/{pact.id}/withdraw")
    assert "0 of 2: you would make it 1" in second.get(f"/pacts/{pact.id}").content.decode()
    first.post(f"/pacts/{pact.id}/commit", {"auto_follow": "on"})
    second.post(f"/pacts/{pact.id}/commit")
    run_tasks()
    assert Pact.objects.get().state == "met"
    assert "was met" in second.get("/notifications").content.decode()
    shown = second.get(f"/pacts/{pact.id}").content.decode()
    assert "Follow everyone" in shown
    second.post(f"/pacts/{pact.id}/follow_everyone")
    assert set(Follow.objects.filter(account=others[1].account).values_list("target_account", flat=True)) == {
        owner.account.id,
        others[0].account.id,
    }
    # The one who did not commit is told, sees no button, and nobody follows them.
    assert "Follow everyone" not in signed_in(others[2]).get(f"/pacts/{pact.id}").content.decode()
    assert not Follow.objects.filter(target_account=others[2].account).exists()


@pytest.mark.parametrize(
    "form",
    [
        {"people": "matched", "threshold": "99999999999999999999999"},
        {"people": "matched", "threshold": "-3"},
        {"people": "matched", "threshold": "<script>"},
        {"people": "matched", "threshold": "2", "deadline": "1999-01-01"},
        {"people": "matched", "threshold": "2", "deadline": "not a date\u202e"},
        {"people": "list", "threshold": "1", "list": "12345"},
        {"people": "\u202eeveryone", "threshold": "1"},
    ],
)
def test_bad_input_gets_a_message_and_a_4xx(people, form):
    owner, _ = people
    answer = signed_in(owner).post("/pacts/new", form)
    assert 400 <= answer.status_code < 500
    assert 'class="error"' in answer.content.decode()
    assert not Pact.objects.exists()


def test_nobody_reads_a_pact_they_are_not_in_nor_anothers_choice(people, make_user):
    owner, others = people
    signed_in(owner).post("/pacts/new", {"people": "matched", "threshold": "3"})
    pact = Pact.objects.get()
    signed_in(others[0]).post(f"/pacts/{pact.id}/commit")
    outsider = signed_in(make_user("outsider"))
    for path in (f"/pacts/{pact.id}", f"/pacts/{pact.id}0", "/pacts/99999999999999999999999999"):
        assert outsider.get(path).status_code == 404
    assert outsider.post(f"/pacts/{pact.id}/commit").status_code == 404
    assert PactMember.objects.filter(committed=True).count() == 1
    # The owner and another member see the count, never who committed.
    for viewer in (owner, others[1]):
        text = signed_in(viewer).get(f"/pacts/{pact.id}").content.decode()
        assert "1 of 3" in text and "@p0" not in text  # (a bare "p0" may be in the random CSRF token)
