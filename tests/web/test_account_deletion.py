"""The account deletion page: a warning and the password; done, the person is signed out and cannot return."""

import re

import pytest
from django.test import Client

from caravan.accounts.models import Account, User
from caravan.posts.models import Post

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password


def test_settings_link_to_the_deletion_page_with_its_warning(signed_in):
    client, _ = signed_in("nadia")
    assert 'href="/settings/delete"' in client.get("/settings/preferences").content.decode()
    page = client.get("/settings/delete").content.decode()
    assert "This cannot be undone." in page and 'type="password"' in page
    arabic = client.get("/settings/delete?lang=ar").content.decode()
    assert 'dir="rtl"' in arabic and "لا يمكن التراجع عن هذا." in arabic


def test_deleting_signs_out_and_shows_a_confirmation(signed_in):
    client, user = signed_in("nadia")
    client.post("/compose", {"text": "soon gone", "visibility": "public"})
    assert Post.objects.filter(account=user.account).exists()
    response = client.post("/settings/delete", {"password": PASSWORD})
    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Post.objects.filter(account_id=user.account_id).exists()
    assert client.get("/home").status_code == 302  # signed out
    assert not Client().login(username="nadia", password=PASSWORD)
    response = Client().post("/auth/sign_in", {"username": "nadia", "password": PASSWORD})
    assert response.status_code != 302 or response["Location"] != "/home"
    assert client.get("/@nadia").status_code == 404


def test_wrong_password_shows_an_error_and_deletes_nothing(signed_in):
    client, user = signed_in("nadia")
    response = client.post("/settings/delete", {"password": "not my password"})
    assert response.status_code == 403
    assert "That password is not right." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert Account.objects.get(pk=user.account_id).suspended_at is None
    arabic = client.post("/settings/delete?lang=ar", {"password": "nope"}).content.decode()
    assert "كلمة المرور هذه غير صحيحة." in arabic


def test_forged_deletion_without_csrf_token_is_refused(make_user):
    user = make_user("nadia")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/settings/delete", {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()
    # With the page's own token the same request goes through.
    page = client.get("/settings/delete").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/settings/delete", {"password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert not User.objects.filter(pk=user.pk).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/settings/delete")
    assert response.status_code == 302 and "sign_in" in response["Location"]
