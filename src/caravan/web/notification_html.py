"""What a notification says ("Layla and 2 others favourited your post"), written in Python like the post card
(`web.post_html`, decision 0041): a page shows forty, and the template's chain of conditions and
`blocktranslate` blocks cost more than the rest of a row. The msgids are the template's; values are escaped."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from caravan.web import display
from caravan.web.post_html import say
from caravan.web.templatetags.caravan_text import isolate


def _campaign(notification) -> str:
    link = f"/campaigns/{int(notification.subject_id or 0)}"
    if notification.detail == "target_met":
        link, words = f"{link}/move", gettext("A campaign you are in has met its target: time to move")
    elif notification.detail == "starter_invite":
        words = gettext("You were asked to be on a campaign's starter list")
    elif notification.detail == "approved":
        words = gettext("Your campaign was approved")
    elif notification.detail == "rejected":
        return escape(gettext("Your campaign was not approved"))
    else:
        words = gettext("News of a campaign you are in")
    return f'<a href="{link}">{escape(words)}</a>'


def _pact(notification, name: str) -> str:
    if notification.detail == "met":
        words = escape(gettext("A pact you are in was met: follow each other"))
    elif notification.detail == "ended":
        words = escape(gettext("A pact you are in has ended: see how far it got"))
    else:
        words = say(gettext("<bdi>%(name)s</bdi> counts you in a pact: see how close it is"), name=name)
    return f'<a href="/pacts/{int(notification.subject_id or 0)}">{words}</a>'


def _grouped(kind: str, name: str, path: str, others: int) -> str | None:
    """The sentence for a group of several people, or None for a kind that does not group."""
    if kind == "reblog":
        text = ngettext(
            '<a href="%(path)s">%(name)s</a> and %(counter)s other boosted your post',
            '<a href="%(path)s">%(name)s</a> and %(counter)s others boosted your post',
            others,
        )
    elif kind == "favourite":
        text = ngettext(
            '<a href="%(path)s">%(name)s</a> and %(counter)s other favourited your post',
            '<a href="%(path)s">%(name)s</a> and %(counter)s others favourited your post',
            others,
        )
    elif kind == "follow":
        text = ngettext(
            '<a href="%(path)s">%(name)s</a> and %(counter)s other followed you',
            '<a href="%(path)s">%(name)s</a> and %(counter)s others followed you',
            others,
        )
    else:
        return None
    return text % {
        "path": escape(path),
        "name": isolate(name),
        "counter": escape(display.shown_digits(others)),
    }


def notification_line(notification, others: int = 0) -> SafeString:
    """The sentence of a notification row; `others` is how many more people its group holds."""
    account = notification.from_account
    name, path = account.name, account.profile_path
    kind = notification.type
    if others and (line := _grouped(kind, name, path, others)) is not None:
        return mark_safe(line)  # noqa: S308 - values escaped above
    if kind == "mention":
        line = say(gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> mentioned you'), path=path, name=name)
    elif kind == "reblog":
        line = say(
            gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> boosted your post'), path=path, name=name
        )
    elif kind == "favourite":
        line = say(
            gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> favourited your post'), path=path, name=name
        )
    elif kind == "follow":
        line = say(gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> followed you'), path=path, name=name)
    elif kind == "follow_request":
        asked = say(
            gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> asked to follow you'), path=path, name=name
        )
        requests = escape(gettext("Follow requests"))
        line = f'{asked} · <a href="/follow_requests">{requests}</a>'
    elif kind == "moderation_warning":
        words = escape(gettext("The moderators took a decision about your account"))
        line = f'<a href="/notices/{int(notification.moderation_action_id or 0)}">{words}</a>'
    elif kind == "moderation_appeal":
        words = escape(gettext("News about your appeal"))
        line = f'<a href="/notices/{int(notification.moderation_action_id or 0)}/appeal">{words}</a>'
    elif kind == "caravan.campaign":
        line = _campaign(notification)
    elif kind == "caravan.pact":
        line = _pact(notification, name)
    elif kind == "poll":
        line = escape(gettext("A poll has ended"))
    elif kind == "update":
        line = say(
            gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> edited a post you boosted'),
            path=path,
            name=name,
        )
    elif kind == "status":
        line = say(gettext('<a href="%(path)s"><bdi>%(name)s</bdi></a> posted'), path=path, name=name)
    else:
        line = f'<a href="{escape(path)}"><bdi>{escape(name)}</bdi></a>'
    return mark_safe(line)  # noqa: S308 - every value escaped above
