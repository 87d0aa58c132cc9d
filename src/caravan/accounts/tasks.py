"""Account security's email (decision 0030): each message rendered in the person's language by a durable task
enqueued in the transaction that caused it, so a rollback sends nothing and a failed send is retried."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from caravan import mail
from caravan.accounts.models import User


def _user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def _in_language(user: User, render) -> tuple[str, str]:
    with translation.override(user.interface_language or "en"):
        return render()


@task()
def email_password_reset(user_id: int, link: str) -> bool:
    user = _user(user_id)
    if user is None or not user.email:
        return False

    def render():
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        return _("Reset your password on %(server)s") % {"server": settings.DOMAIN}, "\n\n".join(
            [
                _("Someone asked to reset the password of your account %(username)s.")
                % {"username": "@" + user.username},
                _("To choose a new password, open this link within %(hours)s hours:") % {"hours": hours},
                link,
                _("The link works once. If you did not ask for this, ignore this message: nothing changes."),
                "",
            ]
        )

    return mail.send(user.email, *_in_language(user, render))


@task()
def email_password_changed(user_id: int) -> bool:
    user = _user(user_id)
    if user is None or not user.email:
        return False

    def render():
        return _("Your password on %(server)s was changed") % {"server": settings.DOMAIN}, "\n\n".join(
            [
                _(
                    "The password of your account %(username)s was just changed, and every other session was "
                    "signed out."
                )
                % {"username": "@" + user.username},
                _("If this was not you, reset your password at once:"),
                f"{settings.BASE_URL}/auth/password/reset",
                "",
            ]
        )

    return mail.send(user.email, *_in_language(user, render))


@task()
def email_confirmation(user_id: int, email: str, link: str) -> bool:
    user = _user(user_id)
    if user is None or not email:
        return False

    def render():
        return _("Confirm your email address on %(server)s") % {"server": settings.DOMAIN}, "\n\n".join(
            [
                _("Open this link to confirm that this address belongs to the account %(username)s:")
                % {"username": "@" + user.username},
                link,
                _("If you did not ask for this, ignore this message."),
                "",
            ]
        )

    return mail.send(email, *_in_language(user, render))
