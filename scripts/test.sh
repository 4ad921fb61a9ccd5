#!/usr/bin/env bash
# The README's test command: installs missing Debian packages (as root),
# builds the development preset (warnings as errors under CI) and runs every
# test suite with CTest.
#
#   scripts/test.sh                 main suite (dev preset)
#   scripts/test.sh --stage NAME    one extra stage: asan | consumer | arm64
#   scripts/test.sh --all           main suite, then every extra stage
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

deps() { if [ "$(id -u)" = 0 ]; then scripts/install-deps.sh "$@"; else scripts/install-deps.sh "$@" || true; fi; }
werror=()
[ "${CI:-}" = true ] && werror=(-DLQ_WERROR=ON)

stage_main() {
  echo "== test: development build + all suites"
  deps
  cmake --preset dev "${werror[@]}" >/dev/null
  cmake --build --preset dev -j"$jobs"
  ctest --preset dev -j"$jobs"
}

stage_asan() {
  echo "== test: address + undefined sanitizers"
  deps
  cmake --preset asan "${werror[@]}" >/dev/null
  cmake --build --preset asan -j"$jobs"
  ctest --preset asan -j"$jobs"
}

stage_consumer() {
  echo "== test: install tree consumed via CMake find_package and pkg-config (shared and static)"
  deps
  local prefix build
  prefix=$(mktemp -d) build=$(mktemp -d)
  cmake --preset release "${werror[@]}" >/dev/null
  cmake --build --preset release -j"$jobs"
  cmake --install build/release --prefix "$prefix" >/dev/null
  test -x "$prefix/bin/quant"
  test -f "$prefix/lib/libquant.a"
  ls "$prefix"/lib/libquant.so.* >/dev/null
  # 1. CMake package
  cmake -S tests/consumer -B "$build/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$build/cmake" >/dev/null
  "$build/cmake/consumer"
  "$build/cmake/consumer_static"
  # 2. pkg-config, shared
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Werror tests/consumer/main.c -o "$build/pc_shared" $(pkg-config --cflags --libs libquant)
  LD_LIBRARY_PATH="$prefix/lib" "$build/pc_shared"
  # 3. pkg-config --static, linking libquant.a itself
  local libs
  libs=$(pkg-config --static --libs libquant)
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Werror tests/consumer/main.c -o "$build/pc_static" $(pkg-config --cflags libquant) ${libs/-lquant/-l:libquant.a}
  if ldd "$build/pc_static" | grep -q libquant; then echo "static consumer still needs libquant.so" >&2; exit 1; fi
  "$build/pc_static"
  rm -rf "$prefix" "$build"
}

stage_arm64() {
  echo "== test: aarch64 cross build, suites under qemu-aarch64"
  deps --arm64
  cmake --preset aarch64 "${werror[@]}" >/dev/null
  cmake --build --preset aarch64 -j"$jobs"
  # Under emulation the plain run already uses NEON (LIBQUANT_ISA unset =
  # native), so the LIBQUANT_ISA=neon rerun repeats it, and the scalar rerun
  # repeats the main stage's scalar run of the same C code; the kernel suites
  # still compare every NEON kernel with the scalar reference. Skipping the
  # reruns keeps the stage within the CI budget at qemu speed.
  ctest --preset aarch64 -j"$jobs" -E '_isa_(scalar|neon)$' 
}

case "${1:-}" in
  "") stage_main ;;
  --stage) "stage_${2:?--stage needs a name}" ;;
  --all) stage_main; stage_asan; stage_consumer; stage_arm64 ;;
  -h|--help) sed -n '2,10p' "$0" ;;
  *) echo "test.sh: unknown option '$1'" >&2; exit 2 ;;
esac
