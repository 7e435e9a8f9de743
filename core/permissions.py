"""Who may use what: one predicate per capability, used by navigation, views and tests alike."""
from functools import wraps

from django.core.exceptions import PermissionDenied

from .choices import Role


def can_view_entities(user) -> bool:
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_import_entities(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN))


def can_view_phone(user) -> bool:
    return user.is_authenticated and user.has_perm("registry.view_entity_phone")


def require(predicate):
    """View decorator: a user without the capability gets 403 (records of another office answer 404)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied("您的角色无权使用此功能。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
