"""Everything the platform needs; local / test / production only override."""
from pathlib import Path

from celery.schedules import crontab

from config.env import database_from_url, env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "core",
    "registry",
    "training",
    "credit",
    "inspections",
    "annual_reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.log.RequestLogMiddleware",  # after WhiteNoise: one JSON line per page request, not per static file
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), BASE_DIR / "db.sqlite3")}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_xinyong")}
# A PostgreSQL read replica for the leadership dashboard's reads (core.db_routers.read_from_replica).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(env_str("DATABASE_REPLICA_URL"), BASE_DIR / "db.sqlite3")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password guessing: this many failures for one account (or one address) within the window lock it.
LOGIN_FAILURE_LIMIT = int(env_str("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_MINUTES = int(env_str("LOGIN_FAILURE_WINDOW_MINUTES", "15"))

# Sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = int(env_str("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
# The only language: Django's own texts (admin, form errors) stay Chinese whatever the browser asks for
# (a browser set to English would otherwise get an English admin through LocaleMiddleware).
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# intcomma writes 1,234,567 (Django's zh_Hans has no thousands separator); see config/formats/zh_Hans.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # filled by collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest spreadsheet the import pages accept (bytes).
IMPORT_MAX_UPLOAD_BYTES = int(env_str("IMPORT_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Celery: no broker configured means tasks run in-process (the demo); otherwise Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30 * 60
CELERY_TASK_TIME_LIMIT = 35 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Workers log through LOGGING below (JSON, personal data masked) instead of replacing it with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Processes per worker service; unset: one per CPU core.
CELERY_WORKER_CONCURRENCY = int(env_str("CELERY_WORKER_CONCURRENCY", "0")) or None
# How often beat sends again the jobs that never reached the queue (Redis was down when they were submitted).
JOB_RESEND_INTERVAL = int(env_str("JOB_RESEND_INTERVAL", "60"))
JOB_UNSENT_GRACE_SECONDS = int(env_str("JOB_UNSENT_GRACE_SECONDS", "30"))
# A queued job whose message is older than this is sent again (its message may have been lost with Redis).
JOB_RESEND_AFTER_SECONDS = int(env_str("JOB_RESEND_AFTER_SECONDS", "900"))
CELERY_BEAT_SCHEDULE: dict = {
    "core.jobs_resend": {
        "task": "core.tasks.jobs_resend_task",
        "schedule": JOB_RESEND_INTERVAL,
        "options": {"expires": JOB_RESEND_INTERVAL},  # a worker that was down does not run a backlog of sweeps
    },
}
# 领导驾驶舱 (inspections.tasks.scheduled_rollup_task): the current year rolled up every few minutes during the day,
# every year once at night; a rollup replaces a year's summary rows in one transaction, so an overlap is harmless.
DASHBOARD_ROLLUP_INTERVAL = int(env_str("DASHBOARD_ROLLUP_INTERVAL", "600"))
DASHBOARD_ROLLUP_NIGHT_HOUR = int(env_str("DASHBOARD_ROLLUP_NIGHT_HOUR", "2"))
CELERY_BEAT_SCHEDULE["inspections.rollup_current_year"] = {
    "task": "inspections.tasks.scheduled_rollup_task",
    "schedule": DASHBOARD_ROLLUP_INTERVAL,
    "options": {"expires": DASHBOARD_ROLLUP_INTERVAL},
}
CELERY_BEAT_SCHEDULE["inspections.rollup_all_years"] = {
    "task": "inspections.tasks.scheduled_rollup_task",
    "schedule": crontab(hour=DASHBOARD_ROLLUP_NIGHT_HOUR, minute=30),
    "kwargs": {"full": True},
}
# 行政处罚公示 and 严重违法失信名单: records whose publicity term has run out stop being published, every night.
CELERY_BEAT_SCHEDULE["credit.publicity_terms_end"] = {
    "task": "credit.tasks.publicity_terms_end_task",
    "schedule": crontab(hour=1, minute=10),
}
# 强制注销: member departments whose feedback is overdue are chased every working morning.
CELERY_BEAT_SCHEDULE["registry.dereg_chase_feedback"] = {
    "task": "registry.tasks.dereg_chase_feedback_task",
    "schedule": crontab(hour=8, minute=30, day_of_week="mon-fri"),
}
# 年报: the day after a season's deadline (and every night after, for records added late) its non-filers are handed
# over to the listings workflow, as the season page's button does at once.
CELERY_BEAT_SCHEDULE["annual_reports.hand_over_due"] = {
    "task": "annual_reports.tasks.season_hand_over_due_task",
    "schedule": crontab(hour=1, minute=40),
}
# /healthz: each worker writes a heartbeat this often; it counts as down once its heartbeat is this old.
WORKER_HEARTBEAT_SECONDS = int(env_str("WORKER_HEARTBEAT_SECONDS", "15"))
WORKER_HEARTBEAT_TTL = int(env_str("WORKER_HEARTBEAT_TTL", "60"))

PAGE_SIZE = 50

# Logs go to stderr (journald under systemd): one JSON object per line (LOG_FORMAT=json) or plain text
# (LOG_FORMAT=plain); mobile numbers and ID numbers / credit codes are masked in every message (core.log).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "core.log.MaskPersonalDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own request lines would repeat core.log's (and carry the query string): errors only.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
