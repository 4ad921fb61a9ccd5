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

# ---- convert: byte-identical to the generator's expected GGUF
expect 0 "$Q" convert "$V/fixture.safetensors" "$T/o.gguf" --type q8_0
cmp -s "$T/o.gguf" "$V/convert_q8_0.gguf" || fail "convert q8_0 differs from gen_llmio.py"
grep -q '^  model.layers.0.weight            F32      \[4, 64\] -> q8_0 (8.5000 bits/weight, rmse ' "$T/out" || fail "convert summary line"
tail -1 "$T/out" | grep -qx "wrote $T/o.gguf: 9 tensors, 1 quantized to q8_0" || fail "convert last line: $(tail -1 "$T/out")"
# the output reads back; q4_k needs rows of 256: nothing quantized, no quantization keys
expect 0 "$Q" info "$T/o.gguf"
expect 0 "$Q" convert "$V/fixture.safetensors" "$T/k.gguf" --type q4_k --arch llama
grep -q "9 tensors, 0 quantized to q4_K" "$T/out" || fail "q4_k: nothing quantizable"
expect 0 "$Q" info "$T/k.gguf"
grep -q 'general.architecture (string) = "llama"' "$T/out" || fail "--arch"
grep -q 'general.file_type' "$T/out" && fail "file_type written without quantized tensors"
# .npy input: one tensor named after the file
expect 0 "$Q" convert "$2/npy/cli_x.npy" "$T/n.gguf" --type q4_0
expect 0 "$Q" info "$T/n.gguf"
grep -q 'tensor cli_x                            f32      ne \[16, 6\] 384 bytes' "$T/out" || fail "npy tensor (16 % 32 != 0 stays f32)"

# ---- bad input: exit 2, nothing written, input untouched
sum=$(cksum <"$T/fixture.safetensors")
expect 2 "$Q" convert "$T/fixture.safetensors" "$T/fixture.safetensors" --type q8_0
grep -q "refusing to overwrite the input" "$T/err" || fail "overwrite refusal"
[ "$(cksum <"$T/fixture.safetensors")" = "$sum" ] || fail "input modified"
expect 2 "$Q" convert "$V/fixture.safetensors" "$T/x.gguf" --type q9_0
grep -q "unknown --type 'q9_0'" "$T/err" || fail "bad type message"
expect 2 "$Q" convert "$V/fixture.safetensors" "$T/x.gguf"
expect 2 "$Q" convert "$V/fixture.gguf" "$T/x.gguf" --type q8_0
expect 2 "$Q" convert "$V/fixture.safetensors" "$T/x.gguf" --type q8_0 --bogus
head -c 300 "$V/fixture.safetensors" >"$T/trunc.safetensors"
expect 2 "$Q" convert "$T/trunc.safetensors" "$T/x.gguf" --type q8_0
grep -q "safetensors" "$T/err" || fail "truncated safetensors message"
[ -e "$T/x.gguf" ] && fail "output written for bad input"
expect 2 "$Q" convert "$V/fixture.safetensors" "$T/no/such/dir/x.gguf" --type q8_0
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
