"""A real wave for the waves tests: five accounts signed up in one hour with one invite and one email domain,
following each other and posting the same hashtag and link; beside them three ordinary new accounts."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from caravan.accounts.models import Account, User
from caravan.instance.models import RegistrationMode
from caravan.instance.services import create_invite, set_registration_mode
from caravan.posts.models import Post
from caravan.publishing.posting import create_post
from caravan.relationships import follow
from caravan.signup import create_admin, register_user

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts


@dataclass
class Wave:
    moderator: User
    wave: list[Account]
    ordinary: list[Account]
    wave_hour: object  # the UTC hour the wave signed up in


def _at(account: Account, moment) -> None:
    Account.objects.filter(pk=account.pk).update(created_at=moment)


def build_wave() -> Wave:
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    create_admin("boss", PASSWORD)
    moderator = User.objects.get(username="boss")
    _at(moderator.account, now - timedelta(days=30))
    ordinary = []
    for index, (name, domain) in enumerate(
        [("olive", "example.org"), ("omar", "example.net"), ("oona", "mail.test")]
    ):
        user = register_user(username=name, password=PASSWORD, email=f"{name}@{domain}", agreement=True)
        ordinary.append(user.account)
        _at(user.account, hour - timedelta(hours=10 * (index + 1), minutes=5))
    follow(ordinary[0], moderator.account)
    follow(ordinary[0], ordinary[1])
    follow(ordinary[1], moderator.account)
    follow(ordinary[2], moderator.account)
    set_registration_mode(RegistrationMode.INVITE)
    invite = create_invite(moderator)
    wave = []
    for index in range(5):
        user = register_user(
            username=f"wave{index}",
            password=PASSWORD,
            email=f"wave{index}@Spam.Example",
            agreement=True,
            invite_code=invite.code,
        )
        wave.append(user.account)
        _at(user.account, hour + timedelta(minutes=10 + index))
    set_registration_mode(RegistrationMode.OPEN)
    for account in wave:
        for other in wave:
            if other != account:
                follow(account, other)
    posts = [create_post(account, "Buy now #CheapWatches https://spam.example/buy") for account in wave]
    Post.objects.filter(pk__in=[post.pk for post in posts]).update(created_at=hour + timedelta(minutes=30))
    for index, account in enumerate(ordinary):  # the same tag and link, but hours apart
        post = create_post(account, "Cats today #cats https://news.example/cats")
        Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(hours=1 + 5 * index))
    return Wave(moderator=moderator, wave=wave, ordinary=ordinary, wave_hour=hour)
