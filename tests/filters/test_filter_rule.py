"""The one rule of which posts a filter matches (`filters.services.ActiveFilters`), which the API's `filtered`
and the web's warnings both use: whole words in English and Arabic, expiry, contexts, posts added by id; and
the move of the filter tables from the API app, which kept their rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import publishing
from caravan.filters import services as filtering
from caravan.filters.models import Filter
from caravan.filters.services import ActiveFilters, filterable_text

pytestmark = pytest.mark.django_db


def titles(viewer, context, post):
    return [m.filter.title for m in ActiveFilters(viewer, context).matches(post.id, filterable_text(post))]


def test_whole_words_in_english_and_arabic(make_account):
    reader, author = make_account("reader"), make_account("author")
    filtering.create_filter(reader, title="cats", context=["home"], keywords=[{"keyword": "cat"}])
    filtering.create_filter(
        reader, title="trains", context=["home"], keywords=[{"keyword": "قط", "whole_word": True}]
    )
    filtering.create_filter(
        reader, title="parts", context=["home"], keywords=[{"keyword": "سيار", "whole_word": False}]
    )
    assert titles(reader, "home", publishing.create_post(author, "My CAT sleeps")) == ["cats"]
    assert titles(reader, "home", publishing.create_post(author, "a category of things")) == []
    assert titles(reader, "home", publishing.create_post(author, "رأيت قط صغير")) == ["trains"]
    # "قط" inside "قطار" (train) is not the whole word; "سيار" is a part-word filter and matches "سيارة".
    assert titles(reader, "home", publishing.create_post(author, "ركبت القطار")) == []
    assert titles(reader, "home", publishing.create_post(author, "سيارة جديدة")) == ["parts"]
    # The content warning and media descriptions are matched too, not only the text.
    assert titles(reader, "home", publishing.create_post(author, "hidden", spoiler_text="cat pictures")) == [
        "cats"
    ]


def test_contexts_and_expiry(make_account):
    reader, author = make_account("reader"), make_account("author")
    post = publishing.create_post(author, "spoilers for the final")
    kept = filtering.create_filter(
        reader, title="spoilers", context=["home", "thread"], keywords=[{"keyword": "spoilers"}]
    )
    assert titles(reader, "home", post) == ["spoilers"]
    assert titles(reader, "thread", post) == ["spoilers"]
    assert titles(reader, "public", post) == []
    assert titles(reader, None, post) == []
    assert titles(author, "home", post) == []  # only the filter's owner is affected
    filtering.update_filter(kept, expires_in=3600)
    assert titles(reader, "home", post) == ["spoilers"]
    later = timezone.now() + timedelta(hours=2)
    assert [
        m.filter.title for m in ActiveFilters(reader, "home", now=later).matches(post.id, "spoilers")
    ] == []
    filtering.update_filter(kept, expires_in=0)  # 0 clears the expiry
    assert ActiveFilters(reader, "home", now=later).matches(post.id, "spoilers")


def test_hide_and_posts_added_by_id(make_account):
    reader, author = make_account("reader"), make_account("author")
    post, other = publishing.create_post(author, "plain words"), publishing.create_post(author, "more words")
    f = filtering.create_filter(reader, title="this one", context=["public"], filter_action="hide")
    filtering.add_filter_status(f, post, reader)
    [match] = ActiveFilters(reader, "public").matches(post.id, filterable_text(post))
    assert match.hides and match.status_matched and match.keyword_matches == ()
    assert ActiveFilters(reader, "public").matches(other.id, filterable_text(other)) == []


def test_the_tables_kept_their_names_and_the_api_reads_the_same_rows(make_account):
    """The models moved apps, not tables: the rows the API wrote before are the filters' rows now."""
    reader = make_account("reader")
    filtering.create_filter(reader, title="kept", context=["home"], keywords=[{"keyword": "x"}])
    assert Filter._meta.db_table == "api_filter"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM api_filter WHERE account_id = %s", [reader.id])
        assert cursor.fetchall() == [("kept",)]


@pytest.mark.django_db(transaction=True)
def test_migrating_from_the_api_owned_models_keeps_filters_and_conversation_marks(make_account):
    """From the state before the move (filters and conversation marks in `api`), migrating forward keeps every
    row, now read through `filters` and `timelines`."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from caravan.filters.models import FilterKeyword
    from caravan.timelines.models import ConversationState

    reader = make_account("reader")
    before = [("api", "0002_delete_report"), ("filters", None), ("timelines", "0001_initial")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before[::2]).apps
        old_filter = old.get_model("api", "Filter").objects.create(
            account_id=reader.id, title="old", context=["home"], filter_action="hide"
        )
        old.get_model("api", "FilterKeyword").objects.create(
            filter=old_filter, keyword="kept", whole_word=False
        )
        old.get_model("api", "ConversationState").objects.create(
            account_id=reader.id, thread_root_id=42, last_read_id=41
        )
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    finally:
        MigrationExecutor(connection).migrate(leaves)
    moved = Filter.objects.get(pk=old_filter.pk)
    assert (moved.title, moved.filter_action, moved.context) == ("old", "hide", ["home"])
    assert [(k.keyword, k.whole_word) for k in FilterKeyword.objects.filter(filter=moved)] == [
        ("kept", False)
    ]
    assert ConversationState.objects.get(account=reader, thread_root_id=42).last_read_id == 41


def test_every_change_tells_the_owners_streaming_clients(make_account):
    """Filters change through the API or the web pages alike; either way `filters.changed` reaches streaming."""
    from caravan import events

    reader, author = make_account("reader"), make_account("author")
    heard: list[int] = []

    def collect(account_id, **_):
        heard.append(account_id)

    events.listen("filters.changed", collect)
    try:
        f = filtering.create_filter(reader, title="t", context=["home"], keywords=[{"keyword": "a"}])
        filtering.update_filter(f, title="u")
        keyword = filtering.add_filter_keyword(f, "b")
        filtering.remove_filter_keyword(keyword)
        filtering.add_filter_status(f, publishing.create_post(author, "x"), reader)
        filtering.remove_filter(f)
    finally:
        events._listeners["filters.changed"].remove(collect)
    assert heard == [reader.id] * 6
