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

# A shared libxvs exports its API only (include/xvs/export.hpp): every strong defined
# dynamic symbol, demangled, is a public class or function of include/xvs. The weak (W, V)
# and unique (u) ones are the C++ standard library's templates instantiated inside libxvs,
# which keep the default visibility of namespace std; they may name public types only, so
# no internal (xvs::detail::..., netlink, maglev) type leaks through them either.
check_exports() {
  local lib api public bad=
  lib=$(find "$prefix" -name 'libxvs.so.*.*' -print -quit)
  [[ -n $lib ]] || fail "no libxvs.so under $prefix"
  api='^(typeinfo for |typeinfo name for |vtable for )?(xvs::(IPAddr|Prefix|Client|Error|Logger|to_string)\b|std::hash<xvs::(IPAddr|Prefix)>::operator\(\))'
  public='^xvs::(IPAddr|Prefix|MAC|Service|Destination|Stats|ServiceExtended|DestinationExtended|VIP|Info|Config|Options|Logger|Client|Error|Errc|Protocol|TunnelType|Metrics)$'
  while read -r type name; do
    if [[ $name =~ $api ]]; then continue; fi
    if [[ $type == [WVu] && $name == *std::* ]] &&
       ! grep -oE 'xvs::[A-Za-z_:]*[A-Za-z_]' <<<"$name" | grep -qvE "$public"; then
      continue
    fi
    bad+="$type $name"$'\n'
  done < <(nm -D --defined-only "$lib" | awk '{ t = $2; $1 = $2 = ""; sub(/^ +/, ""); print t, $0 }' |
           c++filt)
  [[ -z $bad ]] || fail "$lib exports more than the API:"$'\n'"$bad"
  say "$lib: $(nm -D --defined-only "$lib" | grep -c ' [TDBR] ') strong symbols, all of the API"
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
    check_linkage "$work/consumer/xvs-consumer-without-fmt"
    if [[ $variant == shared ]]; then
      check_exports
      if readelf -d "$work/consumer/xvs-consumer-without-fmt" | grep -q 'NEEDED.*libfmt'; then
        fail "xvs-consumer-without-fmt loads libfmt"
      fi
    fi
    # A shared libxvs is found through the RPATH CMake gives binaries in a build tree.
    run "$work/consumer/xvs-consumer"
    run "$work/consumer/xvs-consumer-without-fmt"
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
    # main.cpp formats with fmt, so it asks for fmt itself; without_fmt.cpp gets xvs alone.
    fmt_flags=$(run "$pkgconfig" --cflags --libs fmt)
    # shellcheck disable=SC2086 # flags are a list of words by definition
    run "${CXX:-c++}" -std=c++20 "$src/tests/consumer/main.cpp" -o "$bin" $flags $fmt_flags
    # shellcheck disable=SC2086
    run "${CXX:-c++}" -std=c++20 "$src/tests/consumer/without_fmt.cpp" -o "$bin-without-fmt" \
      $flags
    check_linkage "$bin"
    check_linkage "$bin-without-fmt"
    LD_LIBRARY_PATH=$("$pkgconfig" --variable=libdir xvs) run "$bin"
    LD_LIBRARY_PATH=$("$pkgconfig" --variable=libdir xvs) run "$bin-without-fmt"
    ;;
  *)
    echo "unknown step '$step' (install, cmake or pkg-config)" >&2
    exit 2
    ;;
esac
