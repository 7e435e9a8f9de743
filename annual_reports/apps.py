from django.apps import AppConfig


class AnnualReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annual_reports"
    verbose_name = "年度报告"

    def ready(self):
        from registry import timeline

        from .timeline import annual_report_events

        timeline.register(annual_report_events)
