#!/usr/bin/env bash
# Browser and PDF tests need Debian's Chromium and poppler-utils; WeasyPrint (the PDF reports) needs Pango and
# the DejaVu fonts the reports embed. Install them when we can (root); otherwise say what is missing: browser/PDF
# tests skip locally, and fail under CI=true.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} from Debian ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null \
        || { echo "apt-get install ${missing[*]} failed" >&2; exit 1; }
else
    echo "Missing ${missing[*]}: install with 'sudo apt-get install ${missing[*]}' for browser/PDF tests and reports." >&2
    [ "${CI:-}" = "true" ] && exit 1
fi
exit 0
