"""Changes to what only the client API keeps (v2 filters, conversation read marks, Idempotency-Keys).

Every change to shared domain state still goes through the domain services; these touch api.models only.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.api.http import parse_id
from caravan.api.models import ConversationState, Filter, FilterKeyword, FilterStatus, IdempotentPost
from caravan.errors import DomainError
from caravan.posts.models import Post
from caravan.posts.visibility import can_read

FILTER_CONTEXTS = {"home", "notifications", "public", "thread", "account"}
FILTER_ACTIONS = {"warn", "hide", "blur"}
IDEMPOTENCY_WINDOW = timedelta(hours=1)


def _filter_fields(
    title: str | None, context: list | None, action: str | None, expires_in: int | None
) -> dict:
    fields: dict = {}
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise DomainError(error_codes.FILTER_TITLE, field="title")
        fields["title"] = title
    if context is not None:
        context = [str(c) for c in context]
        if not context or any(c not in FILTER_CONTEXTS for c in context):
            raise DomainError(error_codes.FILTER_CONTEXT, field="context")
        fields["context"] = list(dict.fromkeys(context))
    if action is not None:
        if action not in FILTER_ACTIONS:
            raise DomainError(error_codes.FILTER_ACTION, field="filter_action")
        fields["filter_action"] = action
    if expires_in is not None:
        if expires_in < 0:
            raise DomainError(error_codes.FILTER_EXPIRES_IN, field="expires_in")
        fields["expires_at"] = timezone.now() + timedelta(seconds=expires_in) if expires_in else None
    return fields


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
    fields = _filter_fields(title or "", context or [], filter_action or "warn", expires_in)
    with transaction.atomic():
        created = Filter.objects.create(account=account, **fields)
        for item in keywords or []:
            FilterKeyword.objects.create(
                filter=created,
                keyword=_check_keyword(item.get("keyword", "")),
                whole_word=bool(item.get("whole_word", True)),
            )
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
            keyword_id = item.get("id")
            existing = f.keywords.filter(pk=parse_id(keyword_id)).first() if parse_id(keyword_id) else None
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
    return f


def add_filter_keyword(f: Filter, keyword: str, whole_word: bool = True) -> FilterKeyword:
    return FilterKeyword.objects.create(filter=f, keyword=_check_keyword(keyword), whole_word=whole_word)


def update_filter_keyword(k: FilterKeyword, keyword: str | None, whole_word: bool | None) -> FilterKeyword:
    if keyword is not None:
        k.keyword = _check_keyword(keyword)
    if whole_word is not None:
        k.whole_word = whole_word
    k.save()
    return k


def add_filter_status(f: Filter, post: Post, viewer: Account) -> FilterStatus:
    if not can_read(post, viewer):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    try:
        with transaction.atomic():
            return FilterStatus.objects.create(filter=f, post=post)
    except IntegrityError:
        raise DomainError(error_codes.FILTER_STATUS_DUPLICATE, field="status_id") from None


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
        update_filter_keyword(keyword, phrase, whole_word)
        for name, value in changed.items():
            setattr(f, name, value)
        f.save()
    return keyword


def remove_filter(f: Filter) -> None:
    f.delete()


def remove_filter_keyword(keyword: FilterKeyword) -> None:
    keyword.delete()


def remove_filter_status(status: FilterStatus) -> None:
    status.delete()


def mark_conversation(
    account: Account, root_id: int, *, read_up_to: int | None = None, hide_up_to: int | None = None
) -> ConversationState:
    state, _ = ConversationState.objects.get_or_create(account=account, thread_root_id=root_id)
    if read_up_to is not None:
        state.last_read_id = max(state.last_read_id, read_up_to)
    if hide_up_to is not None:
        state.hidden_until_id = max(state.hidden_until_id, hide_up_to)
        state.last_read_id = max(state.last_read_id, hide_up_to)
    state.save()
    return state


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
    """A local account is being deleted: its filters, conversation marks and replay records go with it, and
    this process stops trusting its cached sign-in once the deletion commits."""
    from caravan.api import http

    if not account.is_local:
        return
    Filter.objects.filter(account=account).delete()
    ConversationState.objects.filter(account=account).delete()
    IdempotentPost.objects.filter(account=account).delete()
    transaction.on_commit(http.forget_all_users)
