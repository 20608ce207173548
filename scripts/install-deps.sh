#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages needed to build libxvs, run its tests and run the demo.
# Non-interactive and idempotent: when every package is already installed it changes nothing
# (and needs no network). Run as root, or as a user who may sudo.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang llvm
  libbpf-dev libelf-dev zlib1g-dev libmnl-dev libfmt-dev libcli11-dev catch2
  # xvsd (cmd/xvsd): its YAML configuration and its HTTP/HTTPS health checks
  libyaml-cpp-dev libcurl4-openssl-dev
  # libFuzzer runtime for the fuzz targets of tests/fuzz (skipped without it)
  libclang-rt-14-dev
  # tests and demo: namespaces, traffic, captures
  iproute2 iputils-ping procps kmod curl python3 python3-scapy tshark tcpdump openssl
  # xvsd's HTTP side (cmd/xvsd/web) and the headless browser check of its console
  libcpp-httplib-dev nlohmann-json3-dev chromium
  # docs: the flow-table sweep plot (scripts/plot-flow-sweep.py)
  python3-matplotlib
  # scale-out (docs/scale-out.md): flow-sharing authentication, route health injection
  libsodium-dev bird2
)

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo" >&2; exit 1; }
  sudo=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
# tshark's package would ask whether non-root users may capture; the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${sudo[@]}" debconf-set-selections
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
