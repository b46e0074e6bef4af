#!/bin/sh
# Refresh the zh-hans catalogue: collect msgids, fill them from tools/zh_hans.py and
# tools/zh/*.py, compile. Lists (and fails on) msgids without a translation.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
exec 9>/tmp/wangge-i18n.lock
flock 9
cd "$root/src/wangge"
# makemessages sets Django up: its data folder goes to a scratch place, not into the package.
export WANGGE_DATA_DIR="${WANGGE_DATA_DIR:-$(mktemp -d)}"
"$root/.venv/bin/wangge" manage makemessages -l zh_Hans -i "*/migrations/*" >/dev/null
cd "$root"
"$root/.venv/bin/python" tools/zh_hans.py
