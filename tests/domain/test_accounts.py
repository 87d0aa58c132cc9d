"""Registration rules, profiles and the admin account."""

import pytest

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.errors import DomainError, DomainErrors
from caravan.instance.models import Invite, RegistrationMode
from caravan.instance.services import set_registration_mode
from caravan.profiles import update_profile
from caravan.signup import create_admin, register_user


def sign_up(username, **kwargs):
    kwargs.setdefault("password", "correct horse battery")
    kwargs.setdefault("agreement", True)
    return register_user(username=username, **kwargs)


@pytest.mark.django_db
def test_taken_username_is_refused_whatever_its_case():
    sign_up("Alice")
    with pytest.raises(DomainError) as error:
        sign_up("alice")
    assert error.value.kind is error_codes.USERNAME_TAKEN and error.value.field == "username"
    assert Account.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["", "has space", "ünï", "a" * 31, "dots.not.ok", "admin"])
def test_invalid_usernames_are_refused(username):
    with pytest.raises(DomainError):
        sign_up(username)
    assert User.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["campaign_42", "Campaign_1", "campaign_"])
def test_names_of_the_servers_own_actors_are_reserved(username):
    """A campaign's actor is `campaign_<id>`: nobody may take a name of that shape and pose as a campaign."""
    with pytest.raises(DomainError) as error:
        sign_up(username)
    assert error.value.kind is error_codes.USERNAME_RESERVED
    sign_up("campaigner_42")  # only the prefix itself is reserved


@pytest.mark.django_db
def test_rules_must_be_accepted_and_password_strong():
    with pytest.raises(DomainError, match="rules"):
        sign_up("bob", agreement=False)
    with pytest.raises(DomainError) as error:
        sign_up("bob", password="short")
    assert error.value.field == "password"
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_every_problem_of_a_sign_up_is_told_at_once():
    sign_up("dina")
    set_registration_mode(RegistrationMode.APPROVAL)
    with pytest.raises(DomainErrors) as raised:
        sign_up("Dina", password="short", agreement=False, email="not an address")
    problems = {error.field: error.kind for error in raised.value.errors}
    assert problems == {
        "agreement": error_codes.RULES_NOT_ACCEPTED,
        "username": error_codes.USERNAME_TAKEN,
        "email": error_codes.EMAIL_INVALID,
        "password": error_codes.PASSWORD_REJECTED,
        "reason": error_codes.JOIN_REASON_REQUIRED,
    }
    assert raised.value.kind is error_codes.RULES_NOT_ACCEPTED  # the first speaks for all where one is shown
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_approval_mode_needs_a_reason_and_leaves_user_unapproved():
    set_registration_mode(RegistrationMode.APPROVAL)
    with pytest.raises(DomainError, match="why"):
        sign_up("carol")
    user = sign_up("carol", reason="I moved from elsewhere")
    assert user.approved is False


@pytest.mark.django_db
def test_invite_only_mode_counts_invite_uses():
    admin = create_admin("root", "correct horse battery")
    set_registration_mode(RegistrationMode.INVITE)
    with pytest.raises(DomainError):
        sign_up("dave")
    invite = Invite.objects.create(created_by=admin, max_uses=1)
    sign_up("dave", invite_code=invite.code)
    with pytest.raises(DomainError, match="used up"):
        sign_up("erin", invite_code=invite.code)


@pytest.mark.django_db
def test_closed_mode_refuses_everyone():
    set_registration_mode(RegistrationMode.CLOSED)
    with pytest.raises(DomainError) as error:
        sign_up("frank")
    assert error.value.status == 403


@pytest.mark.django_db
def test_profile_fields_are_limited_to_four():
    account = sign_up("gina").account
    update_profile(
        account, display_name="جينا", note="Hello @gina", fields=[{"name": "web", "value": "x"}] * 4
    )
    assert len(account.fields) == 4 and "mention" in account.note_html
    with pytest.raises(DomainError):
        update_profile(account, fields=[{"name": str(i), "value": "v"} for i in range(5)])
    account.refresh_from_db()
    assert len(account.fields) == 4
