from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inspections"
    verbose_name = "双随机、一公开"

    def ready(self):
        from registry import timeline

        from .timeline import check_events

        timeline.register(check_events)
