#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proves the README's promise on a fresh Debian 12: in a freshly debootstrapped bookworm
# chroot (minbase + git + ca-certificates, nothing else), runs the README's own steps on a
# clean clone of the committed HEAD and fails when any of them fails.
#
#   scripts/fresh-check.sh [--keep] [--rebuild-base]      (as root)
#
#   --keep          keep the run tree (/var/tmp/xvs-fresh/run) for inspection until the next run
#   --rebuild-base  debootstrap the pristine base again
#
# Steps: base (debootstrap, once; kept pristine and reused), copy (a copy of the base, plus a
# `git clone` of HEAD: uncommitted changes are not checked), install-deps, then the README's
# two commands: demo (./scripts/demo.sh: build, network namespaces and XDP in the chroot) and
# tests (./scripts/test.sh -L 'unit|packet': the whole build, unit tests and BPF_PROG_TEST_RUN
# packet tests; the e2e tests run in CI on the host). The apt mirror is the host's own, read
# from its apt sources at run time. Downloaded .debs are kept between runs.
# Output: a line per step with its duration, then a verdict line; each step's log is in
# /var/tmp/xvs-fresh/logs/<step>.log. Exit 0 when every step passed, 1 when one failed,
# 2 when the check could not run. Mounts and processes of the chroot are removed on every exit.
set -euo pipefail

cache=/var/tmp/xvs-fresh
base=$cache/base
run=$cache/run
logs=$cache/logs
debs=$cache/debs
suite=bookworm
keep=0 rebuild_base=0
while (($#)); do
  case $1 in
    --keep) keep=1 ;;
    --rebuild-base) rebuild_base=1 ;;
    -h | --help) sed -n '3,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "fresh-check: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

checkout=$(cd "$(dirname "$0")/.." && pwd)
abort() { echo "fresh-check: ABORTED: $*"; exit 2; }
[[ $(id -u) -eq 0 ]] || abort "needs root (debootstrap, chroot, mounts)"
git -c safe.directory="*" -C "$checkout" rev-parse --verify -q HEAD >/dev/null || abort "$checkout has no commit"
mkdir -p "$cache" "$logs" "$debs"
exec 9>"$cache/lock"
flock -n 9 || abort "another fresh-check is running (lock $cache/lock)"

# --- the host's bookworm sources, as one-line entries "deb URI SUITE COMPONENTS" ------------
host_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] && sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 ~ /^'$suite'/ {
      $1 = ""; print "deb" $0 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822 stanzas: Types, URIs, Suites, Components (each possibly several values).
    awk -v want="$suite" '
      function flush(   i, j, k, u, s) {
        if (types ~ /(^| )deb( |$)/ && enabled != "no") {
          split(uris, u, " "); split(suites, s, " ")
          for (i in u) for (j in s) if (s[j] ~ "^" want) print "deb " u[i] " " s[j] " " comps
        }
        types = uris = suites = comps = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ /, "")
        if (key == "types") types = $0; else if (key == "uris") uris = $0
        else if (key == "suites") suites = $0; else if (key == "components") comps = $0
        else if (key == "enabled") enabled = tolower($0) }
      END { flush() }' "$f"
  done
}
sources=$(host_sources | sort -u)
mirror=$(awk -v s="$suite" '$3 == s { print $2; exit }' <<<"$sources")
[[ -n $mirror ]] || abort "no '$suite' entry in this host's apt sources"

# --- cleanup: every process rooted in the run tree, then every mount below it --------------
cleanup() {
  local status=$? pid i found
  trap - EXIT INT TERM
  for i in 1 2 3; do
    found=0
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [[ $(readlink "/proc/$pid/root" 2>/dev/null) == "$run"* ]] || continue
      kill -"$([[ $i -lt 3 ]] && echo TERM || echo KILL)" "$pid" 2>/dev/null || true
      found=1
    done
    ((found)) || break
    sleep 1
  done
  # Deepest first: bpffs and /run/netns binds below /sys and /run, then the base binds.
  grep -E " $run(/| )" /proc/self/mounts | awk '{ print $2 }' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if [[ $keep -eq 0 ]] && ! grep -qE " $run(/| )" /proc/self/mounts; then rm -rf "$run"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- steps ------------------------------------------------------------------------------------
step_start=0 current=""
begin() {
  current=$1
  step_start=$(date +%s)
}
end() {
  printf 'fresh-check: %-13s ok      %4d s\n' "$current" $(($(date +%s) - step_start))
}
failed() {
  local first
  printf 'fresh-check: %-13s FAILED  %4d s  (log: %s)\n' "$current" \
    $(($(date +%s) - step_start)) "$logs/$current.log"
  first=$(grep -m1 -E 'error:|Error |FAILED|[Ff]atal|failed' "$logs/$current.log" ||
    tail -n1 "$logs/$current.log")
  echo "fresh-check: FAILED at $current: ${first:0:300}"
  exit 1
}
# Runs "$@" with its output in the step's log; the last 30 lines are shown if it fails.
logged() {
  if ! "$@" >"$logs/$current.log" 2>&1; then
    tail -n 30 "$logs/$current.log" | sed 's/^/    /'
    failed
  fi
  end
}
in_chroot() {
  chroot "$run" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/src && $1"
}

echo "fresh-check: $(git -c safe.directory="*" -C "$checkout" log -1 --format='%h %s' | cut -c1-70)"
rm -f "$logs"/*.log
begin base
if [[ $rebuild_base -eq 1 || ! -f $base/.complete ]]; then
  command -v debootstrap >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap \
      >"$logs/base.log" 2>&1 || failed
  }
  rm -rf "$base"
  logged debootstrap --variant=minbase --include=git,ca-certificates --cache-dir="$debs" \
    "$suite" "$base" "$mirror"
  touch "$base/.complete"
else
  echo "fresh-check: base          cached (made $(date -r "$base/.complete" '+%F %H:%M'))"
fi

begin copy
copy() {
  rm -rf "$run"
  cp -a "$base" "$run"
  rm -f "$run/.complete"
  printf '%s\n' "$sources" >"$run/etc/apt/sources.list"
  git -c safe.directory="*" clone -q "$checkout" "$run/root/src"
  # The chroot's / must be a mount point: `ip netns exec` makes / a recursive slave, which
  # fails (EINVAL) on a plain directory.
  mount --bind "$run" "$run"
  mount --bind /proc "$run/proc" && mount --rbind /sys "$run/sys" &&
    mount --make-rslave "$run/sys" && mount --bind /dev "$run/dev" &&
    mount --bind /dev/pts "$run/dev/pts" && mount --bind "$debs" "$run/var/cache/apt/archives"
  # The tests' BPF needs bpffs; /sys brings the host's when it is mounted there.
  grep -q " $run/sys/fs/bpf bpf " /proc/self/mounts || mount -t bpf bpf "$run/sys/fs/bpf"
  cp /etc/resolv.conf "$run/etc/resolv.conf"
}
logged copy

begin install-deps
logged in_chroot ./scripts/install-deps.sh
# The README's two commands, as a new user types them (install-deps again is a no-op).
begin demo
logged in_chroot ./scripts/demo.sh
begin tests
logged in_chroot "./scripts/test.sh -L 'unit|packet'"
echo "fresh-check: PASSED: on a fresh $suite, install-deps, the demo, the full build and the unit and packet tests"
