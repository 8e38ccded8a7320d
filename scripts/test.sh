#!/usr/bin/env bash
# Install the portal and its test tools into .venv and run the whole test suite.
# DATABASE_URL chooses the database (SQLite by default); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_install requirements-dev.txt
# The browser tests need chromium and axe-core: installed when possible, else a clear failure.
case " $* " in
  *"not browser"*) ;;
  *) bash scripts/browser_deps.sh ;;
esac
export SECRET_KEY="${SECRET_KEY:-test-only-secret-key}"
exec .venv/bin/python -m pytest "$@"
