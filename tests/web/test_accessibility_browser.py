"""The main pages have no serious or critical accessibility problems that axe-core finds (labels, names of
buttons and links, landmarks, contrast in the light and the dark scheme, language and direction), in English
and Arabic, on a desktop and a phone, as `caravan serve` renders them.

axe-core comes from npm at the version in tests/web/axe/package-lock.json (`scripts/test` installs it).
"""

from pathlib import Path

import pytest

from tests.web.served import LOOK_IDS, LOOKS, unique, wait_until

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SIGNED_OUT_PAGES = ["/auth/sign_in", "/auth/sign_up", "/about", "/public"]
SERIOUS = ("serious", "critical")
RUN_AXE = """async (rules) => {
  const options = rules ? {runOnly: {type: 'rule', values: rules}} : {resultTypes: ['violations']};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(0, 2).join(' '))
  }));
}"""


@pytest.fixture(scope="module")
def people(site):
    """Layla, who posted and was answered, favourited and followed (a notification), and Karim who answered."""
    layla, karim = site.person(unique("layla")), site.person(unique("karim"))
    layla_id = layla.api.account_verify_credentials()["id"]
    karim.api.account_follow(layla_id)
    post = layla.api.status_post("A first post with a #tag", spoiler_text="")
    karim.api.status_post(f"@{layla.username} welcome", in_reply_to_id=post["id"])
    karim.api.status_favourite(post["id"])
    wait_until(lambda: len(layla.api.notifications()) >= 2)
    return layla, karim, post


def _problems(page, base: str, path: str) -> list[str]:
    """The serious and critical violations on `path`: all rules in the light scheme, then the contrast again in
    the dark one (the same page, its media queries switched)."""
    page.emulate_media(color_scheme="light")
    response = page.goto(f"{base}{path}")
    assert response.status < 400, (path, response.status)
    page.add_script_tag(path=str(AXE))
    found = []
    for scheme, rules in (("light", None), ("dark", ["color-contrast"])):
        page.emulate_media(color_scheme=scheme)
        for violation in page.evaluate(RUN_AXE, rules):
            if violation["impact"] in SERIOUS:
                found.append(f"{path} ({scheme}) {violation['id']}: {violation['help']} {violation['nodes']}")
    return found


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_main_pages_have_no_serious_accessibility_problems(site, chromium, people, locale, viewport):
    assert AXE.exists(), "axe-core is not installed: npm ci --prefix tests/web/axe (scripts/test does it)"
    layla, karim, post = people
    problems = []
    visitor = site.page(chromium, locale=locale, viewport=viewport)
    for path in SIGNED_OUT_PAGES:
        problems += _problems(visitor, site.base, path)
    visitor.context.close()

    page = site.page(chromium, layla, locale=locale, viewport=viewport)
    signed_in = [
        "/home",
        f"/@{karim.username}",
        f"/@{layla.username}/{post['id']}",
        "/notifications",
        "/search?q=tag",
        "/settings/preferences",
        "/compose",
        "/public/local",
    ]
    for path in signed_in:
        problems += _problems(page, site.base, path)
    page.context.close()
    assert not problems, "\n".join(problems)
