#!/usr/bin/env bash
# Install the portal into .venv, load the demo (SQLite) and serve it at http://127.0.0.1:8000,
# with one background worker for imports and recomputations (the queue is a table of the same
# database: no broker, no PostgreSQL or Redis needed). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_install requirements.txt
bash scripts/pdf_deps.sh  # pango for the report's PDF, installed when run as root
export DEBUG="${DEBUG:-1}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py db_worker --no-reload --interval 1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
.venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
