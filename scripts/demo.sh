#!/usr/bin/env bash
# The README's main command: installs missing Debian packages (as root),
# builds libquant in Release and runs `quant demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then scripts/install-deps.sh; else scripts/install-deps.sh || true; fi
cmake --preset release >/dev/null
cmake --build --preset release --target quant -j"$(nproc)" >/dev/null
exec build/release/tools/quant/quant demo "$@"
