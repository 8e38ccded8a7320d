#!/usr/bin/env bash
# Debian's pango, which WeasyPrint needs for the follow-up report's PDF. Installs it when missing
# and possible (root with apt-get), quietly; otherwise says how. Never fatal: without pango the
# report page says how to get it and offers the XLSX and the browser's print command instead.
# With --tests also poppler-utils (pdftotext, pdfinfo), which the PDF tests read the PDF with.
set -uo pipefail

packages=()
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || packages+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-}" = "--tests" ] && ! command -v pdftotext >/dev/null 2>&1; then
  packages+=(poppler-utils)
fi
[ "${#packages[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${packages[*]} for the follow-up report's PDF..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null ||
    echo "Could not install ${packages[*]}; the PDF download stays off until it is." >&2
else
  echo "The follow-up report's PDF needs ${packages[*]}: run" \
    "'sudo apt-get install -y ${packages[*]}' (the portal runs without it)." >&2
fi
exit 0
