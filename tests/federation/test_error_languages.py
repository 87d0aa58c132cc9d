"""One refusal through every face: a vote in a poll that has ended is explained on the web page and by the
client API in the reader's language (their interface language, else Accept-Language), and in English to
another server, whatever language its request asks for."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan.posts.models import Poll
from caravan.publishing import PollSpec, create_post

ENDED = {"en": "This poll has ended.", "ar": "انتهى هذا الاستطلاع."}


@pytest.fixture
def ended_poll(make_account):
    question = create_post(
        make_account("alice"), "which?", poll=PollSpec(options=["a", "b"], expires_in=3600)
    )
    Poll.objects.filter(pk=question.poll.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return question


def _token(user) -> str:
    from oauth2_provider.models import Application

    from caravan.api.oauth import issue_token

    app = Application.objects.create(
        name="Test app",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        client_type="confidential",
        authorization_grant_type="authorization-code",
    )
    return issue_token(user, app.pk, "read write").token


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_web_page_explains_in_the_reader_language(client, make_user, ended_poll, language):
    client.force_login(make_user("voter"))
    response = client.post(f"/posts/{ended_poll.id}/vote", {"choice": "0"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert ENDED[language] in response.content.decode()


@pytest.mark.parametrize(
    ("interface", "accept", "expected"),
    [("", "en", "en"), ("", "ar", "ar"), ("ar", "en", "ar"), ("en", "ar", "en")],
)
def test_the_client_api_explains_in_the_user_language_else_the_request_language(
    client, make_user, ended_poll, interface, accept, expected
):
    token = _token(make_user("voter", locale=interface))
    response = client.post(
        f"/api/v1/polls/{ended_poll.poll.id}/votes",
        {"choices[]": ["0"]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    assert response.status_code == 422
    assert response.json() == {"error": ENDED[expected]}
    assert response["Content-Language"] == expected


def test_the_client_api_refuses_a_bad_token_in_the_request_language(client, db):
    response = client.get(
        "/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION="Bearer nope", HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 401 and response.json() == {"error": "رمز الوصول غير صالح"}


def test_activitypub_answers_in_english_whatever_the_request_asks(client, make_remote, ended_poll):
    bob = make_remote("bob", "remote.example")
    vote = {
        "id": f"{bob.uri}#votes/1",
        "type": "Note",
        "name": "a",
        "attributedTo": bob.uri,
        "inReplyTo": ended_poll.uri,
        "to": ended_poll.account.uri,
    }
    activity = {"id": f"{vote['id']}/activity", "type": "Create", "actor": bob.uri, "object": vote}
    response = bob.post(client, activity, **{"Accept-Language": "ar"})
    assert response.status_code == 422
    assert response.json() == {"error": ENDED["en"]}
