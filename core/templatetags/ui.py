"""Small template helpers shared by every list page."""
from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sort_th(label: str, key: str, current: str, query: str):
    """A sortable column header: click once ascending, again descending; shows the current direction."""
    ascending = current == key
    descending = current == f"-{key}"
    target = f"-{key}" if ascending else key
    arrow = " ▲" if ascending else " ▼" if descending else ""
    aria = "ascending" if ascending else "descending" if descending else "none"
    prefix = f"?{query}&" if query else "?"
    return format_html('<th aria-sort="{}"><a href="{}sort={}">{}{}</a></th>', aria, prefix, target, label, arrow)
