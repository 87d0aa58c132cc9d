"""The pages a person opens daily, on `caravan serve` in Chromium, in English and Arabic at desktop and phone
sizes: a list made, a followed person added and their post seen in the list's timeline; a filter made through
its form warning on home while another hides on the local timeline; a direct conversation shown unread, opened,
then read (for the API too); mutes, blocks, followed hashtags and follow requests undone or answered."""

import pytest

from tests.web.served import LOOK_IDS, LOOKS, unique, wait_until

pytestmark = pytest.mark.browser


def fits(page, viewport) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def account_id(person) -> str:
    return str(person.api.me()["id"])


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_a_list_is_made_a_followed_person_added_and_their_post_seen(site, chromium, locale, viewport):
    reader, friend = site.person(unique("lina")), site.person(unique("faris"))
    reader.api.account_follow(account_id(friend))
    text = f"Caravan list post {unique('x')}"
    friend.api.status_post(text)
    page = site.page(chromium, reader, locale=locale, viewport=viewport, javascript=False)
    page.goto(f"{site.base}/lists")
    page.fill("#list-title", "أصدقاء القافلة")
    page.click("form[action='/lists'] button[type=submit]")
    page.wait_for_url("**/members")
    assert fits(page, viewport)
    row = page.locator(".account-row", has=page.locator(f"a[href='/@{friend.username}']"))
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/members")
    members = page.locator(".account-row", has=page.locator("form[action$='/members/remove']"))
    assert friend.username in members.inner_text()
    page.click(".tabs a[href^='/lists/']:not([href='/lists'])")
    assert page.locator("h1").inner_text() == "أصدقاء القافلة"
    assert text in page.locator("article.post").first.inner_text()
    assert fits(page, viewport)
    [made] = reader.api.lists()
    assert made["title"] == "أصدقاء القافلة"
    assert [a["username"] for a in reader.api.list_accounts(made["id"])] == [friend.username]
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_a_filter_warns_on_home_and_another_hides_on_the_local_timeline(site, chromium, locale, viewport):
    reader, author = site.person(unique("huda")), site.person(unique("karim"))
    reader.api.account_follow(account_id(author))
    word = unique("football")
    filtered = author.api.status_post(f"{word} tonight at eight")
    plain = author.api.status_post(f"tea time {unique('t')}")
    wait_until(lambda: {s["id"] for s in reader.api.timeline_home()} >= {filtered["id"], plain["id"]})
    # The second filter hides the same word on public timelines (made through the API: one rule for both).
    reader.api.create_filter_v2(
        "Hidden sport", context=["public"], filter_action="hide", keywords_attributes=[{"keyword": word}]
    )
    page = site.page(chromium, reader, locale=locale, viewport=viewport, javascript=False)
    page.goto(f"{site.base}/filters/new")
    page.fill("#filter-title", "كرة القدم")
    page.fill("#new-keyword-0", word)
    for context in ("notifications", "public", "thread", "account"):
        page.uncheck(f"input[name=context][value={context}]")
    page.check("input[name=filter_action][value=warn]")
    page.click("form.filter-form button[type=submit]")
    page.wait_for_url(f"{site.base}/filters")
    assert "كرة القدم" in page.locator("main").inner_text()
    assert fits(page, viewport)

    page.goto(f"{site.base}/home")
    warned = page.locator("details.filtered-post", has=page.locator(f"#post-{filtered['id']}"))
    assert "كرة القدم" in warned.locator("> summary").inner_text()
    assert not page.locator(f"#post-{filtered['id']}").is_visible()
    assert page.locator(f"#post-{plain['id']}").is_visible()
    warned.locator("> summary").click()
    assert page.locator(f"#post-{filtered['id']}").is_visible()
    assert fits(page, viewport)

    page.goto(f"{site.base}/public/local")
    assert page.locator(f"#post-{plain['id']}").is_visible()
    assert page.locator(f"#post-{filtered['id']}").count() == 0
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_a_direct_conversation_shows_unread_then_is_read(site, chromium, locale, viewport):
    reader, writer = site.person(unique("mona")), site.person(unique("sami"))
    secret = f"just between us {unique('d')}"
    writer.api.status_post(f"@{reader.username} {secret}", visibility="direct")
    page = site.page(chromium, reader, locale=locale, viewport=viewport, javascript=False)
    page.goto(f"{site.base}/conversations")
    card = page.locator("article.conversation").first
    assert "unread" in card.get_attribute("class")
    assert card.locator(".unread-mark").is_visible()
    assert secret in card.inner_text()
    assert fits(page, viewport)
    card.locator("a.button").click()
    assert secret in page.locator("article.post").first.inner_text()
    assert fits(page, viewport)
    page.goto(f"{site.base}/conversations")
    card = page.locator("article.conversation").first
    assert "unread" not in card.get_attribute("class") and card.locator(".unread-mark").count() == 0
    assert [c["unread"] for c in reader.api.conversations()] == [False]  # the API reads the same mark
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_mutes_blocks_and_followed_hashtags_are_undone_and_requests_answered(
    site, chromium, locale, viewport
):
    me = site.person(unique("rana"))
    muted, blocked, asker = (
        site.person(unique("muted")),
        site.person(unique("blocked")),
        site.person(unique("asker")),
    )
    me.api.account_mute(account_id(muted))
    me.api.account_block(account_id(blocked))
    tag = unique("tea")
    me.api.tag_follow(tag)
    me.api.account_update_credentials(locked=True)
    asker.api.account_update_credentials(display_name="سائل")
    asker.api.account_follow(account_id(me))
    page = site.page(chromium, me, locale=locale, viewport=viewport, javascript=False)

    page.goto(f"{site.base}/mutes")
    assert fits(page, viewport)
    page.click(f"form[action='/accounts/{account_id(muted)}/unmute'] button")
    page.wait_for_url(f"{site.base}/mutes")
    assert page.locator(f"#mute-{account_id(muted)}").count() == 0
    assert not me.api.account_relationships(account_id(muted))[0]["muting"]

    page.goto(f"{site.base}/blocks")
    assert fits(page, viewport)
    page.click(f"form[action='/accounts/{account_id(blocked)}/unblock'] button")
    page.wait_for_url(f"{site.base}/blocks")
    assert page.locator(f"#block-{account_id(blocked)}").count() == 0
    assert not me.api.account_relationships(account_id(blocked))[0]["blocking"]
    page.fill("#block-domain", "spam.example")
    page.click("form[action='/blocks/domains'] button")
    page.wait_for_url(f"{site.base}/blocks")
    assert me.api.domain_blocks() == ["spam.example"]
    page.click("form[action='/blocks/domains/remove'] button")
    page.wait_for_url(f"{site.base}/blocks")
    assert me.api.domain_blocks() == []

    page.goto(f"{site.base}/followed_tags")
    assert tag in page.locator("main").inner_text()
    page.click(f"form[action='/followed_tags/{tag}/unfollow'] button")
    page.wait_for_url(f"{site.base}/followed_tags")
    assert tag not in page.locator("main").inner_text()
    assert me.api.followed_tags() == []

    page.goto(f"{site.base}/settings/profile")
    link = page.locator(".more-links a[href='/follow_requests']")
    assert link.locator(".badge").is_visible()
    link.click()
    row = page.locator(".account-row")
    assert row.locator("bdi").first.inner_text() == "سائل"
    assert fits(page, viewport)
    row.locator("form[action$='/accept'] button").click()
    page.wait_for_url(f"{site.base}/follow_requests")
    assert asker.api.account_relationships(account_id(me))[0]["following"]
    page.goto(f"{site.base}/settings/profile")
    assert page.locator(".more-links a[href='/follow_requests'] .badge").count() == 0
    page.context.close()
