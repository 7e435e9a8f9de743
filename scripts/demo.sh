#!/usr/bin/env bash
# One command for a newcomer: install, create the demo district, start the app.
# Without DATABASE_URL the data lives in db.sqlite3; without CELERY_BROKER_URL jobs run in-process.
source "$(dirname "$0")/_setup.sh"
PORT=${PORT:-8000}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-2023}
DEMO_ENTITIES=${DEMO_ENTITIES:-40000}
echo "==> 迁移数据库"
python manage.py migrate --noinput -v0
echo "==> 生成泉港区演示数据（${DEMO_ENTITIES} 户市场主体，可重复运行）"
python manage.py seed_demo --entities "$DEMO_ENTITIES" --password "$DEMO_PASSWORD"
cat <<MSG

==============================================================
 信用监管平台已启动： http://127.0.0.1:${PORT}/
 演示账号（密码均为 ${DEMO_PASSWORD}）：
   admin       系统管理员（超级用户，含 /admin/ 系统管理）
   leader      局领导
   credit      信用监管股（全区）
   office      市场监管所人员（仅本所）
   discipline  纪检监察
 按 Ctrl+C 停止。
==============================================================
MSG
exec python manage.py runserver "0.0.0.0:${PORT}"
