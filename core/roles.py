"""The role groups and the permissions each carries; created after every migrate, idempotently."""
from django.contrib.auth.models import Group, Permission

from .choices import Role

# Django permissions ("app_label.codename") granted to each role's group.
ROLE_PERMISSIONS = {
    Role.ADMIN: ["registry.view_entity_phone"],
    Role.LEADER: [],
    Role.SECTION: ["registry.view_entity_phone"],
    Role.OFFICE: ["registry.view_entity_phone"],
    Role.DISCIPLINE: [],
}


def ensure_roles() -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                group.permissions.add(perm)


def _after_migrate(sender, **kwargs):
    ensure_roles()
