#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The xvsd console in headless Chromium against xvsd-web-test-driver: two VIPs, one backend
# down, counters growing. console.sh <xvsd-web-test-driver> <screenshot.png>
set -euo pipefail
driver=$1
screenshot=$2
here=$(dirname "$(readlink -f "$0")")

[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root (chromium runs with --no-sandbox)"; exit 77; }
[[ -x /usr/bin/chromium ]] || { echo "SKIP: /usr/bin/chromium is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/xvsd-console.XXXXXX)
driver_pid=
cleanup() {
  [[ -n $driver_pid ]] && kill "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

mkfifo "$tmp/out"
"$driver" --listen 127.0.0.1:0 --seconds 110 >"$tmp/out" 2>"$tmp/driver.log" &
driver_pid=$!
url=
read -r -t 10 line <"$tmp/out" && url=${line#url=}
[[ $url == http://* ]] || { echo "FAIL: driver printed no URL"; cat "$tmp/driver.log"; exit 1; }
echo "console at $url"
# TMPDIR: Chromium's profile goes under $tmp, removed by the trap even if the check is killed.
TMPDIR=$tmp /usr/bin/python3 "$here/console_check.py" "$url" "$screenshot" --vips 2 \
  --backends-down 2 --timeout 30
