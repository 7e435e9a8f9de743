#!/usr/bin/env bash
# 备份：数据库（pg_dump 自定义格式）和上传文件（MEDIA_ROOT），放在 BACKUP_DIR，保留 BACKUP_KEEP_DAYS 天。
# Backup: the database (pg_dump custom format) and the uploaded files, into BACKUP_DIR, kept BACKUP_KEEP_DAYS days.
#
#   scripts/backup.sh                 # reads DATABASE_URL, MEDIA_ROOT, BACKUP_DIR, BACKUP_KEEP_DAYS
#
# Each run writes three files with the same time stamp, e.g. for 2026-11-26 02:30:
#   xinyong-20261126-023000.dump           the database (restore with scripts/restore.sh)
#   xinyong-20261126-023000.media.tar.gz   the uploaded files (import files, training materials)
#   xinyong-20261126-023000.sha256         checksums of both, checked by restore.sh
# The web site keeps running during a backup: pg_dump reads one consistent snapshot of the database.
# Run nightly by deploy/systemd/xinyong-backup.timer; copy BACKUP_DIR to another machine as well.
set -euo pipefail

: "${DATABASE_URL:?需要设置 DATABASE_URL（见 /etc/xinyong/xinyong.env）}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/xinyong}
KEEP_DAYS=${BACKUP_KEEP_DAYS:-30}
STAMP=${BACKUP_STAMP:-$(date +%Y%m%d-%H%M%S)}
NAME="xinyong-$STAMP"

umask 077
mkdir -p "$BACKUP_DIR"
cd "$BACKUP_DIR"
trap 'rm -f "$NAME.dump.partial" "$NAME.media.tar.gz.partial"' EXIT

echo "==> 备份数据库 → $BACKUP_DIR/$NAME.dump"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$NAME.dump.partial" "$DATABASE_URL"
pg_restore --list "$NAME.dump.partial" >/dev/null   # the archive can be read back
mv "$NAME.dump.partial" "$NAME.dump"

files=("$NAME.dump")
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  echo "==> 备份上传文件 $MEDIA_ROOT → $BACKUP_DIR/$NAME.media.tar.gz"
  tar -C "$MEDIA_ROOT" -czf "$NAME.media.tar.gz.partial" .
  mv "$NAME.media.tar.gz.partial" "$NAME.media.tar.gz"
  files+=("$NAME.media.tar.gz")
else
  echo "==> 未设置 MEDIA_ROOT 或目录不存在，跳过上传文件"
fi
sha256sum "${files[@]}" > "$NAME.sha256"

# Older backups go; the newest is never removed, however old.
find . -maxdepth 1 -name 'xinyong-*' -type f -mtime +"$KEEP_DAYS" ! -name "$NAME.*" -print -delete \
  | sed 's/^/==> 删除过期备份 /'
echo "==> 完成：$(du -ch "${files[@]}" | tail -1 | cut -f1) · $BACKUP_DIR/$NAME.*"
