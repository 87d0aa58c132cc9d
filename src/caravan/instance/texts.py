"""The server's published texts (privacy policy, terms of service, the long description) as HTML: the admin
writes plain text, paragraphs split by blank lines; everything is escaped and only bare web links become links."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.html import escape, urlize
from django.utils.translation import gettext as _

from caravan.instance.models import InstanceSettings


@dataclass(frozen=True)
class PublishedText:
    html: str
    updated_at: datetime | None
    effective_date: date | None = None


def render_plain_text(text: str) -> str:
    """Paragraphs of escaped text with line breaks kept; http(s) links made clickable (`nofollow`)."""
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        html = urlize(escape(paragraph), nofollow=True, autoescape=False)
        rendered.append("<p>" + html.replace("\n", "<br>") + "</p>")
    return "".join(rendered)


def default_privacy_policy() -> str:
    """What a server whose admin wrote no policy says (Mastodon ships a default too), in the reader's language."""
    return "\n\n".join(
        [
            _(
                "This server keeps what you give it to run your account: your email address, your password (hashed), "
                "your profile, your posts and media, the people you follow and the settings you choose."
            ),
            _(
                "Public and unlisted posts are visible to anyone and are sent to the servers of your followers. "
                "Followers-only and direct posts are shown only to the people they are meant for, but the servers "
                "that receive them keep copies."
            ),
            _(
                "There is no tracking and no advertising. Uploaded images lose their metadata (such as location)."
            ),
            _(
                "You can export your data at any time, and deleting your account removes your content here and asks "
                "other servers to remove their copies."
            ),
        ]
    )


def privacy_policy(instance: InstanceSettings) -> PublishedText:
    text = instance.privacy_policy or default_privacy_policy()
    return PublishedText(render_plain_text(text), instance.privacy_policy_updated_at or instance.updated_at)


def terms_of_service(instance: InstanceSettings) -> PublishedText | None:
    """None when the server publishes no terms."""
    if not instance.terms_of_service:
        return None
    return PublishedText(
        render_plain_text(instance.terms_of_service),
        instance.terms_updated_at or instance.updated_at,
        instance.terms_effective_date,
    )


def extended_description(instance: InstanceSettings) -> PublishedText:
    return PublishedText(render_plain_text(instance.description), instance.updated_at)
