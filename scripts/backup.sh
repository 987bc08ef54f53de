#!/usr/bin/env bash
# Back up Registri IKM: the database and the file directories (MEDIA_ROOT, the private files under var/) into a
# new directory DESTINATION/registri-ikm-YYYYMMDD-HHMMSS. Safe while the site runs; settings as for the site
# (environment or .env). Example for cron: 30 1 * * * /srv/registri-ikm/scripts/backup.sh /srv/backups
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 DESTINATION_DIR" >&2; exit 2; fi
destination="$(realpath -m "$1")"
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" manage.py backup "$destination"
