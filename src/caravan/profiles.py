"""Profiles as others see and find them: a local person's edits (images through the media service, the bio
rendered with its links and mentions) and remote actors as their servers describe them; each change keeps the
account's entry in the search index in step.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from caravan import error_codes, events, lookup
from caravan.accounts.models import Account
from caravan.errors import Collected, DomainError
from caravan.instance.domains import account_marks
from caravan.media.services import delete_files, store_profile_image
from caravan.posts.rendering import render_text
from caravan.search.services import index_account
from caravan.untrusted import valid_remote_handle, without_bidi_controls


def update_profile(
    account: Account,
    *,
    display_name: str | None = None,
    note: str | None = None,
    fields: list[dict] | None = None,
    locked: bool | None = None,
    bot: bool | None = None,
    discoverable: bool | None = None,
    avatar=None,
    header=None,
) -> Account:
    """Change a local profile. Images go through the media service (metadata stripped, resized). Only the fields
    changed are written: `account` may be an object loaded long ago (an import's), whose counters are stale."""
    # Every part is checked before any is changed, and every problem told at once (errors.DomainErrors).
    problems = Collected()
    if display_name is not None:
        display_name = without_bidi_controls(display_name).strip()
        with problems:
            if len(display_name) > 30:
                raise DomainError(error_codes.DISPLAY_NAME_TOO_LONG, field="display_name")
    with problems:
        if note is not None and len(note) > 500:
            raise DomainError(error_codes.BIO_TOO_LONG, field="note")
    cleaned = None
    with problems:
        cleaned = None if fields is None else _profile_fields(fields)
    problems.raise_any()
    changed = ["updated_at"]
    if display_name is not None:
        account.display_name = display_name
        changed.append("display_name")
    if note is not None:
        account.note = note
        account.note_html = render_text(note, lookup.account).html
        changed += ["note", "note_html"]
    if cleaned is not None:
        account.fields = cleaned
        changed.append("fields")
    for name, value in (("locked", locked), ("bot", bot), ("discoverable", discoverable)):
        if value is not None:
            setattr(account, name, bool(value))
            changed.append(name)
    with transaction.atomic():
        if avatar is not None:
            store_profile_image(account, "avatar", avatar)
            changed.append("avatar")
        if header is not None:
            store_profile_image(account, "header", header)
            changed.append("header")
        account.save(update_fields=changed)
        index_account(account)
        events.emit("account.updated", account=account)
    return account


def _profile_fields(fields: list[dict]) -> list[dict]:
    cleaned = []
    for item in fields:
        name, value = str(item.get("name", "")).strip(), str(item.get("value", "")).strip()
        if not name and not value:
            continue
        if len(name) > 255 or len(value) > 255:
            raise DomainError(error_codes.PROFILE_FIELD_TOO_LONG, field="fields")
        cleaned.append({"name": name, "value": value, "verified_at": None})
    if len(cleaned) > settings.CARAVAN["MAX_PROFILE_FIELDS"]:
        raise DomainError(
            error_codes.TOO_MANY_PROFILE_FIELDS,
            field="fields",
            limit=settings.CARAVAN["MAX_PROFILE_FIELDS"],
        )
    return cleaned


def remove_profile_image(account: Account, which: str) -> Account:
    """Take a local profile's avatar or header away (the default image shows again); its file goes after commit."""
    if which not in ("avatar", "header"):
        raise ValueError(which)  # a caller's mistake, not a person's
    old = getattr(account, which).name if getattr(account, which) else ""
    with transaction.atomic():
        setattr(account, which, None)
        account.save(update_fields=[which, "updated_at"])
        events.emit("account.updated", account=account)
        if old:
            transaction.on_commit(lambda: delete_files([old]))
    return account


def upsert_remote_account(uri: str, **attributes) -> Account:
    """Create or refresh a remote actor by its ActivityPub id. Used by the federation face.

    Raises DomainError for a handle Mastodon would not store; the display name loses bidi controls."""
    if ("username" in attributes or "domain" in attributes) and not valid_remote_handle(
        attributes.get("username"), attributes.get("domain")
    ):
        raise DomainError(
            error_codes.REMOTE_HANDLE_REJECTED,
            field="username",
        )
    if "display_name" in attributes:
        attributes["display_name"] = without_bidi_controls(attributes["display_name"])
    attributes["fetched_at"] = datetime.now(UTC)
    try:
        return _store_remote_account(uri, attributes)
    except IntegrityError:
        # Another process stored the same actor at the same moment (a lookup here while the inbox fetched it):
        # its row now exists, so this becomes a refresh of it.
        return _store_remote_account(uri, attributes)


def _store_remote_account(uri: str, attributes: dict) -> Account:
    with transaction.atomic():
        account = Account.objects.filter(uri=uri).first()
        if account is None:
            # A suspended or limited server's new accounts arrive marked, with its policy's stamps.
            marks = account_marks(attributes.get("domain") or "")
            account = Account.objects.create(uri=uri, **{**attributes, **marks})
            index_account(account)
            events.emit("account.created", account=account)
        else:
            for name, value in attributes.items():
                setattr(account, name, value)
            account.save()
            events.emit("account.updated", account=account)
    return account
