"""What the admin dashboard (a web page) shows of federation's inbox queue, without the web face importing it."""

from django import template

from caravan.federation.inbox import set_aside_items

register = template.Library()


@register.simple_tag
def set_aside_count() -> int:
    return set_aside_items().count()
