#!/bin/sh
# Refresh the zh-hans catalogue, the source of every translation: collect new msgids into
# src/wangge/locale/zh_Hans/LC_MESSAGES/django.po (makemessages), then check it and compile
# the .mo (tools/po_check.py). Fails listing each entry left untranslated or fuzzy: write its
# msgstr in the .po (drop the fuzzy flag once checked) and run this again.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
exec 9>/tmp/wangge-i18n.lock
flock 9
cd "$root/src/wangge"
# makemessages sets Django up: its data folder goes to a scratch place, not into the package.
export WANGGE_DATA_DIR="${WANGGE_DATA_DIR:-$(mktemp -d)}"
"$root/.venv/bin/wangge" manage makemessages -l zh_Hans -i "*/migrations/*" >/dev/null
cd "$root"
"$root/.venv/bin/python" tools/po_check.py
