#!/usr/bin/env bash
# CLI tests of quant list/roundtrip/eval/bench/demo. $1 = quant binary,
# $2 = tests/vectors. Golden files come from tests/vectors/gen_npy.py (torch 1.13).
set -u
Q="$1"
V="$2/npy"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect STATUS CMD...: runs CMD, checks its exit status
expect() {
  local want="$1"; shift
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "exit $got (want $want): $* -- $(cat "$T/err")"
}
param_line() { grep "^$1 " "$V/golden_params.txt" | sed -e 's/^[^ ]* scale //' -e 's/ zero_point .*//'; }
zp_line() { grep "^$1 " "$V/golden_params.txt" | sed -e 's/.* zero_point //'; }

# ---- roundtrip: byte-identical to torch.quantize_per_tensor/per_channel (.int_repr(), .dequantize())
for pair in "int8 pt_s8_affine" "uint8 pt_u8_affine" "int8:sym=1 pt_s8_sym" \
            "int8:sym=1:gran=channel pc0_s8_sym" "uint8:gran=channel:axis=1 pc1_u8_affine" \
            "int:gran=channel:axis=-1 pc1_s8_affine"; do
  set -- $pair
  rm -f "$T"/y.npy "$T"/c.npy "$T"/p.json
  expect 0 "$Q" roundtrip "$1" "$V/cli_x.npy" -o "$T/y.npy" --codes "$T/c.npy" --params "$T/p.json"
  cmp -s "$T/y.npy" "$V/cli_$2_deq.npy" || fail "$1: dequantized values differ from torch ($2)"
  cmp -s "$T/c.npy" "$V/cli_$2_codes.npy" || fail "$1: codes differ from torch int_repr ($2)"
  grep -q "\"scale\": \[$(param_line "$2")\]" "$T/p.json" || fail "$1: scale differs from the torch observer: $(cat "$T/p.json")"
  grep -q "\"zero_point\": \[$(zp_line "$2")\]" "$T/p.json" || fail "$1: zero_point differs from the torch observer"
  for k in '"qmin": ' '"qmax": ' '"bits": 8'; do grep -q "$k" "$T/p.json" || fail "$1: params lack $k"; done
done
# fixed scale/zp = torch.fake_quantize_per_tensor_affine(x, 0.05, 3, -128, 127)
expect 0 "$Q" roundtrip int:scale=0.05:zp=3 "$V/cli_x.npy" -o "$T/fq.npy"
cmp -s "$T/fq.npy" "$V/cli_fixed_fq.npy" || fail "fixed scale/zp differs from torch fake_quantize"
# int8 codes dtype is int8, uint8 is uint8, 16-bit goes to int16; header text as numpy writes it
expect 0 "$Q" roundtrip int:bits=12 "$V/cli_x.npy" -o "$T/y.npy" --codes "$T/c16.npy"
head -c 128 "$T/c16.npy" | grep -q "'descr': '<i2'" || fail "12-bit codes are not int16"
head -c 128 "$T/y.npy" | grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (6, 16), }" || fail "output header"
# input types: float64, float16, ints, Fortran order are accepted
for f in f64_5 f16_2x2 i2_7 u8_7 fortran_3x4 be_f32_2x3 scalar_f32 empty_0x3; do
  expect 0 "$Q" roundtrip int8 "$V/$f.npy" -o "$T/o_$f.npy"
done
head -c 128 "$T/o_fortran_3x4.npy" | grep -q "'shape': (3, 4)" || fail "fortran input shape"

# ---- never overwrite an input; atomic outputs
cp "$V/cli_x.npy" "$T/in.npy"
sum_before=$(cksum <"$T/in.npy")
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/in.npy"
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/./in.npy"
ln "$T/in.npy" "$T/hardlink.npy"
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/hardlink.npy"
grep -q "refusing to overwrite the input" "$T/err" || fail "hard-link refusal message"
ln -s "$T/in.npy" "$T/symlink.npy"
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/y.npy" --codes "$T/symlink.npy"
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/y.npy" --params "$T/y.npy"
[ "$(cksum <"$T/in.npy")" = "$sum_before" ] || fail "the input was modified"
ls "$T" | grep -q '\.tmp-' && fail "temporary files left behind"
# an existing output that is not an input is replaced
echo junk >"$T/old.npy"
expect 0 "$Q" roundtrip int8 "$T/in.npy" -o "$T/old.npy"
cmp -s "$T/old.npy" "$V/cli_pt_s8_affine_deq.npy" || fail "existing output not replaced"
# a failed run writes nothing
expect 2 "$Q" roundtrip int8 "$V/c8_2.npy" -o "$T/never.npy"
[ -e "$T/never.npy" ] && fail "output written for a bad input"
expect 2 "$Q" roundtrip int8 "$T/in.npy" -o "$T/no/such/dir/y.npy"

# ---- bad specs, options, files: exit 2 with a message naming the problem
expect 2 "$Q" roundtrip nosuch "$V/cli_x.npy" -o "$T/y.npy"; grep -q "unknown scheme 'nosuch'" "$T/err" || fail "unknown scheme msg"
expect 2 "$Q" roundtrip int:bits=17 "$V/cli_x.npy" -o "$T/y.npy"; grep -q "bits=17" "$T/err" || fail "bits msg"
expect 2 "$Q" roundtrip int:foo=1 "$V/cli_x.npy" -o "$T/y.npy"; grep -q "unknown key 'foo'" "$T/err" || fail "unknown key msg"
expect 2 "$Q" roundtrip int8:bits=4 "$V/cli_x.npy" -o "$T/y.npy"; grep -q "fixed by the alias 'int8'" "$T/err" || fail "alias msg"
expect 2 "$Q" roundtrip int:gran=channel:axis=5 "$V/cli_x.npy" -o "$T/y.npy"; grep -q "axis 5" "$T/err" || fail "axis msg"
expect 2 "$Q" roundtrip int:round=nearest "$V/cli_x.npy" -o "$T/y.npy"
expect 2 "$Q" roundtrip int8 "$V/cli_x.npy"
expect 2 "$Q" roundtrip int8 "$V/cli_x.npy" -o "$T/y.npy" --frobnicate
expect 2 "$Q" roundtrip int8 "$T/missing.npy" -o "$T/y.npy"
expect 2 "$Q" roundtrip int8 "$V/struct_2.npy" -o "$T/y.npy"; grep -q "structured" "$T/err" || fail "structured msg"
head -c 60 "$V/cli_x.npy" >"$T/trunc.npy"
expect 2 "$Q" roundtrip int8 "$T/trunc.npy" -o "$T/y.npy"; grep -q "truncated" "$T/err" || fail "truncated msg"
expect 2 "$Q" frobnicate
expect 2 "$Q" list --bogus
expect 2 "$Q" eval int8,,int4 "$V/cli_x.npy"
expect 2 "$Q" eval int8,int:bits=0 "$V/cli_x.npy"
expect 2 "$Q" bench int8 --n 0
expect 2 "$Q" bench int8 --n abc
expect 2 "$Q" bench int:nope=1
expect 2 "$Q" demo --x

# ---- list
expect 0 "$Q" list
for name in int int8 uint8 int4 int2 midtread midrise deadzone binary; do
  grep -q "^$name " "$T/out" || fail "list lacks $name"
done
expect 0 "$Q" list --json
grep -q '^\[{"name": "int", "module": "uniform", "summary": "' "$T/out" || fail "list --json shape"

# ---- eval: exact keys, sane numbers
expect 0 "$Q" eval int8,int4:gran=group:group=4:axis=1,int:bits=16 "$V/cli_x.npy" --json
/usr/bin/env grep -q '^\[{"scheme": "int8", "bits_per_element": [0-9.e+-]*, "mse": [0-9.e+-]*, "sqnr_db": [0-9.e+-]*, "max_abs_err": [0-9.e+-]*, "seconds": [0-9.e+-]*}, {"scheme": "int4:gran=group:group=4:axis=1", ' "$T/out" || fail "eval --json keys: $(cat "$T/out")"
# bits_per_element of int8 per tensor on 96 elements: 8 + (32 + 8) / 96
grep -q '"bits_per_element": 8.41666667' "$T/out" || fail "int8 bits_per_element"
# int4 groups of 4 along axis 1: 4 + (32 + 4) / 4 = 13
grep -q '"bits_per_element": 13,' "$T/out" || fail "int4 group bits_per_element"
# torch's int8 per-tensor error: max abs error <= scale / 2
awk -v s=0.0490942635 'BEGIN{FS="\"max_abs_err\": "} {split($2, a, ","); if (a[1] + 0 > s / 2 + 1e-9 || a[1] + 0 <= 0) exit 1}' "$T/out" || fail "int8 max_abs_err > scale/2"
expect 0 "$Q" eval int8,midtread:bits=4,deadzone:bits=4,binary "$V/cli_x.npy"
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "eval table rows"
head -1 "$T/out" | grep -q "scheme.*bits/elem.*mse.*sqnr_db.*max_abs_err.*seconds" || fail "eval table header"

# ---- bench
expect 0 "$Q" bench int8 --n 65536 --json
grep -q '^{"scheme": "int8", "n": 65536, "runs": 9, "quantize_gelems": [0-9.e+-]*, "dequantize_gelems": [0-9.e+-]*, "memcpy_gelems": [0-9.e+-]*}$' "$T/out" || fail "bench --json: $(cat "$T/out")"
expect 0 "$Q" bench int4:gran=group:group=128:axis=1 --n 8192

# ---- demo and isa
expect 0 "$Q" demo
grep -q "^int8:sym=1:gran=channel " "$T/out" || fail "demo table"
for row in iq4_nl aq:m=2:nbits=6 qinco:m=2:nbits=6:epochs=10; do
  grep -q "^$row " "$T/out" || fail "demo row $row"
done
[ -s "$T/err" ] && fail "demo wrote to stderr when it is not a terminal"
expect 0 "$Q" isa

if [ "$fails" -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all CLI checks passed"
