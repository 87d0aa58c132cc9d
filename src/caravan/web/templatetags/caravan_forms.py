"""Form fields tied to their errors for assistive technology: `<input ...{{ form.name|error_attrs }}>` marks a
field with errors `aria-invalid` and points `aria-describedby` at the errors, which `_errors.html` renders
with the matching id (`{% include "caravan/_errors.html" with errors=form.name.errors id=form.name|error_id %}`).
"""

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def error_id(field: BoundField) -> str:
    return f"{field.auto_id or field.html_name}_error"


@register.filter
def error_attrs(field: BoundField) -> SafeString:
    if not field.errors:
        return mark_safe("")  # noqa: S308 - a constant
    return format_html(' aria-invalid="true" aria-describedby="{}"', error_id(field))
