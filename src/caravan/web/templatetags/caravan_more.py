"""What the "Your lists and settings" menu (`caravan/_more_links.html`) needs to know on any page."""

from django import template

from caravan.social.selectors import pending_request_count

register = template.Library()


@register.simple_tag
def pending_follow_requests(viewer) -> int:
    """How many follow requests wait for the signed-in person (0 for a visitor)."""
    return pending_request_count(viewer) if viewer is not None else 0
