"""Development and the demo: debug on unless told otherwise."""
from config.env import env_bool, env_str

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DEBUG", True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Static files come from the app directories (runserver / the live test server); WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]
# Plain one-line logs on a developer's console (production writes JSON lines).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
# The SQLite demo ignores the covering indexes' INCLUDE columns (an optimisation for PostgreSQL only).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
