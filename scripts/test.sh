#!/usr/bin/env bash
# One command for the whole test suite on PostgreSQL and Redis (what CI runs).
source "$(dirname "$0")/_setup.sh"
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/xinyong}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "==> 检查 PostgreSQL 与 Redis"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
  sleep 1
done

echo "==> 浏览器测试所需的 Chromium 与中文字体"
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wqy"; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "缺少 /usr/bin/chromium 或中文字体：请以 root 运行 apt-get install chromium fonts-wqy-microhei" >&2
    exit 1
  fi
fi

echo "==> 运维测试所需的 nginx（检验 deploy/nginx/xinyong.conf）"
if ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  else
    echo "缺少 nginx：请以 root 运行 apt-get install nginx-light" >&2
    exit 1
  fi
fi

echo "==> 代码检查"
ruff check .
python manage.py makemigrations --check --dry-run

echo "==> 运行测试"
if [ $# -gt 0 ]; then
  exec pytest "$@"
fi
# Browser tests (Playwright's event loop), tests that start real workers, and the ops tests that run gunicorn or
# stop Redis each get their own pytest process, apart from the rest.
status=0
pytest -m "not worker and not browser" --ignore=tests/ops || status=$?
pytest -m browser --ignore=tests/ops || { rc=$?; [ $rc -eq 5 ] || status=$rc; }
pytest -m "worker and not browser" --ignore=tests/ops || { rc=$?; [ $rc -eq 5 ] || status=$rc; }
pytest tests/ops || status=$?
exit $status
