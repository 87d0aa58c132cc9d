"""Changes to what only the client API keeps (Idempotency-Keys); filters live in `filters`, conversation
marks in `timelines.conversations`.

Every change to shared domain state still goes through the domain services; these touch api.models only.
"""

from datetime import timedelta

from django.utils import timezone

from caravan.accounts.models import Account
from caravan.api.models import IdempotentPost
from caravan.posts.models import Post

IDEMPOTENCY_WINDOW = timedelta(hours=1)


def idempotent_post(account: Account, key: str) -> Post | None:
    row = IdempotentPost.objects.filter(
        account=account, key=key[:200], created_at__gt=timezone.now() - IDEMPOTENCY_WINDOW
    ).select_related("post")
    found = row.first()
    return found.post if found else None


def remember_idempotent_post(account: Account, key: str, post: Post) -> None:
    IdempotentPost.objects.filter(account=account, key=key[:200]).delete()
    IdempotentPost.objects.create(account=account, key=key[:200], post=post)


def forget_deleted_account(account: Account, **_) -> None:
    """A local account is being deleted: its replay records go with it."""
    if not account.is_local:
        return
    IdempotentPost.objects.filter(account=account).delete()
