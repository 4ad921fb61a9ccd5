#!/usr/bin/env bash
# Installs the Debian packages libquant needs that are missing, and says what
# it does. Run as root (or with sudo) on Debian 12; as another user it only
# prints the apt-get command to run.
#
#   scripts/install-deps.sh            build + tests + benchmarks (default)
#   scripts/install-deps.sh --arm64    also the aarch64 cross toolchain, qemu-user
#                                      and CMocka for arm64 (Debian multiarch)
#   scripts/install-deps.sh --python   also python3-torch/numpy/faiss, to
#                                      regenerate golden vectors and run bench/compare
set -euo pipefail

want=(build-essential cmake pkg-config libopenblas-dev liblapacke-dev libcmocka-dev libbenchmark-dev hyperfine)
arm64=0
for arg in "$@"; do
  case "$arg" in
    --arm64) arm64=1; want+=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
    --python) want+=(python3-numpy python3-torch python3-faiss) ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done
[ "$arm64" = 1 ] && want+=(libcmocka-dev:arm64)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all required packages are present"
  exit 0
fi
echo "install-deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: not root; run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  [ "$arm64" = 1 ] && echo "               (after: sudo dpkg --add-architecture arm64)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$arm64" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps: enabling the arm64 architecture (dpkg --add-architecture arm64)"
  dpkg --add-architecture arm64
fi
echo "install-deps: apt-get update"
apt-get update -qq
echo "install-deps: apt-get install ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
