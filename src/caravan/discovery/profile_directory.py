"""The profile directory (`GET /api/v1/directory`): discoverable accounts, most recently active or newest first."""

from django.db.models import F

from caravan.accounts.models import Account
from caravan.discovery.listed import hidden_from, listed_accounts

ORDERS = ("active", "new")


def directory(
    viewer: Account | None, *, offset: int = 0, limit: int = 40, order: str = "active", local: bool = False
) -> list[Account]:
    """A page of the directory. `active`: by the latest post (never-posted last), `new`: newest accounts first
    (ids are time-sortable). `local`: this server's people only. An unknown order reads as `active`."""
    accounts = hidden_from(viewer, listed_accounts())
    if local:
        accounts = accounts.filter(domain="")
    if order == "new":
        accounts = accounts.order_by("-id")
    else:
        accounts = accounts.order_by(F("last_status_at").desc(nulls_last=True), "-id")
    return list(accounts[offset : offset + limit])
