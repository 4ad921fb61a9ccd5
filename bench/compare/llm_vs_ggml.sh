#!/bin/sh
# libquant's ggml formats and GGUF files against llama.cpp's own libraries.
#
# Usage: bench/compare/llm_vs_ggml.sh [BUILD_DIR] [--bench [N]]
#   BUILD_DIR  a libquant build with libquant.so and quant (default build/release)
#   GGML_DIR   environment: a directory holding libggml-base.so,
#              libggml-cpu-haswell.so and libggml-cpu-x64.so. Unset: the script
#              fetches llama.cpp's prebuilt x86-64 Linux binaries from the npm
#              registry (package @node-llama-cpp/linux-x64, pinned below) into
#              a temporary directory. This is a developer check, not a CI step:
#              CI installs nothing but Debian packages.
#
# Checks (exit 1 on any difference):
#  1. every ggml type libquant implements: quantize with ggml_quantize_chunk
#     (ggml's reference quantizers) and lq_ggml_quantize on 9 data sets, bytes
#     equal; ggml's dequantize_row_* and lq_ggml_dequantize, bits equal; the
#     Q4_0/Q8_0 x Q8_0 dot products against ggml's AVX2 kernel
#     (libggml-cpu-haswell), bit for bit;
#  2. `quant convert` writes one GGUF per ggml type (plus an F16-kept tensor);
#     llama.cpp's gguf_init_from_file loads each, and every tensor's bytes
#     and decoded values equal libquant's reading;
#  3. llama.cpp's gguf writer writes a GGUF (all ggml types, F32, F16, every
#     KV kind); libquant reads it identically, `quant info` lists it, and
#     `quant convert` re-quantizes it into a file llama.cpp loads again.
# --bench adds single-thread rates of both libraries next to a memcpy.
set -eu
NPM_PKG=@node-llama-cpp/linux-x64@3.22.1
BUILD=${1:-build/release}
[ $# -gt 0 ] && shift
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
QUANT=$BUILD/tools/quant/quant
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${GGML_DIR:-}" ]; then
  (cd "$WORK" && npm pack --silent "$NPM_PKG" >/dev/null && tar xzf node-llama-cpp-linux-x64-*.tgz)
  GGML_DIR=$WORK/package/bins/linux-x64
  echo "llama.cpp binaries: $NPM_PKG ($(sed -n 's/.*"release":"\([^"]*\)".*/\1/p' "$GGML_DIR/_nlcBuildMetadata.json"))"
fi
cc -O2 -std=c11 -I"$SRC/include" "$SRC/bench/compare/llm_vs_ggml.c" -o "$WORK/llm_vs_ggml" \
  -L"$BUILD" -lquant -Wl,-rpath,"$BUILD" -ldl -lm
ORACLE="$WORK/llm_vs_ggml $GGML_DIR"

echo "== 1. quantizers, dequantizers, dot products"
$ORACLE check

echo "== 2. GGUF files written by quant convert, loaded by llama.cpp"
/usr/bin/python3 - "$WORK/model.safetensors" <<'PY'
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
t = {"token_embd.weight": rng.standard_normal((64, 512)).astype(np.float32),
     "blk.0.attn_q.weight": (rng.standard_t(4, (256, 512)) * 0.02).astype(np.float32),
     "blk.0.ffn_up.weight": (rng.standard_normal((512, 256)) * 0.05).astype(np.float16),
     "blk.0.attn_norm.weight": np.ones(512, np.float32),
     "output.weight": rng.standard_normal((96, 256)).astype(np.float32)}
hdr, off, blobs = {}, 0, []
for k, v in t.items():
    b = v.tobytes()
    hdr[k] = {"dtype": "F32" if v.dtype == np.float32 else "F16", "shape": list(v.shape),
              "data_offsets": [off, off + len(b)]}
    off += len(b)
    blobs.append(b)
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
PY
for s in q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k iq4_nl; do
  "$QUANT" convert "$WORK/model.safetensors" -o "$WORK/m_$s.gguf" --scheme $s >/dev/null
done
"$QUANT" convert "$WORK/model.safetensors" -o "$WORK/m_keep.gguf" --scheme q4_k --keep-f16 'blk.0.ffn_up*' >/dev/null
(cd "$WORK" && $ORACLE gguf m_*.gguf)

echo "== 3. a GGUF written by llama.cpp, read by libquant"
(cd "$WORK" && $ORACLE write by_ggml.gguf && $ORACLE gguf by_ggml.gguf)
"$QUANT" info "$WORK/by_ggml.gguf" >/dev/null
"$QUANT" convert "$WORK/by_ggml.gguf" -o "$WORK/requant.gguf" --scheme q8_0 >/dev/null
(cd "$WORK" && $ORACLE gguf requant.gguf)

if [ "${1:-}" = "--bench" ]; then
  echo "== bench"
  $ORACLE bench ${2:-}
fi
echo "all checks passed"
