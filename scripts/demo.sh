#!/usr/bin/env bash
# Install the portal into .venv, load the demo (SQLite) and serve it at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_install requirements.txt
bash scripts/pdf_deps.sh  # pango for the report's PDF, installed when run as root
export DEBUG="${DEBUG:-1}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
exec .venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
