#!/usr/bin/env bash
# One backup of the database into BACKUP_DIR, then the backups older than BACKUP_KEEP_DAYS
# removed. Run by intake-backup.service (deploy/systemd) as the service's user, from the
# checkout, so it reads the same .env as the service. Pruning happens only after a backup
# succeeded: a failing backup never leaves the directory emptier than it was.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BACKUP_DIR:-/var/backups/intake}
keep=${BACKUP_KEEP_DAYS:-30}
if ! [[ $keep =~ ^[0-9]+$ ]] || ((keep < 1)); then
  echo "backup: BACKUP_KEEP_DAYS must be a whole number of days, at least 1 (is: $keep)" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 700 "$dir"

file="$dir/intake-$(date -u +%Y%m%dT%H%M%SZ).gz"
npm run --silent admin -- backup --out "$file" --operator "${BACKUP_OPERATOR:-backup timer}"

# Only this script's own files: intake-<time>.gz, and the hidden temporary files of a backup
# killed mid-way (the admin command removes its own on any error it sees).
find "$dir" -maxdepth 1 -type f -name 'intake-*.gz' -mtime "+$((keep - 1))" -print -delete | sed 's/^/backup: pruned /'
find "$dir" -maxdepth 1 -type f -name '.intake-*.tmp' -mmin +1440 -delete
