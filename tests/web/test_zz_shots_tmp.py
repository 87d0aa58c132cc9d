import pytest
from tests.web.served import DESKTOP, PHONE, unique
pytestmark = pytest.mark.browser

def test_shots(site, chromium):
    a, b = site.person(unique("ann")), site.person(unique("bo"))
    p = a.api.status_post("hello there, a post with a poll", poll=a.api.make_poll(["yes", "no"], expires_in=3600))
    b.api.status_post(f"@{a.username} a reply", in_reply_to_id=p["id"])
    for loc, vp in (("en", DESKTOP), ("ar", PHONE)):
        page = site.page(chromium, a, locale=loc, viewport=vp)
        page.goto(f"{site.base}/@{a.username}/{p['id']}")
        page.locator("article.post.focus details.post-more > summary").click()
        page.screenshot(path=f"/tmp/phone/thread-{loc}.png", full_page=False)
        page.goto(f"{site.base}/compose")
        page.screenshot(path=f"/tmp/phone/compose-{loc}.png", full_page=False)
        page.goto(f"{site.base}/posts/{p['id']}/delete")
        page.screenshot(path=f"/tmp/phone/confirm-{loc}.png", full_page=True)
        page.context.close()
