"""Making and changing a person's filters, and the one rule of which posts a filter matches.

Both faces use `ActiveFilters`: the API to fill a status's `filtered` list, the web to hide a post or show it
collapsed behind "Filtered: <title>". A filter applies in the contexts it names (home, notifications, public,
thread, account), until it expires; a keyword matches the post's filterable text (content warning, text, media
descriptions) case-insensitively, as a whole word unless told otherwise; a post added to a filter matches by id.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.bulk import Read, select_many
from caravan.errors import Collected, DomainError
from caravan.filters.models import Filter, FilterKeyword, FilterStatus
from caravan.ids import id_from_text
from caravan.posts.models import Post
from caravan.posts.rendering import html_to_text
from caravan.posts.visibility import can_read

FILTER_CONTEXTS = ("home", "notifications", "public", "thread", "account")
FILTER_ACTIONS = ("warn", "hide", "blur")


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern:
    """A keyword as a case-insensitive pattern; a whole word is not preceded or followed by a word character
    (letters of any script, digits, underscore), so "cat" is not found in "category" nor "قط" in "قطار"."""
    escaped = re.escape(keyword)
    if whole_word:
        escaped = rf"(?<!\w){escaped}(?!\w)"
    return re.compile(escaped, re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """One filter that matched a post: which keywords matched and whether the post itself was added."""

    filter: Filter
    keyword_matches: tuple[str, ...]
    status_matched: bool

    @property
    def hides(self) -> bool:
        return self.filter.filter_action == "hide"


def filterable_text(post: Post) -> str:
    """What keywords are matched against: an original post's content warning, text and media descriptions
    (its media attachments are best prefetched)."""
    return f"{post.spoiler_text}\n{html_to_text(post.content)}\n" + "\n".join(
        m.description for m in post.attached("media_attachments")
    )


def filters_read(viewer: Account | None) -> Read | None:
    """The first read of `ActiveFilters`: the viewer's filters (to read it ahead: `bulk.ReadAhead`)."""
    return Read.among(Filter, [viewer.id], "account") if viewer is not None else None


class ActiveFilters:
    """The viewer's filters that apply now in one context, read once for a page of posts."""

    def __init__(self, viewer: Account | None, context: str | None, now=None) -> None:
        self.filters: list[tuple[Filter, list[tuple[str, re.Pattern]], set[int]]] = []
        if viewer is None or context is None:
            return
        now = now or timezone.now()
        # Plain reads by key (every timeline page asks, and most people have no filters).
        found = sorted(select_many(filters_read(viewer))[0], key=lambda f: f.id)
        found = [
            f for f in found if context in (f.context or []) and not (f.expires_at and f.expires_at <= now)
        ]
        if not found:
            return
        ids = [f.id for f in found]
        keywords, statuses = select_many(
            Read.among(FilterKeyword, ids, "filter"), Read.among(FilterStatus, ids, "filter")
        )
        keywords.sort(key=lambda k: k.id)
        for f in found:
            patterns = [
                (k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in keywords if k.filter_id == f.id
            ]
            self.filters.append((f, patterns, {s.post_id for s in statuses if s.filter_id == f.id}))

    def __bool__(self) -> bool:
        return bool(self.filters)

    def matches(self, post_id: int, text: str) -> list[Match]:
        """The filters that match an original post with this filterable text."""
        found = []
        for f, keywords, post_ids in self.filters:
            keyword_matches = tuple(word for word, pattern in keywords if pattern.search(text))
            if keyword_matches or post_id in post_ids:
                found.append(Match(f, keyword_matches, post_id in post_ids))
        return found


def _filter_fields(
    title: str | None, context: list | None, action: str | None, expires_in: int | None
) -> dict:
    """The fields to write, or every problem with them at once (DomainErrors)."""
    fields: dict = {}
    problems = Collected()
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            problems.add(DomainError(error_codes.FILTER_TITLE, field="title"))
        fields["title"] = title
    if context is not None:
        context = [str(c) for c in context]
        if not context or any(c not in FILTER_CONTEXTS for c in context):
            problems.add(DomainError(error_codes.FILTER_CONTEXT, field="context"))
        fields["context"] = list(dict.fromkeys(context))
    if action is not None:
        if action not in FILTER_ACTIONS:
            problems.add(DomainError(error_codes.FILTER_ACTION, field="filter_action"))
        fields["filter_action"] = action
    if expires_in is not None:
        if expires_in < 0:
            problems.add(DomainError(error_codes.FILTER_EXPIRES_IN, field="expires_in"))
        else:
            fields["expires_at"] = timezone.now() + timedelta(seconds=expires_in) if expires_in else None
    problems.raise_any()
    return fields


def _changed(account_id: int) -> None:
    events.emit("filters.changed", account_id=account_id)


def _check_keyword(keyword: str) -> str:
    keyword = (keyword or "").strip()
    if not keyword or len(keyword) > 200:
        raise DomainError(error_codes.FILTER_KEYWORD_EMPTY, field="keyword")
    return keyword


def create_filter(
    account: Account,
    *,
    title: str,
    context: list,
    filter_action: str = "warn",
    expires_in: int | None = None,
    keywords: list[dict] | None = None,
) -> Filter:
    problems = Collected()
    fields: dict = {}
    with problems:
        fields = _filter_fields(title or "", context or [], filter_action or "warn", expires_in)
    checked = []
    for item in keywords or []:
        with problems:
            checked.append((_check_keyword(item.get("keyword", "")), bool(item.get("whole_word", True))))
    problems.raise_any()
    with transaction.atomic():
        created = Filter.objects.create(account=account, **fields)
        for keyword, whole_word in checked:
            FilterKeyword.objects.create(filter=created, keyword=keyword, whole_word=whole_word)
        _changed(account.id)
    return created


def update_filter(
    f: Filter,
    *,
    title: str | None = None,
    context: list | None = None,
    filter_action: str | None = None,
    expires_in: int | None = None,
    keywords: list[dict] | None = None,
) -> Filter:
    with transaction.atomic():
        for name, value in _filter_fields(title, context, filter_action, expires_in).items():
            setattr(f, name, value)
        f.save()
        for item in keywords or []:
            keyword_id = id_from_text(item.get("id"))
            existing = f.keywords.filter(pk=keyword_id).first() if keyword_id else None
            if existing is not None and item.get("_destroy") not in (None, "", False, "0", "false"):
                existing.delete()
            elif existing is not None:
                if item.get("keyword") is not None:
                    existing.keyword = _check_keyword(item["keyword"])
                if item.get("whole_word") is not None:
                    existing.whole_word = item["whole_word"] not in (False, "0", "false", "f", "off")
                existing.save()
            elif item.get("keyword"):
                FilterKeyword.objects.create(
                    filter=f,
                    keyword=_check_keyword(item["keyword"]),
                    whole_word=item.get("whole_word", True) not in (False, "0", "false"),
                )
        _changed(f.account_id)
    return f


def add_filter_keyword(f: Filter, keyword: str, whole_word: bool = True) -> FilterKeyword:
    created = FilterKeyword.objects.create(filter=f, keyword=_check_keyword(keyword), whole_word=whole_word)
    _changed(f.account_id)
    return created


def _update_keyword(k: FilterKeyword, keyword: str | None, whole_word: bool | None) -> FilterKeyword:
    if keyword is not None:
        k.keyword = _check_keyword(keyword)
    if whole_word is not None:
        k.whole_word = whole_word
    k.save()
    return k


def update_filter_keyword(k: FilterKeyword, keyword: str | None, whole_word: bool | None) -> FilterKeyword:
    _update_keyword(k, keyword, whole_word)
    _changed(k.filter.account_id)
    return k


def add_filter_status(f: Filter, post: Post, viewer: Account) -> FilterStatus:
    if not can_read(post, viewer):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    try:
        with transaction.atomic():
            created = FilterStatus.objects.create(filter=f, post=post)
    except IntegrityError:
        raise DomainError(error_codes.FILTER_STATUS_DUPLICATE, field="status_id") from None
    _changed(f.account_id)
    return created


def update_v1_filter(
    keyword: FilterKeyword,
    *,
    phrase: str | None,
    whole_word: bool | None,
    context: list | None,
    irreversible: bool | None,
    expires_in: int | None,
) -> FilterKeyword:
    """`PUT /api/v1/filters/:id`: a v1 filter is one keyword of a v2 filter. The keyword always changes; the
    filter's own fields (title from the phrase, context, hide or warn, expiry) only when it has no other
    keyword, else a 422, as Mastodon refuses to change a filter other keywords share."""
    f = keyword.filter
    fields = _filter_fields(
        phrase, context, None if irreversible is None else ("hide" if irreversible else "warn"), expires_in
    )
    changed = {name: value for name, value in fields.items() if getattr(f, name) != value}
    with transaction.atomic():
        if changed and f.keywords.exclude(pk=keyword.pk).exists():
            raise DomainError(error_codes.FILTER_V1_SHARED, field="phrase")
        _update_keyword(keyword, phrase, whole_word)
        for name, value in changed.items():
            setattr(f, name, value)
        f.save()
        _changed(f.account_id)
    return keyword


def remove_filter(f: Filter) -> None:
    f.delete()
    _changed(f.account_id)


def remove_filter_keyword(keyword: FilterKeyword) -> None:
    keyword.delete()
    _changed(keyword.filter.account_id)


def remove_filter_status(status: FilterStatus) -> None:
    status.delete()
    _changed(status.filter.account_id)


def forget_deleted_account(account: Account, **_) -> None:
    """A local account is being deleted: its filters go with it."""
    if account.is_local:
        Filter.objects.filter(account=account).delete()
