from django.apps import AppConfig


class CreditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credit"
    verbose_name = "信用风险分类与信用分析"

    def ready(self):
        from registry import timeline

        from .excel import approved_warnings_workbook
        from .listing_timeline import listing_events, penalty_events, repair_events
        from .publication import register_publication_export
        from .timeline import complaint_events, risk_class_events

        timeline.register(risk_class_events)
        timeline.register(complaint_events)
        for provider in (listing_events, penalty_events, repair_events):
            timeline.register(provider)
        register_publication_export("信用风险提示与合规指引（已审核文本）", approved_warnings_workbook)
