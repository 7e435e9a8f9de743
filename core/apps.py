from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "机构、人员与系统"

    def ready(self):
        from .roles import _after_migrate

        post_migrate.connect(_after_migrate, dispatch_uid="core.ensure_roles")
