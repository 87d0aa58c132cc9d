"""What becomes of a suspended account: a local one's data is kept for the appeal period, then deleted unless an
appeal is waiting or the suspension was lifted (the account stays a suspended tombstone); a remote one its own
server deleted meanwhile stays hidden when the suspension is lifted; a remote one its own server suspends is
hidden here until that server lifts it, unless it is suspended here too."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from caravan.accounts.models import Account, User
from caravan.accounts.services import set_role
from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.media.models import MediaAttachment
from caravan.media.services import upload_image
from caravan.moderation import appeals, retention
from caravan.moderation.domains import remove_domain_policy, set_domain_policy
from caravan.moderation.models import ModerationAction
from caravan.moderation.remote_suspensions import follow_remote_suspension
from caravan.moderation.selectors import notice_for
from caravan.moderation.services import lift_action, take_action
from caravan.posts.models import Post
from caravan.publishing import create_post
from caravan.relationships import follow
from caravan.social.models import Follow
from tests.federation import conftest as federation

# Remote actors with real keys that sign their inbox POSTs, as the federation tests make them.
keys, make_remote, _loopback_allowed = federation.keys, federation.make_remote, federation._loopback_allowed

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password


@pytest.fixture
def moderators(make_user):
    return set_role(make_user("mod"), "moderator"), set_role(make_user("mod2"), "moderator")


@pytest.fixture
def mallory(make_user, make_account):
    """A local person with a post with a picture, following and followed."""
    user = make_user("mallory")
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    image = upload_image(user.account, io.BytesIO(picture.getvalue()))
    create_post(user.account, "spam with a picture", media=[image])
    friend = make_account("friend")
    follow(user.account, friend)
    follow(friend, user.account)
    return user


def _suspend(moderators, user) -> ModerationAction:
    rule = add_rule("No spam")
    return take_action(moderators[0], user.account, "suspend", rule_ids=[rule.id], reason="Spam.")


def _age(action: ModerationAction, days: float) -> None:
    """Travel in time: the action was taken `days` ago."""
    ModerationAction.objects.filter(pk=action.pk).update(created_at=timezone.now() - timedelta(days=days))
    action.refresh_from_db()


def _media_files(account_id: int) -> list[Path]:
    names = MediaAttachment.objects.filter(account_id=account_id).values_list("file", "thumbnail")
    return [Path(settings.MEDIA_ROOT) / name for pair in names for name in pair if name]


def _kept(user) -> bool:
    return User.objects.filter(pk=user.pk).exists() and Post.objects.filter(account=user.account).exists()


def test_suspending_a_local_account_schedules_the_sweep_for_the_end_of_the_appeal_period(
    moderators, mallory, make_remote
):
    action = _suspend(moderators, mallory)
    waiting = DBTaskResult.objects.filter(task_path=retention.erase_expired_suspensions.module_path)
    assert [row.run_after for row in waiting] == [action.created_at + timedelta(days=appeals.APPEAL_DAYS)]
    # A remote account's data is not ours to delete; it schedules nothing more.
    rule = add_rule("No harassment")
    take_action(moderators[0], make_remote("bob").account, "suspend", rule_ids=[rule.id], reason="Abuse.")
    assert waiting.count() == 1


def test_after_the_appeal_period_the_data_is_deleted_and_the_account_stays_a_tombstone(
    moderators, mallory, make_user, django_capture_on_commit_callbacks
):
    action = _suspend(moderators, mallory)
    files = _media_files(mallory.account_id)
    assert files and all(path.exists() for path in files)
    _age(action, appeals.APPEAL_DAYS - 1)
    assert retention.erase_expired_suspensions.call() == 0  # still within the period
    assert _kept(mallory)

    _age(action, appeals.APPEAL_DAYS + 0.1)
    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the erasure commits
        assert retention.erase_expired_suspensions.call() == 1
    account = Account.objects.get(pk=mallory.account_id)
    assert not User.objects.filter(pk=mallory.pk).exists()
    assert not Post.objects.filter(account=account).exists()
    assert not MediaAttachment.objects.filter(account=account).exists()
    assert not any(path.exists() for path in files)
    assert not Follow.objects.filter(account=account).exists()
    assert not Follow.objects.filter(target_account=account).exists()
    assert account.suspended_at is not None and account.deleted_at is not None
    assert account.display_name == "" and account.statuses_count == 0
    # The handle is never given to someone else, and lifting never brings the account back.
    with pytest.raises(DomainError):
        make_user("mallory")
    lift_action(moderators[1], action, "Too late, but for the record.")
    assert Account.objects.get(pk=account.pk).suspended_at is not None
    # The decision and its notice stay for the moderators.
    assert notice_for(moderators[1], action.id) == action
    assert retention.erase_expired_suspensions.call() == 0  # erased once


def test_a_pending_appeal_keeps_the_data_until_it_is_decided(moderators, mallory):
    action = _suspend(moderators, mallory)
    appeal = appeals.create_appeal(mallory, action, "It was not spam.")
    _age(action, appeals.APPEAL_DAYS + 5)
    assert retention.erase_expired_suspensions.call() == 0
    assert _kept(mallory)
    # Looked at again later, while the appeal waits.
    waiting = DBTaskResult.objects.filter(
        task_path=retention.erase_expired_suspensions.module_path, status="READY"
    ).order_by("run_after")
    assert waiting.first().run_after <= timezone.now() + retention.RECHECK_WAITING_APPEALS
    appeals.decide_appeal(moderators[1], appeal, "reject", "It was spam.")
    assert retention.erase_expired_suspensions.call() == 1
    assert not _kept(mallory)


def test_an_approved_appeal_or_a_lifted_suspension_keeps_the_data(moderators, mallory, make_user):
    action = _suspend(moderators, mallory)
    appeal = appeals.create_appeal(mallory, action, "It was not spam.")
    appeals.decide_appeal(moderators[1], appeal, "approve", "Indeed not spam.")
    other = make_user("oscar")
    create_post(other.account, "oscar's post")
    lifted = _suspend(moderators, other)
    lift_action(moderators[1], lifted, "Mistaken identity.")
    _age(action, appeals.APPEAL_DAYS + 1)
    _age(lifted, appeals.APPEAL_DAYS + 1)
    assert retention.erase_expired_suspensions.call() == 0
    assert _kept(mallory) and _kept(other)
    assert Account.objects.get(pk=other.account_id).suspended_at is None


def test_a_later_suspension_restarts_the_period(moderators, mallory):
    first = _suspend(moderators, mallory)
    second = _suspend(moderators, mallory)
    _age(first, appeals.APPEAL_DAYS + 3)
    _age(second, 2)
    assert retention.erase_expired_suspensions.call() == 0
    assert _kept(mallory)
    _age(second, appeals.APPEAL_DAYS + 1)
    assert retention.erase_expired_suspensions.call() == 1


def test_a_remote_account_deleted_by_its_server_stays_hidden_when_its_suspension_is_lifted(
    client, moderators, make_remote
):
    rule = add_rule("No harassment")
    bob, carol = make_remote("bob", "remote.example"), make_remote("carol", "remote.example")
    on_bob = take_action(moderators[0], bob.account, "suspend", rule_ids=[rule.id], reason="Abuse.")
    on_carol = take_action(moderators[0], carol.account, "suspend", rule_ids=[rule.id], reason="Abuse.")
    delete = {"id": f"{bob.uri}#delete", "type": "Delete", "actor": bob.uri, "object": bob.uri}
    assert bob.post(client, delete).status_code == 202
    assert Account.objects.get(pk=bob.account.pk).deleted_at is not None

    lift_action(moderators[1], on_bob, "Suspended by mistake.")
    lift_action(moderators[1], on_carol, "Suspended by mistake.")
    assert Account.objects.get(pk=bob.account.pk).suspended_at is not None  # its server deleted it
    assert Account.objects.get(pk=carol.account.pk).suspended_at is None
    assert client.get(f"/api/v1/accounts/{bob.account.pk}").status_code == 404
    assert client.get(f"/api/v1/accounts/{carol.account.pk}").status_code == 200


def _say_suspended(client, remote, suspended: bool | None, n: int) -> None:
    """The remote server sends an Update of its actor, saying `suspended: true`, `false`, or nothing."""
    actor = {
        "id": remote.uri,
        "type": "Person",
        "preferredUsername": remote.account.username,
        "inbox": f"{remote.uri}/inbox",
        "publicKey": {
            "id": f"{remote.uri}#main-key",
            "owner": remote.uri,
            "publicKeyPem": remote.account.public_key_pem,
        },
    }
    if suspended is not None:
        actor["suspended"] = suspended
    update = {"id": f"{remote.uri}#updates/{n}", "type": "Update", "actor": remote.uri, "object": actor}
    assert remote.post(client, update).status_code == 202


def _hidden(remote) -> bool:
    return Account.objects.get(pk=remote.account.pk).suspended_at is not None


def test_an_account_its_server_suspends_is_hidden_here_until_its_server_lifts_it(client, make_remote):
    bob = make_remote("bob", "remote.example")
    _say_suspended(client, bob, True, 1)
    assert _hidden(bob)
    assert client.get(f"/api/v1/accounts/{bob.account.pk}").status_code == 404
    _say_suspended(client, bob, True, 2)  # said again: nothing changes
    _say_suspended(client, bob, False, 3)
    assert not _hidden(bob)
    assert client.get(f"/api/v1/accounts/{bob.account.pk}").status_code == 200
    _say_suspended(client, bob, True, 4)
    _say_suspended(client, bob, None, 5)  # a profile that no longer says it is suspended
    assert not _hidden(bob)


def test_the_servers_word_never_lifts_a_suspension_made_here(client, moderators, make_remote):
    rule = add_rule("No harassment")
    bob = make_remote("bob", "remote.example")
    # Suspended here first, then by its server: its server lifting shows nothing while ours stands.
    ours = take_action(moderators[0], bob.account, "suspend", rule_ids=[rule.id], reason="Abuse.")
    _say_suspended(client, bob, True, 1)
    _say_suspended(client, bob, False, 2)
    assert _hidden(bob)
    # Suspended by its server, then here: lifting ours leaves it hidden while its server says so.
    _say_suspended(client, bob, True, 3)
    lift_action(moderators[1], ours, "Resolved.")
    assert _hidden(bob)
    _say_suspended(client, bob, False, 4)
    assert not _hidden(bob)


def test_lifting_a_domain_suspension_leaves_hidden_an_account_its_server_suspended(
    moderators, make_remote, run_tasks
):
    bob, carol = make_remote("bob", "remote.example"), make_remote("carol", "remote.example")
    set_domain_policy(moderators[0], "remote.example", suspend=True)
    run_tasks()
    follow_remote_suspension(bob.account, True)  # its actor, fetched meanwhile, says it is suspended
    remove_domain_policy(moderators[0], "remote.example")
    run_tasks()
    assert _hidden(bob) and not _hidden(carol)
    follow_remote_suspension(Account.objects.get(pk=bob.account.pk), False)
    assert not _hidden(bob)
