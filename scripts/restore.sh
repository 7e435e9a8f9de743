#!/usr/bin/env bash
# 恢复：用 backup.sh 生成的备份替换当前数据库（和上传文件）。先停止网页和后台任务服务！
# Restore: replace the database (and the uploaded files) with a backup made by backup.sh. Stop the services first!
#
#   systemctl stop xinyong-web xinyong-worker xinyong-beat
#   scripts/restore.sh /var/backups/xinyong/xinyong-20261126-023000.dump --yes
#   systemctl start xinyong-web xinyong-worker xinyong-beat
#
# It checks the backup's checksums, drops and re-creates the database named in DATABASE_URL (owned by the
# user in DATABASE_URL), restores the dump into it in one transaction (all or nothing), puts back the uploaded
# files next to the dump (xinyong-….media.tar.gz) into MEDIA_ROOT, and applies any newer migrations.
# Dropping and creating a database needs a PostgreSQL superuser: RESTORE_ADMIN_URL (default: the postgres
# database on the same server as the postgres user, e.g. postgres://postgres@127.0.0.1:5432/postgres; run as
# root or the postgres user, or put its password in the URL).
set -euo pipefail

usage() { echo "用法：$0 备份文件.dump --yes   （会删除并重建 DATABASE_URL 指向的数据库）" >&2; exit 2; }
DUMP=${1:-}
[ -n "$DUMP" ] && [ -f "$DUMP" ] || usage
[ "${2:-}" = "--yes" ] || usage
: "${DATABASE_URL:?需要设置 DATABASE_URL（见 /etc/xinyong/xinyong.env）}"
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$APP_DIR/.venv/bin/python}

# The database name and owner, and the maintenance URL, from DATABASE_URL.
read -r DBNAME DBUSER ADMIN_DEFAULT < <(python3 - "$DATABASE_URL" <<'PY'
import sys
from urllib.parse import unquote, urlparse
u = urlparse(sys.argv[1])
host = u.hostname or "127.0.0.1"
port = u.port or 5432
print(unquote(u.path.lstrip("/")), unquote(u.username or "postgres"), f"postgres://postgres@{host}:{port}/postgres")
PY
)
ADMIN_URL=${RESTORE_ADMIN_URL:-$ADMIN_DEFAULT}
BASE=${DUMP%.dump}
MEDIA_TAR="$BASE.media.tar.gz"

if [ -f "$BASE.sha256" ]; then
  echo "==> 校验备份文件"
  (cd "$(dirname "$DUMP")" && sha256sum --quiet --check "$(basename "$BASE").sha256")
fi
pg_restore --list "$DUMP" >/dev/null

echo "==> 删除并重建数据库 $DBNAME（所有者 $DBUSER）"
psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -q \
  -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DBNAME\" OWNER \"$DBUSER\" ENCODING 'UTF8' TEMPLATE template0"

echo "==> 恢复数据库（单个事务，出错则整体不恢复）"
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname "$DATABASE_URL" "$DUMP"

if [ -f "$MEDIA_TAR" ] && [ -n "${MEDIA_ROOT:-}" ]; then
  echo "==> 恢复上传文件到 $MEDIA_ROOT"
  mkdir -p "$MEDIA_ROOT"
  find "$MEDIA_ROOT" -mindepth 1 -delete
  tar -C "$MEDIA_ROOT" -xzf "$MEDIA_TAR"
fi

if [ -x "$PYTHON" ]; then
  echo "==> 应用新版本的数据库迁移（若有）"
  (cd "$APP_DIR" && "$PYTHON" manage.py migrate --noinput)
fi
echo "==> 恢复完成。请启动服务：systemctl start xinyong-web xinyong-worker xinyong-beat"
