#!/usr/bin/env bash
# CLI tests of quant info / quant convert. $1 = quant binary, $2 = tests/vectors.
# Fixtures and the expected convert output come from tests/vectors/gen_llmio.py
# (hand-built GGUF/safetensors bytes, Q8_0 transcribed from ggml's reference).
set -u
Q="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
V="$2/llmio"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() {
  local want="$1"; shift
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "exit $got (want $want): $* -- $(cat "$T/err")"
}

# ---- info: exact listings (paths shown as V/...)
cp "$V/fixture.gguf" "$V/fixture.safetensors" "$T/"
(cd "$T" && mkdir V && cp fixture.gguf fixture.safetensors V/)
(cd "$T" && "$Q" info V/fixture.gguf) >"$T/info1" || fail "info gguf exit"
diff -u "$V/info_fixture_gguf.txt" "$T/info1" || fail "info gguf output"
(cd "$T" && "$Q" info V/fixture.safetensors) >"$T/info2" || fail "info safetensors exit"
diff -u "$V/info_fixture_st.txt" "$T/info2" || fail "info safetensors output"
expect 0 "$Q" info "$V/fixture.gguf" --json
grep -q '"key": "test.arr_nested", "type": "array\[array, 2\]", "value": \[\[1, 2\], \[3\]\]' "$T/out" || fail "json nested array"
grep -q '{"name": "q", "type": "q8_0", "ne": \[64, 2\], "offset": 608, "bytes": 136}' "$T/out" || fail "json tensor q"
expect 0 "$Q" info "$V/fixture.safetensors" --json
grep -q '"metadata": {"format": "pt", "note": "libquant \\"fixture\\""}' "$T/out" || fail "json st metadata"
grep -q '{"name": "empty", "dtype": "I32", "shape": \[0, 3\], "data_offsets": \[1095, 1095\]}' "$T/out" || fail "json st empty tensor"
expect 0 "$Q" info "$2/npy/cli_x.npy"
[ "$(cat "$T/out")" = "$2/npy/cli_x.npy: npy, float32 [6, 16]" ] || fail "info npy: $(cat "$T/out")"

# ---- convert: byte-identical to the generator's expected GGUF (ggml reference transcriptions)
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/o.gguf" --scheme q8_0
cmp -s "$T/o.gguf" "$V/convert_q8_0.gguf" || fail "convert q8_0 differs from gen_llmio.py"
grep -q '^  model.layers.0.weight            \[4, 64\]        F32     -> q8_0           8.5000  1.1119e-04    50.06$' "$T/out" || fail "convert summary line: $(grep layers "$T/out")"
grep -q "^total: 9 tensors, 1 quantized, 286 params, 1111 -> 374 bytes, 10.4615 bits/weight, quantized rmse 1.1119e-04, sqnr 50.06 dB$" "$T/out" || fail "convert totals: $(grep total "$T/out")"
grep -qx "note: 'small' kept as F32: q8_0: row length 4 is not a multiple of 32" "$T/out" || fail "kept note"
tail -1 "$T/out" | grep -qx "wrote $T/o.gguf" || fail "convert last line: $(tail -1 "$T/out")"
[ -s "$T/err" ] && fail "stderr not empty without a tty: $(cat "$T/err")"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/o4.gguf" --type q4_0   # --type is an alias
cmp -s "$T/o4.gguf" "$V/convert_q4_0.gguf" || fail "convert q4_0 differs from gen_llmio.py"
# q4_k needs rows of 256: nothing quantized, no quantization keys
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/k.gguf" --scheme q4_k --arch llama
grep -q "^total: 9 tensors, 0 quantized" "$T/out" || fail "q4_k: nothing quantizable"
expect 0 "$Q" info "$T/k.gguf"
grep -q 'general.architecture (string) = "llama"' "$T/out" || fail "--arch"
grep -q 'general.file_type' "$T/out" && fail "file_type written without quantized tensors"
# .npy input: one tensor named after the file
expect 0 "$Q" convert "$2/npy/cli_x.npy" -o "$T/n.gguf" --scheme q4_0
expect 0 "$Q" info "$T/n.gguf"
grep -q 'tensor cli_x                            f32      ne \[16, 6\] 384 bytes' "$T/out" || fail "npy tensor (16 % 32 != 0 stays f32)"

# ---- byte-identical round trips: GGUF -> safetensors -> GGUF, safetensors -> safetensors
expect 0 "$Q" convert "$T/o4.gguf" -o "$T/rt.safetensors" --scheme none
expect 0 "$Q" convert "$T/rt.safetensors" -o "$T/rt.gguf" --scheme none
cmp -s "$T/rt.gguf" "$T/o4.gguf" || fail "q4_0 GGUF -> safetensors -> GGUF not byte-identical"
expect 0 "$Q" info "$T/rt.safetensors"
grep -qx '  libquant.quant.model.layers.0.weight = "scheme=q4_0;shape=4,64"' "$T/out" || fail "packed metadata"
grep -q 'tensor model.layers.0.weight            U8       \[144\] 144 bytes' "$T/out" || fail "packed tensor"
expect 0 "$Q" convert "$V/fixture.gguf" -o "$T/f.safetensors" --scheme none
expect 0 "$Q" convert "$T/f.safetensors" -o "$T/f.gguf" --scheme none
cmp -s "$T/f.gguf" "$V/fixture.gguf" || fail "fixture.gguf -> safetensors -> GGUF not byte-identical"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/s.safetensors" --scheme none
cmp -s "$T/s.safetensors" "$V/fixture.safetensors" || fail "safetensors -> safetensors not byte-identical"
# GGUF input, ggml scheme: the float tensor is quantized, the q8_0 one copied
expect 0 "$Q" convert "$V/fixture.gguf" -o "$T/g.gguf" --scheme q8_0
grep -q '^  q                                \[2, 64\]        q8_0    -> q8_0           8.5000           -        -$' "$T/out" || fail "quantized input copied"
expect 0 "$Q" info "$T/g.gguf" --json
grep -q '{"name": "q_src", "type": "q8_0", "ne": \[64, 2\]' "$T/out" || fail "q_src quantized"
# the last tensor (q, 136 bytes of q8_0) is copied byte for byte
cmp -s <(tail -c 136 "$T/g.gguf") <(tail -c 136 "$V/fixture.gguf") || fail "q tensor bytes copied"
# q_src (the same data) is quantized here to the bytes gen_llmio.py transcribed from ggml (160 = 136 + padding)
cmp -s <(tail -c 296 "$T/g.gguf" | head -c 136) <(tail -c 136 "$V/fixture.gguf") || fail "q_src quantized bytes"

# ---- safetensors output with any scheme; include/exclude/keep-f16
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/n4.safetensors" --scheme nf4:dq=1 --keep-f16 'sm*' --exclude bias
grep -q '^  model.layers.0.weight            \[4, 64\]        F32     -> nf4:dq=1       4.3750 ' "$T/out" || fail "nf4 packed row"
grep -q '^  small                            \[3, 4\]         F32     -> F16           16.0000' "$T/out" || fail "keep-f16"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/x.safetensors" --scheme q8_0 --exclude 'model.*'
grep -q "^total: 9 tensors, 0 quantized" "$T/out" || fail "--exclude"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/x.safetensors" --scheme q8_0 --include 'nothing*'
grep -q "^total: 9 tensors, 0 quantized" "$T/out" || fail "--include"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/i4.safetensors" --scheme int4
grep -q '^  model.layers.0.weight            \[4, 64\]        F32     -> int4(deq)     32.0000 ' "$T/out" || fail "dequantized storage"
expect 0 "$Q" info "$T/i4.safetensors"
grep -qx '  libquant.quant.model.layers.0.weight = "scheme=int4;storage=dequantized;shape=4,64"' "$T/out" || fail "deq metadata"
# packed nf4 has no GGUF type; nf4 cannot go to GGUF at all
expect 2 "$Q" convert "$T/n4.safetensors" -o "$T/x.gguf" --scheme none
grep -q "which has no GGUF tensor type" "$T/err" || fail "packed nf4 -> gguf message"
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.gguf" --scheme nf4
grep -q "GGUF has no tensor type for scheme 'nf4'" "$T/err" || fail "nf4 -> gguf message"
[ -e "$T/x.gguf" ] && fail "output written for a refused combination"

# ---- shards: every tensor in exactly one shard, each shard a valid file
for i in 1 2 3; do
  expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/sh$i.gguf" --scheme q8_0 --shard $i/3
  expect 0 "$Q" info "$T/sh$i.gguf"
  grep "^  tensor " "$T/out" | awk '{print $2}' >>"$T/shard_names"
  grep -qx "  split.no (uint16) = $((i - 1))" "$T/out" || fail "split.no $i"
  grep -qx "  split.count (uint16) = 3" "$T/out" || fail "split.count $i"
done
[ "$(sort "$T/shard_names" | tr '\n' ' ')" = "bf bias d empty f8 ids mask model.layers.0.weight small " ] || fail "shard union: $(sort "$T/shard_names" | tr '\n' ' ')"
expect 0 "$Q" convert "$V/fixture.safetensors" -o "$T/sh.safetensors" --scheme nf4 --shard 2/2
expect 0 "$Q" info "$T/sh.safetensors"
grep -qx '  libquant.shard = "2/2"' "$T/out" || fail "safetensors shard metadata"

# ---- bad input: exit 2, nothing written, input untouched
sum=$(cksum <"$T/fixture.safetensors")
expect 2 "$Q" convert "$T/fixture.safetensors" -o "$T/fixture.safetensors" --scheme q8_0
grep -q "must end in .gguf or .safetensors\|refusing to overwrite the input" "$T/err" || fail "overwrite refusal"
cp "$T/fixture.safetensors" "$T/same.gguf"
expect 2 "$Q" convert "$T/same.gguf" -o "$T/same.gguf" --scheme none
grep -q "refusing to overwrite the input" "$T/err" || fail "overwrite refusal (same file)"
[ "$(cksum <"$T/fixture.safetensors")" = "$sum" ] || fail "input modified"
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.gguf" --scheme q9_0
grep -q "unknown" "$T/err" || fail "bad scheme message: $(cat "$T/err")"
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.gguf"
expect 2 "$Q" convert "$V/fixture.safetensors" "$T/x.gguf" --scheme q8_0
grep -q "the output is given with -o" "$T/err" || fail "positional output message"
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.bin" --scheme q8_0
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.gguf" --scheme q8_0 --bogus
for bad in 0/3 4/3 1/0 x 1/2x 1/70000; do
  expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/x.gguf" --scheme q8_0 --shard "$bad"
done
head -c 300 "$V/fixture.safetensors" >"$T/trunc.safetensors"
expect 2 "$Q" convert "$T/trunc.safetensors" -o "$T/x.gguf" --scheme q8_0
grep -q "safetensors" "$T/err" || fail "truncated safetensors message"
head -c 700 "$V/fixture.gguf" >"$T/trunc2.gguf"
expect 2 "$Q" convert "$T/trunc2.gguf" -o "$T/bad.safetensors" --scheme none
[ -e "$T/x.gguf" ] && fail "output written for bad input"
[ -e "$T/bad.safetensors" ] && fail "output written for bad input (gguf)"
expect 2 "$Q" convert "$V/fixture.safetensors" -o "$T/no/such/dir/x.gguf" --scheme q8_0
ls "$T" | grep -q '\.tmp-' && fail "temporary files left behind"
head -c 700 "$V/fixture.gguf" >"$T/trunc.gguf"
expect 2 "$Q" info "$T/trunc.gguf"
grep -q "outside the file\|runs past\|truncated" "$T/err" || fail "truncated gguf message: $(cat "$T/err")"
expect 2 "$Q" info "$T/missing.gguf"
expect 2 "$Q" info
expect 2 "$Q" info "$V/fixture.gguf" --frobnicate
expect 0 "$Q" info --help
expect 0 "$Q" convert --help

# ---- the new scheme families reach eval/roundtrip/bench
expect 0 "$Q" eval nf4,fp8,e2m1,gptq:group=16 "$2/npy/cli_x.npy"
expect 2 "$Q" roundtrip q4_0 "$2/npy/cli_x.npy" -o "$T/r.npy"
grep -q "row length 16 is not a multiple of the block size 32" "$T/err" || fail "q4_0 row message"
expect 0 "$Q" bench q4_k --n 65536

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli llmio: all passed"
