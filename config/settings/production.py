"""Production on the bureau's intranet: secrets from the environment, hardened cookies."""
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_str

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only") or "CHANGE-ME" in SECRET_KEY:  # the examples' value
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 设置密钥（至少 50 个随机字符）。")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitoring may probe gunicorn directly over http on the loopback
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
