"""The Celery app: sampling draws, imports and KPI rollups run here, with the one beat schedule."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("xinyong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
