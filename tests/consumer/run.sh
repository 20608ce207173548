#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Driver of the consumer tests (tests/consumer/tests.cmake), one step per call:
#   run.sh install    <static|shared> <source-dir> <work-dir>
#       builds libxvs alone and installs it into <work-dir>/<variant>/prefix
#   run.sh cmake      <static|shared> <source-dir> <work-dir>
#       builds tests/consumer with find_package(xvs) against that prefix and runs it
#   run.sh pkg-config <static|shared> <source-dir> <work-dir>
#       compiles the same program with the flags of `pkg-config xvs` and runs it
# Environment: CMAKE_COMMAND, CXX, PKG_CONFIG (defaults: cmake, c++, pkg-config); CC and
# CMAKE_GENERATOR are honoured by cmake itself.
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 install|cmake|pkg-config static|shared <source-dir> <work-dir>" >&2
  exit 2
fi
step=$1 variant=$2 src=$3 work=$4/$2
cmake=${CMAKE_COMMAND:-cmake}
pkgconfig=${PKG_CONFIG:-pkg-config}
prefix=$work/prefix
jobs=$(nproc)

case $variant in
  static) shared=OFF ;;
  shared) shared=ON ;;
  *) echo "unknown variant '$variant' (static or shared)" >&2; exit 2 ;;
esac

say() { printf '== %s\n' "$*" >&2; }
run() { printf '+ %s\n' "$*" >&2; "$@"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# A shared install must give a binary that loads libxvs.so; a static one must not.
check_linkage() {
  local needed
  needed=$(readelf -d "$1" | grep -c 'NEEDED.*libxvs\.so' || true)
  if [[ $variant == shared && $needed -eq 0 ]]; then fail "$1 does not load libxvs.so"; fi
  if [[ $variant == static && $needed -ne 0 ]]; then fail "$1 loads libxvs.so"; fi
  say "$1 links libxvs $variant"
}

case $step in
  install)
    say "installing libxvs ($variant) into $prefix"
    rm -rf "$prefix"
    run "$cmake" -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_SHARED_LIBS=$shared -DXVS_BUILD_TESTS=OFF -DXVS_BUILD_EXAMPLES=OFF \
      -DXVS_BUILD_TOOLS=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
    run "$cmake" --build "$work/build" -j "$jobs"
    run "$cmake" --install "$work/build"
    ;;
  cmake)
    say "building tests/consumer with find_package(xvs) from $prefix"
    rm -rf "$work/consumer"
    run "$cmake" -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix"
    run "$cmake" --build "$work/consumer" -j "$jobs"
    check_linkage "$work/consumer/xvs-consumer"
    # A shared libxvs is found through the RPATH CMake gives binaries in a build tree.
    run "$work/consumer/xvs-consumer"
    ;;
  pkg-config)
    pc=$(find "$prefix" -name xvs.pc -print -quit)
    [[ -n $pc ]] || fail "no xvs.pc under $prefix"
    export PKG_CONFIG_PATH=${pc%/*}
    say "building tests/consumer/main.cpp with pkg-config (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"
    static_flag=()
    [[ $variant == static ]] && static_flag=(--static)
    run "$pkgconfig" --modversion xvs
    flags=$(run "$pkgconfig" --cflags --libs "${static_flag[@]}" xvs)
    say "flags: $flags"
    bin=$work/xvs-consumer-pkg-config
    # shellcheck disable=SC2086 # flags are a list of words by definition
    run "${CXX:-c++}" -std=c++20 "$src/tests/consumer/main.cpp" -o "$bin" $flags
    check_linkage "$bin"
    LD_LIBRARY_PATH=$("$pkgconfig" --variable=libdir xvs) run "$bin"
    ;;
  *)
    echo "unknown step '$step' (install, cmake or pkg-config)" >&2
    exit 2
    ;;
esac
