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

# Scale-out options are checked against the file's bird and flow_sharing sections.
printf 'services:\n  - name: web\n    virtual: 192.0.2.1\n    servers: [10.0.0.1]\n' >"$tmp/plain.yaml"
status=0
"$xvsd" --check "$tmp/plain.yaml" --share-peer 10.0.0.3 >"$tmp/out" 2>"$tmp/err" || status=$?
want="xvsd: --share-peer and --share-key need --share-address (or a flow_sharing section)"
((status == 1)) && [[ $(cat "$tmp/err") == "$want" ]] || fail "--share-peer alone: $status $(cat "$tmp/err")"
status=0
"$xvsd" --check "$sample" --share-address lb-a >"$tmp/out" 2>"$tmp/err" || status=$?
want='xvsd: --share-address: "lb-a" is not an address'
((status == 1)) && [[ $(cat "$tmp/err") == "$want" ]] || fail "bad --share-address: $status $(cat "$tmp/err")"
"$xvsd" --check "$sample" --share-address 10.1.10.9 --drain 1 >"$tmp/out" 2>"$tmp/err" ||
  fail "--share-address overriding the file's: $(cat "$tmp/err")"
echo "PASS: scale-out options checked against the file (--share-peer alone, a bad address refused)"

status=0
"$xvsd" "$tmp/missing.yaml" eth0 2>"$tmp/err" || status=$?
((status == 1)) && grep -q "missing.yaml: cannot be read" "$tmp/err" || fail "missing file: $status $(cat "$tmp/err")"
echo "PASS: a missing config file"
