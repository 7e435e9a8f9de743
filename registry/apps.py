from django.apps import AppConfig


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registry"
    verbose_name = "市场主体名录"

    def ready(self):
        from . import timeline
        from .supervision_timeline import supervision_events

        timeline.register(supervision_events)
