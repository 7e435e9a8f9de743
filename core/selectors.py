"""Reads of the core app: each role's landing figures and job status."""
from django.db.models import Count

from .choices import Role
from .models import Job


def job_for_user(user, job_id: int) -> Job:
    """A job is visible to the user who started it and to administrators."""
    from django.shortcuts import get_object_or_404

    qs = Job.objects.all()
    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        qs = qs.filter(created_by=user)
    return get_object_or_404(qs, pk=job_id)


def count_by(queryset, field: str) -> dict:
    return dict(queryset.order_by().values_list(field).annotate(n=Count("id")))
