"""Keeping the search index in step with posts and accounts (called by their services)."""

from caravan.accounts.models import Account
from caravan.posts.models import Post
from caravan.posts.rendering import html_to_text
from caravan.search.models import SearchDocument
from caravan.search.text import terms


def _store(kind: str, object_id: int, text: str) -> None:
    words = " ".join(terms(text))
    if not words:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()
        return
    SearchDocument.objects.update_or_create(kind=kind, object_id=object_id, defaults={"terms": words})


def _post_text(post: Post) -> str:
    return f"{post.spoiler_text}\n{post.text or html_to_text(post.content)}"


def index_post(post: Post) -> None:
    if post.reblog_of_id:
        return
    _store(SearchDocument.POST, post.id, _post_text(post))


def post_document(post: Post) -> SearchDocument | None:
    """The index row for a post not saved yet, for the batch paths that insert many rows at once."""
    words = " ".join(terms(_post_text(post)))
    return SearchDocument(kind=SearchDocument.POST, object_id=post.id, terms=words) if words else None


def remove_post(post_id: int) -> None:
    SearchDocument.objects.filter(kind=SearchDocument.POST, object_id=post_id).delete()


def remove_posts(post_ids: list[int]) -> None:
    SearchDocument.objects.filter(kind=SearchDocument.POST, object_id__in=post_ids).delete()


def remove_account(account_id: int) -> None:
    SearchDocument.objects.filter(kind=SearchDocument.ACCOUNT, object_id=account_id).delete()


def index_account(account: Account) -> None:
    _store(SearchDocument.ACCOUNT, account.id, f"{account.username} {account.display_name}")
