"""Leaving: a person deletes their own account, a suspended account's data goes once its appeal period is
over (`erase_local_account`, called by moderation.retention), or another server says one of its accounts was
deleted.

Erasing an account reaches into every app that holds something of it (relationships, posts and interactions,
notifications, home feeds and lists, the search index, import jobs), so it sits above all of them, beside
moving. The Account row stays as a tombstone (docs/decisions/0013).
"""

from django.db import models, transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from caravan import error_codes, events
from caravan.accounts.models import Account, User
from caravan.directory import services as directory
from caravan.errors import DomainError
from caravan.media.services import delete_files
from caravan.moving.services import forget_imports
from caravan.notifications import services as notifications
from caravan.publishing import remove_all_posts_and_interactions
from caravan.search import services as search
from caravan.social import services as social
from caravan.timelines import services as timelines


def delete_account(user: User, password: str) -> None:
    """A person deletes their own account, for good, after giving their password.

    In one transaction: "account.deleted" is announced first (federation reads the follows and interactions
    still in place to address a signed Delete of the actor), then the account's content and relationships go,
    with other people's counters fixed. The Account row stays as a tombstone (suspended, profile emptied, keys
    kept to sign the Delete) so the username is never given to someone else and the actor answers 410 Gone.
    The User row goes, with its sign-in, sessions' owner and OAuth grants. Deleting an already deleted account
    does nothing. Raises DomainError for a wrong password or the last active admin.
    """
    if user.pk is None or not User.objects.filter(pk=user.pk).exists():
        return
    if not password or not user.check_password(password):
        raise DomainError(error_codes.PASSWORD_WRONG, field="password")
    if (user.is_staff or user.is_superuser) and not (
        User.objects.filter(is_active=True)
        .filter(models.Q(is_staff=True) | models.Q(is_superuser=True))
        .exclude(pk=user.pk)
        .exists()
    ):
        raise DomainError(
            error_codes.LAST_ADMIN,
        )
    erase_local_account(user)


def erase_local_account(user: User) -> None:
    """Erase a local account for good, its owner's checks done (or a suspension's appeal period over):
    everything `delete_account` describes, with no password asked. Erasing an erased account does nothing."""
    with transaction.atomic():
        # Two deletions at once (two tabs, web and API): the second finds no user and does nothing.
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return
        account = Account.objects.select_for_update().filter(pk=locked.account_id).first()
        if account is not None:
            events.emit("account.deleted", account=account)
            directory.forget_account(account)  # the listing is withdrawn from every server that had it
            _erase_account_content(account)
            _make_tombstone(account)
        _revoke_oauth(locked)
        forget_imports(locked)
        locked.delete()


def _erase_account_content(account: Account) -> None:
    social.remove_all_relationships(account)
    remove_all_posts_and_interactions(account)
    notifications.remove_all_for(account)
    timelines.remove_all_for(account)
    search.remove_account(account.id)


def _make_tombstone(account: Account) -> None:
    images = [image.name for image in (account.avatar, account.header) if image]
    Account.objects.filter(pk=account.pk).update(
        display_name="",
        note="",
        note_html="",
        fields=[],
        avatar=None,
        header=None,
        also_known_as=[],
        discoverable=False,
        locked=False,
        followers_count=0,
        following_count=0,
        statuses_count=0,
        last_status_at=None,
        suspended_at=account.suspended_at or timezone.now(),
        deleted_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if images:
        transaction.on_commit(lambda: delete_files(images))


def _revoke_oauth(user: User) -> None:
    """Tokens die with the user row (cascade) too; removing them first keeps the order plain to read."""
    get_refresh_token_model().objects.filter(user=user).delete()
    get_access_token_model().objects.filter(user=user).delete()
    get_grant_model().objects.filter(user=user).delete()


def forget_remote_account(account: Account) -> None:
    """Another server says one of its accounts was deleted: its posts, follows both ways (counters fixed),
    interactions and notifications go here too, and it is hidden for good (`deleted_at`: lifting a suspension
    here never shows it again). Nothing is sent back."""
    if account.is_local:
        return
    with transaction.atomic():
        _erase_account_content(account)
        directory.forget_remote_account(account)  # its directory entries here, and the matches made from them
        now = timezone.now()
        Account.objects.filter(pk=account.pk).update(suspended_at=now, deleted_at=now)
