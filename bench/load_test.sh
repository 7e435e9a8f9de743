#!/usr/bin/env bash
# Load test: 50 concurrent users through nginx (deploy/nginx/xinyong.conf, https) to gunicorn with production
# settings (deploy/gunicorn.conf.py, WhiteNoise, JSON request logs), on a database seeded with
# `manage.py seed_demo --entities 40000`; wrk on the loopback, bounded in time. Prints p50/p95/p99 latency, throughput and errors per page, and writes bench/out/load_test.md.
#
#   bash bench/load_test.sh       # per page: 10 s of one user, 30 s of 50 users clicking without pause,
#                                 # 30 s of 50 users with ~5 s between clicks (about 4 minutes in all)
#   LOAD_SECONDS=20 LOAD_CONNECTIONS=50 LOAD_THINK_MS=5000 GUNICORN_WORKERS=5 bash bench/load_test.sh
#
# Uses its own database (xinyong_bench_load: created, migrated and seeded on the first run, kept afterwards) and
# needs wrk and nginx (Debian: apt-get install wrk nginx-light). Each request is a logged-in district-wide user (股室人员, "credit"). Two
# scenarios per page: no think time (50 connections = 50 users clicking without pause, the worst case) and a think
# time of LOAD_THINK_MS (uniform between half and 1.5 times), closer to 50 people at their desks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
SECONDS_PER_PAGE=${LOAD_SECONDS:-30}
CONNECTIONS=${LOAD_CONNECTIONS:-50}
THREADS=${LOAD_THREADS:-2}
THINK_MS=${LOAD_THINK_MS:-5000}
BASELINE_SECONDS=${LOAD_BASELINE_SECONDS:-10}
ENTITIES=${LOAD_ENTITIES:-40000}
SERVER=${LOAD_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
DB=xinyong_bench_load
PORT=${LOAD_PORT:-18731}
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "需要 wrk：apt-get install wrk" >&2; exit 1; }
command -v nginx >/dev/null || { echo "需要 nginx：apt-get install nginx-light" >&2; exit 1; }

STATE=$(mktemp -d)
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY=${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')}
export DATABASE_URL="$SERVER/$DB"
export ALLOWED_HOSTS=xinyong.qg.local,127.0.0.1
export STATIC_ROOT="$STATE/static" MEDIA_ROOT="$STATE/media"
export GUNICORN_BIND=127.0.0.1:$PORT
export LOG_FORMAT=json LOG_LEVEL=INFO
unset CELERY_BROKER_URL  # the pages measured queue no job

if ! psql "$SERVER/postgres" -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  psql "$SERVER/postgres" -Xqc "CREATE DATABASE $DB"
fi
"$PY" manage.py migrate --noinput -v0
have=$(psql "$DATABASE_URL" -XAtqc "SELECT count(*) FROM registry_marketentity")
if [ "$have" -lt "$ENTITIES" ]; then
  echo "==> seed_demo --entities $ENTITIES（首次运行需要几分钟）"
  "$PY" manage.py seed_demo --entities "$ENTITIES" --password load-test-2026 | tail -3
fi
# The dashboard reads only its summary tables: roll them up once, as Celery beat would (seconds at this size).
"$PY" manage.py rollup_kpis --full -v0
psql "$DATABASE_URL" -Xqc "VACUUM ANALYZE" >/dev/null
"$PY" manage.py collectstatic --noinput -v0

# A logged-in session for the district-wide section user, as the browser would hold after logging in.
export LOAD_SESSION=$("$PY" manage.py shell -c "
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username='credit')
s = SessionStore()
s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), 'django.contrib.auth.backends.ModelBackend'
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(s.session_key)" | tail -1)
export LOAD_HOST=xinyong.qg.local

.venv/bin/gunicorn --config deploy/gunicorn.conf.py config.wsgi:application >"$STATE/gunicorn.log" 2>&1 &
GPID=$!
# nginx in front, with the documented site file (deploy/nginx/xinyong.conf): TLS, buffering, keep-alive to wrk.
NGINX_CONF=$("$PY" -m tests.ops.nginx_conf "$STATE/nginx" --http-port "$((PORT + 1))" --https-port "$((PORT + 2))" \
             --upstream "127.0.0.1:$PORT")
nginx -c "$NGINX_CONF" &
NPID=$!
cleanup() {
  kill "$NPID" "$GPID" 2>/dev/null || true
  wait "$NPID" "$GPID" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT
BASE="https://127.0.0.1:$((PORT + 2))"
for _ in $(seq 1 50); do
  curl -kfs -o /dev/null -H "Host: $LOAD_HOST" "$BASE/healthz" && break
  sleep 0.2
done
WORKERS=$(pgrep -P "$GPID" | wc -l)


# page label | path
PAGES=(
  "市场主体名录（全区第 1 页）|/registry/entities/"
  "市场主体名录（存续 + 企业 筛选）|/registry/entities/?status=active&entity_type=enterprise"
  "首页|/"
  "领导驾驶舱（读汇总表）|/inspections/dashboard/"
)
REPORT="$OUT/load_test.md"
{
  echo "| 页面 | 场景 | 请求数 | 吞吐（次/秒） | p50 (ms) | p95 (ms) | p99 (ms) | 最大 (ms) | 错误率 | CPU/请求 (ms) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$REPORT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for entry in "${PAGES[@]}"; do
  label=${entry%%|*}; path=${entry#*|}
  code=$(curl -ks -o /dev/null -w '%{http_code}' -H "Host: $LOAD_HOST" -H "Cookie: sessionid=$LOAD_SESSION" \
         "$BASE$path")
  [ "$code" = 200 ] || { echo "$path 返回 $code（应为 200：会话无效？）" >&2; exit 1; }
  # One user alone (the service time), users clicking without pause (the worst case), users who read each page.
  for run in "1:0:$BASELINE_SECONDS" "$CONNECTIONS:0:$SECONDS_PER_PAGE" "$CONNECTIONS:$THINK_MS:$SECONDS_PER_PAGE"; do
    IFS=: read -r users think duration <<<"$run"
    if [ "$users" = 1 ]; then scenario="1 个用户（基线）"
    elif [ "$think" = 0 ]; then scenario="$users 用户连续点击"
    else scenario="$users 用户，每次间隔约 $((think / 1000)) 秒"; fi
    echo "==> $label  $path  ($scenario, $duration 秒)"
    # CPU time of the gunicorn workers and the database's backends during the run (bench/load_test_cpu.py).
    "$PY" bench/load_test_cpu.py "$GPID" "$DATABASE_URL" >"$STATE/cpu" &
    SPID=$!
    line=$(LOAD_THINK_MS=$think wrk -t"$([ "$users" = 1 ] && echo 1 || echo "$THREADS")" -c"$users" \
           -d"${duration}s" --timeout 10s -s bench/load_test.lua "$BASE$path" | grep '^RESULT')
    kill -TERM "$SPID" && wait "$SPID"
    used=$(cat "$STATE/cpu")
    echo "    $line cpu_ms=$used"
    eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
    rate=$("$PY" -c "print(f'{100 * $r_errors / max($r_requests, 1):.2f} %')")
    per=$("$PY" -c "print(round($used / max($r_requests, 1), 1))")
    echo "| $label | $scenario | $r_requests | $r_rps | $r_p50_ms | $r_p95_ms | $r_p99_ms | $r_max_ms | $rate | $per |" \
      >>"$REPORT"
  done
done
{
  echo
  echo "wrk → nginx（deploy/nginx/xinyong.conf，https，1 个 worker 进程）→ gunicorn：$WORKERS 个同步 worker（deploy/gunicorn.conf.py），生产设置；wrk：$THREADS 线程、$CONNECTIONS 个连接，每个场景 $SECONDS_PER_PAGE 秒（基线 $BASELINE_SECONDS 秒）；"
  echo "数据库 $DB（seed_demo --entities $ENTITIES）；$(nproc) 核，wrk 与 gunicorn、PostgreSQL 在同一台机器上；"
  echo "机器负载（1/5/15 分钟平均）：开始时 $LOAD_BEFORE，结束时 $(cut -d' ' -f1-3 /proc/loadavg)。"
  echo "CPU/请求：gunicorn worker 与该库 PostgreSQL 后端进程消耗的 CPU 时间之和除以请求数（不含 nginx 和 wrk）。"
} >>"$REPORT"
echo
cat "$REPORT"
