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
# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); a file's tests stay
# on one worker. The browser tests and the few others that commit for real (marker transactional:
# they empty the tables) run after the others, so no test on the same worker finds the migrated
# rows (the role groups) gone. The system tests
# (servers, backups, the deployment check, fuzzers) run with the others here; the fast suite for
# a developer is: scripts/test.sh -m "not system and not browser".
pytest() { .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"; }
if [ $# -gt 0 ]; then
  pytest "$@"
else
  pytest -m "not browser and not transactional"
  pytest -m "browser or transactional"
fi
