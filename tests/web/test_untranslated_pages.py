"""Every page a person reaches from the navigation and the settings tabs reads in Arabic, as `caravan serve`
renders it for someone with data (posts, notifications, an import with a report, an alias for a Move).

The visible text is read without people's own words (post content, names and handles in `<bdi>`, code, the
values typed in fields, anything in another language's `lang`), and the test fails listing the Latin words
left: each is a message nobody translated. Pages other parts add to the navigation are visited too.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.web.served import DESKTOP, unique, wait_until
from tests.web.test_untranslated_sources import ALLOWED_WORDS, LATIN_WORD

pytestmark = pytest.mark.browser

# The text a person sees or hears on the page, without their own words and others' (see the module docstring).
SHOWN_TEXT = """() => {
  const userContent = (element) => {
    if (!element) return false;
    if (element.closest('.content, .media, bdi, code, pre, script, style, noscript, textarea, datalist, .handle, [translate=no]')) return true;
    const tagged = element.closest('[lang]');
    return tagged !== null && !tagged.getAttribute('lang').toLowerCase().startsWith('ar');
  };
  const shown = (element) => element.checkVisibility ? element.checkVisibility() : true;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || userContent(parent)) continue;
    // Text of closed <details> is not rendered yet but is read once opened: keep it.
    if (!shown(parent) && !parent.closest('details')) continue;
    found.push(node.textContent);
  }
  for (const element of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type=submit][value]')) {
    if (userContent(element)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      // A left-to-right field's placeholder shows the format it takes (a domain, a zone name), not a sentence.
      if (name === 'placeholder' && element.getAttribute('dir') === 'ltr') continue;
      if (element.getAttribute(name)) found.push(element.getAttribute(name));
    }
    if (element.matches('input[type=submit]')) found.push(element.value);
  }
  found.push(document.title);
  return found;
}"""
NOT_VISITED = ("/auth/sign_out", "/settings/export/")


def latin_words(texts: list[str], names: set[str]) -> list[str]:
    """The Latin words left once addresses, paths, handles, hashtags, isolated text (U+2068...U+2069: what a message
    quotes from elsewhere) and people's `names` (in page titles, which cannot mark them) are taken out."""
    words = []
    for text in texts:
        text = re.sub(r"\u2068[^\u2069]*\u2069|https?://\S+|\S*@\S+|#\w+|(?<!\w)/[\w/.-]+|\d+", " ", text)
        words += [
            word
            for word in LATIN_WORD.findall(text)
            if word not in ALLOWED_WORDS and word not in names and len(word) > 1
        ]
    return words


def _people_with_data(site):
    """Nadia (the reader, an admin: the moderation and administration pages are read too) with posts,
    followers, notifications, bookmarks; Omar who follows and talks to her."""
    nadia, omar = site.admin(unique("nadia")), site.person(unique("omar"))
    omar_id = omar.api.account_verify_credentials()["id"]
    nadia_id = nadia.api.account_verify_credentials()["id"]
    omar.api.account_follow(nadia_id)
    nadia.api.account_follow(omar_id)
    post = nadia.api.status_post("Hello from the old place #moving", spoiler_text="Travel notes")
    nadia.api.status_post("A poll in English", poll=nadia.api.make_poll(["Yes please", "No thanks"], 3600))
    reply = omar.api.status_post(f"@{nadia.username} welcome here", in_reply_to_id=post["id"])
    omar.api.status_favourite(post["id"])
    omar.api.status_reblog(post["id"])
    nadia.api.status_bookmark(reply["id"])
    wait_until(lambda: len(nadia.api.notifications()) >= 3)
    return nadia, omar, post


def _import_with_report(page, site) -> str:
    """A blocks CSV with a line that is no address and an account that does not exist: two problems."""
    page.goto(f"{site.base}/settings/import")
    page.select_option("#kind", "blocks")
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "blocked_accounts.csv",
                "mimeType": "text/csv",
                "buffer": b"not a handle\nghost_nobody_here\n",
            }
        ],
    )
    page.click("main form button[type=submit]")
    page.wait_for_url("**/settings/import/*")
    job = page.url
    wait_until(lambda: page.goto(job) and page.locator("ul.report li").count() >= 2)
    return urlsplit(job).path


def test_every_page_reads_in_arabic(site, chromium):
    nadia, omar, post = _people_with_data(site)
    page = site.page(chromium, nadia, locale="ar", viewport=DESKTOP)
    job = _import_with_report(page, site)
    page.goto(f"{site.base}/settings/migration")  # an alias: the first step of moving an account here
    page.fill("#uri", f"{site.base}/users/{omar.username}")
    page.click("main form:has(#uri) button[type=submit]")
    page.wait_for_load_state()

    names = set(LATIN_WORD.findall(f"{nadia.username} {omar.username}"))
    found: dict[str, list[str]] = {}
    visited: set[str] = set()
    queue = ["/home", "/settings/profile", f"/@{nadia.username}/{post['id']}", job, "/compose", "/about"]
    queue += ["/settings/import/people", f"/@{omar.username}", "/tags/moving", "/search?q=hello"]
    queue += ["/about/moderation", "/privacy-policy", "/terms", "/bookmarks", "/favourites"]
    while queue:
        path = queue.pop(0)
        if path in visited:
            continue
        visited.add(path)
        response = page.goto(f"{site.base}{path}")
        assert response.status < 500, path
        words = latin_words(page.evaluate(SHOWN_TEXT), names)
        if words:
            found[path] = sorted(set(words))
        if path in ("/home", "/settings/profile", "/admin", "/moderation/reports"):  # navigation and tabs
            for href in page.eval_on_selector_all(
                "nav a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
            ):
                if not href.startswith(NOT_VISITED) and "lang=" not in href:
                    queue.append(href)
    page.context.close()
    assert len(visited) >= 20, visited
    wanted = {"/notifications", "/settings/import", "/settings/migration", "/settings/preferences", "/pacts"}
    assert wanted | {"/campaigns", "/public/local", "/admin", "/moderation/reports"} <= visited, visited
    assert not found, "Latin words on Arabic pages:\n" + "\n".join(
        f"{p}: {' '.join(w)}" for p, w in found.items()
    )
