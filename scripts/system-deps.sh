#!/usr/bin/env bash
# Installs the Debian packages qingshan needs when they are missing: Chromium for the browser
# tests, Noto CJK fonts for charts and bulletins, and LibreOffice Writer (headless, no GUI) with
# poppler-utils (pdftotext) for the test that opens the generated .docx bulletins the way a
# reader's word processor does (issue 11). Nothing is downloaded when all are present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# grep reads all of fc-list's output (no -q): with pipefail, an early exit would SIGPIPE fc-list
# and report the fonts missing when the list is long (it is, once LibreOffice is installed)
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || need+=(fonts-noto-cjk fontconfig)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "qingshan: missing Debian packages: ${need[*]} (run as root or: sudo apt-get install ${need[*]})" >&2
  exit 0
fi
echo "qingshan: installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
