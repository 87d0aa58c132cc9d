"""An exclusive list takes its members' posts out of the owner's home timeline (they are read in the list), as
on Mastodon; a list that is not exclusive leaves home as it was. Both fan-out paths (one post, a burst) agree."""

from caravan import publishing, relationships
from caravan.pagination import Page
from caravan.timelines import services as feeds
from caravan.timelines.selectors import home_timeline, list_timeline


def test_an_exclusive_list_keeps_its_members_posts_out_of_home(make_account, run_tasks):
    owner, other_reader = make_account("owner"), make_account("other")
    listed, plain = make_account("listed"), make_account("plain")
    for target in (listed, plain):
        relationships.follow(owner, target)
        relationships.follow(other_reader, target)
    exclusive = feeds.create_list(owner, "Close friends", exclusive=True)
    feeds.add_to_list(exclusive, [listed])
    inclusive = feeds.create_list(owner, "Everyone", exclusive=False)
    feeds.add_to_list(inclusive, [plain])
    first = publishing.create_post(listed, "in the list only")
    second = publishing.create_post(plain, "at home too")
    run_tasks()
    home = [p.id for p in home_timeline(owner, Page())]
    assert second.id in home and first.id not in home
    assert [p.id for p in list_timeline(owner, exclusive, Page())] == [first.id]
    assert {p.id for p in home_timeline(other_reader, Page())} >= {first.id, second.id}
    assert feeds.feed_recipients_many([first], {}) == {first.id: [other_reader.id]}
    assert owner.id not in feeds.feed_recipients(first)
