#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# xvsd's command line without privileges: --help, --check of the sample configuration, and a
# bad configuration refused at start with file:line:field and a non-zero exit.
#   cli.sh <xvsd-binary> <sample-config>
set -euo pipefail
xvsd=$1 sample=$2
tmp=$(mktemp -d /tmp/xvsd-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$xvsd" --help >"$tmp/help" || fail "--help exited $?"
grep -q 'config' "$tmp/help" && grep -q -- '--webserver' "$tmp/help" || fail "--help: $(cat "$tmp/help")"
echo "PASS: --help"

"$xvsd" --check "$sample" >"$tmp/out" 2>"$tmp/err" || fail "--check sample: $(cat "$tmp/err")"
grep -q 'ok, 7 services' "$tmp/out" || fail "--check sample printed: $(cat "$tmp/out")"
echo "PASS: --check of the sample: $(head -1 "$tmp/out")"

printf 'services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [10.0.0.1]\n    need: many\n' >"$tmp/bad.yaml"
status=0
"$xvsd" "$tmp/bad.yaml" eth0 >"$tmp/out" 2>"$tmp/err" || status=$?
((status == 1)) || fail "a bad config exited $status"
want="xvsd: $tmp/bad.yaml:5: services[0].need: expected a whole number 0..65535, got \"many\""
[[ $(cat "$tmp/err") == "$want" ]] || fail "a bad config said: $(cat "$tmp/err")"
echo "PASS: a bad config at start: exit 1, $want"

status=0
"$xvsd" "$tmp/missing.yaml" eth0 2>"$tmp/err" || status=$?
((status == 1)) && grep -q "missing.yaml: cannot be read" "$tmp/err" || fail "missing file: $status $(cat "$tmp/err")"
echo "PASS: a missing config file"
