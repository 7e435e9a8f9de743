"""Dates that staff record for something that has happened (a decision, a filing, a visit)."""
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone


def recorded_date(value: date | None, label: str, *, not_before: date | None = None,
                  not_before_label: str = "") -> date:
    """The date itself when it is given, not in the future and not before ``not_before``; else a Chinese error."""
    if value is None:
        raise ValidationError(f"请填写{label}。")
    if value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    if not_before is not None and value < not_before:
        raise ValidationError(f"{label}不能早于{not_before_label}（{not_before.isoformat()}）。")
    return value
