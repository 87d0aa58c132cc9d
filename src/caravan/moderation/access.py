"""Moderators turning a local person's sign-in off and on again (Mastodon's "disable" and "enable"): Django's
`User.is_active`, which refuses password sign-in, drops web sessions (Django's ModelBackend) and makes the
client API refuse the person's tokens (`api.http.authenticate`). It is not a moderation action (those are
decisions about an account under the server's rules, with a notice for the person); the account itself, its
posts and its federation are untouched."""

from caravan import error_codes, events
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.moderation.services import check_may_act_on, check_moderator


def _user_of(account: Account) -> User:
    user = User.objects.filter(account=account).first()
    if user is None:
        raise DomainError(error_codes.ACCOUNT_NOT_LOCAL)
    return user


def disable_sign_in(moderator_user: User, account: Account) -> User:
    """Refuse the person every sign-in, with a password, a session or a token, until it is enabled again."""
    moderator = check_moderator(moderator_user)
    if account.id == moderator.id:
        raise DomainError(error_codes.CANNOT_MODERATE_SELF, field="account_id")
    user = _user_of(account)
    check_may_act_on(moderator_user, account)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    events.emit("account.signed_out", account_id=account.id)
    return user


def enable_sign_in(moderator_user: User, account: Account) -> User:
    check_moderator(moderator_user)
    user = _user_of(account)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user
