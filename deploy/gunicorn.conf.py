"""gunicorn settings of the web service (deploy/systemd/xinyong-web.service).

Every value can be changed in the EnvironmentFile (/etc/xinyong/xinyong.env) without editing this file.
nginx in front buffers uploads and slow clients, so plain synchronous workers are enough.
"""
import multiprocessing
import os

# nginx on the same server proxies to this address; for several application servers bind a LAN address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 × cores + 1 is gunicorn's rule of thumb; each worker holds one PostgreSQL connection.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Long enough for the largest import upload to be saved and for an .xlsx export of the whole register.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never grows; the jitter keeps them from restarting together.
max_requests = 2000
max_requests_jitter = 200
# Each request is logged as one JSON line by core.log.RequestLogMiddleware: no separate access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from nginx on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
worker_tmp_dir = "/dev/shm"
proc_name = "xinyong-web"
