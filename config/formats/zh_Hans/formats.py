"""Number formats for the bureau's pages: Django's zh_Hans has no thousands separator (THOUSAND_SEPARATOR = "")
and groups by four; official statistics in the bureau's reports write 1,234,567, so intcomma and
localised numbers use a comma every three digits. Everything else falls back to Django's zh_Hans formats."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
