#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database and directories the settings name (environment or
# .env), then check every table count and file against it. Stop the web server and the worker first.
# Usage: scripts/restore.sh BACKUP_DIR [--noinput]
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 BACKUP_DIR [--noinput]" >&2; exit 2; fi
source="$(realpath -m "$1")"
shift
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" manage.py restore "$source" "$@"
