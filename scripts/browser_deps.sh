#!/usr/bin/env bash
# What the browser tests (tests/browser) need besides .venv: Debian's chromium (never a browser
# downloaded by Playwright) and the axe-core npm package in node_modules/ (no CDN).
# Installs what is missing when it can (chromium needs root and apt-get, axe-core needs npm);
# otherwise exits 1 with the command to run. Usage: bash scripts/browser_deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
AXE_VERSION="4.14.1"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need chromium at $CHROMIUM: run 'sudo apt-get install -y chromium'" \
      "(or set CHROMIUM=/path/to/chromium), or leave them out with: -m 'not browser'" >&2
    exit 1
  fi
fi

if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "Installing axe-core $AXE_VERSION into node_modules/ for the accessibility checks..."
    npm install --prefix . --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
  else
    echo "The accessibility checks need node_modules/axe-core: install Node.js and npm, then" \
      "run 'npm install --no-save axe-core@$AXE_VERSION', or leave them out with: -m 'not browser'" >&2
    exit 1
  fi
fi
