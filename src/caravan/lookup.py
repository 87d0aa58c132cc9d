"""Finding accounts and posts this server does not know yet, from a handle or a URL.

The domain only knows what is stored; the federation face installs how to look further (WebFinger, fetching a
document from its origin) with `install`. Posts, imports, moves and search all ask here, so there is one way to
turn `user@host` or a pasted link into an Account or a Post.
"""

import logging
from collections.abc import Callable

from caravan.accounts.models import Account
from caravan.accounts.services import find_account
from caravan.posts.models import Post

logger = logging.getLogger(__name__)

_remote_account: Callable[[str, str], Account | None] | None = None
_remote_object: Callable[[str], object | None] | None = None
_refresh_account: Callable[[Account], Account | None] | None = None


def install(
    account_by_handle: Callable[[str, str], Account | None] | None,
    object_by_url: Callable[[str], object | None] | None = None,
    refresh_account: Callable[[Account], Account | None] | None = None,
) -> None:
    """Set how unknown handles and URLs are looked up elsewhere, and how a stored remote account is fetched
    again; all None resets to stored data only."""
    global _remote_account, _remote_object, _refresh_account
    _remote_account, _remote_object, _refresh_account = account_by_handle, object_by_url, refresh_account


def refreshed(account: Account) -> Account:
    """A remote account as its server describes it now (e.g. a just-added alias); the stored one otherwise."""
    if account.is_local or _refresh_account is None:
        return account
    try:
        return _refresh_account(account) or account
    except Exception:
        logger.warning("refreshing %s failed", account.uri, exc_info=True)
        return account


def account(username: str, domain: str, *, remote: bool = True) -> Account | None:
    """The account `username@domain`: stored, or (with `remote`) found where it lives now; else None."""
    found = find_account(username, domain)
    if found is not None or not domain or not remote or _remote_account is None:
        return found
    try:
        return _remote_account(username, domain)
    except Exception:  # a server that does not answer means "not found", never a failed post or import
        logger.warning("looking up %s@%s failed", username, domain, exc_info=True)
        return None


def object_at(url: str, *, remote: bool = True):
    """The Account or Post a URL names (its ActivityPub id or its web page): stored, or (with `remote`)
    fetched from its origin now; else None. Whether the caller may show a Post is for posts.visibility."""
    stored = Post.objects.filter(uri=url).first() or Post.objects.filter(url=url).first()
    if stored is None:
        stored = Account.objects.filter(uri=url).first() or Account.objects.filter(url=url).first()
    if stored is not None or not remote or _remote_object is None:
        return stored
    try:
        return _remote_object(url)
    except Exception:
        logger.warning("looking up %s failed", url, exc_info=True)
        return None
