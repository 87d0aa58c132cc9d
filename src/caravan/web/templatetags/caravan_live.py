"""What `live.js` needs from the page: the streams it shows and its few words, in the reader's language with
every plural form (Arabic has six), so the script picks a form with `Intl.PluralRules` and inserts only text."""

import json

from django import template
from django.utils.translation import ngettext

register = template.Library()

# A number in each CLDR plural category; gettext's forms for en and ar fall on the same numbers.
CATEGORY_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def live_words() -> dict[str, dict[str, str]]:
    """{kind: {CLDR category: the translated form with "%(count)s" left in}}; literal ngettext calls, so that
    makemessages finds them."""
    samples = CATEGORY_SAMPLES.items()
    return {
        "posts": {c: ngettext("Show %(count)s new post", "Show %(count)s new posts", n) for c, n in samples},
        "notifications": {
            c: ngettext("Show %(count)s new notification", "Show %(count)s new notifications", n)
            for c, n in samples
        },
        "unread": {
            c: ngettext("%(count)s unread notification", "%(count)s unread notifications", n)
            for c, n in samples
        },
    }


@register.simple_tag(takes_context=True)
def live_config(context) -> str:
    """JSON for `live.js`'s `data-live` attribute (escaped there like any text; no inline script, so the pages
    keep to scripts from /static/): `streams` (what this page shows, [] for none), `types` and `words`."""
    config = {
        "streams": list(context.get("live_streams") or []),
        "types": list(context.get("live_types") or []),  # the notifications a filtered page shows
        "words": live_words(),
    }
    return json.dumps(config, ensure_ascii=False)
