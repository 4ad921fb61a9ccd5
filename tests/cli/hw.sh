#!/bin/bash
# CLI tests of `quant audio`: exact output bytes, exit statuses (2 for bad
# input), atomic output (no file left behind on failure).
set -u
Q="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_status() { # expected command...
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, want $want: $(cat "$T/err")"
}
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# 4-frame mono PCM16 WAV at 8000 Hz: samples 0, -1, 1000, 32767.
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x08\x00\x00\x00\x00\x00\xff\xff\xe8\x03\xff\x7f' >"$T/in.wav"

expect_status 0 "$Q" audio encode --codec g711-ulaw "$T/in.wav" "$T/u.wav"
h=$(hex "$T/u.wav")
[ "${#h}" = 124 ] || fail "ulaw file size $(( ${#h} / 2 ))"
[ "${h: -8}" = "ff7fce80" ] || fail "G.191 mu-law codes ${h: -8}"
[ "${h:40:4}" = "0700" ] || fail "format tag ${h:40:4}"
expect_status 0 "$Q" audio encode "$T/in.wav" -o "$T/u2.wav" --codec g711-ulaw # -o form, options anywhere
cmp -s "$T/u.wav" "$T/u2.wav" || fail "-o form differs"
expect_status 0 "$Q" audio encode --codec g711-ulaw --variant sun "$T/in.wav" "$T/us.wav"
h=$(hex "$T/us.wav")
[ "${h: -8}" = "ff7ece80" ] || fail "sun mu-law codes ${h: -8}"
expect_status 0 "$Q" audio encode --codec g711-alaw "$T/in.wav" "$T/a.wav"
h=$(hex "$T/a.wav")
[ "${h: -8}" = "d555faaa" ] || fail "A-law codes ${h: -8}"
[ "${h:40:4}" = "0600" ] || fail "A-law tag"
# decode back to PCM16: 0, 0, 988, 32124 for G.191 mu-law
expect_status 0 "$Q" audio decode "$T/u.wav" "$T/d.wav"
h=$(hex "$T/d.wav")
[ "${#h}" = 104 ] || fail "decoded size"
[ "${h: -16}" = "00000000dc037c7d" ] || fail "decoded samples ${h: -16}"
expect_status 0 "$Q" audio decode "$T/u.wav" -o "$T/d2.wav"
cmp -s "$T/d.wav" "$T/d2.wav" || fail "decode -o form differs"
# IMA-ADPCM: header sample is exact, tag 0x11, decode gives 4 frames
expect_status 0 "$Q" audio encode --codec ima-adpcm "$T/in.wav" "$T/p.wav" --block-align 36
h=$(hex "$T/p.wav")
[ "${h:40:4}" = "1100" ] || fail "ADPCM tag"
expect_status 0 "$Q" audio decode "$T/p.wav" "$T/pd.wav"
h=$(hex "$T/pd.wav")
[ "${#h}" = 104 ] || fail "ADPCM decoded size ${#h}"
[ "${h:88:4}" = "0000" ] || fail "ADPCM first sample"
# A 256-sample WAV written by Python's wave module: the data chunk of the
# G.711 WAVs is audioop's codes, the decoded WAV holds audioop's samples.
G="$2/hw_cli"
expect_status 0 "$Q" audio encode --codec g711-ulaw --variant sun "$G/in.wav" "$T/gu.wav"
cmp -s <(tail -c 256 "$T/gu.wav") <(tail -c 256 "$G/ulaw_sun.npy") || fail "WAV mu-law (sun) data != audioop.lin2ulaw"
expect_status 0 "$Q" audio encode --codec g711-ulaw "$G/in.wav" "$T/gg.wav"
cmp -s <(tail -c 256 "$T/gg.wav") <(tail -c 256 "$G/ulaw_g191.npy") || fail "WAV mu-law (g191) data"
expect_status 0 "$Q" audio encode --codec g711-alaw "$G/in.wav" "$T/ga.wav"
cmp -s <(tail -c 256 "$T/ga.wav") <(tail -c 256 "$G/alaw.npy") || fail "WAV A-law data != audioop.lin2alaw"
expect_status 0 "$Q" audio decode "$T/gu.wav" "$T/gud.wav"
cmp -s <(tail -c 512 "$T/gud.wav") <(tail -c 512 "$G/ulaw_sun_dec.npy") || fail "decoded mu-law != audioop.ulaw2lin"
expect_status 0 "$Q" audio decode "$T/ga.wav" "$T/gad.wav"
cmp -s <(tail -c 512 "$T/gad.wav") <(tail -c 512 "$G/alaw_dec.npy") || fail "decoded A-law != audioop.alaw2lin"
# decoding a PCM16 WAV gives the same samples
expect_status 0 "$Q" audio decode "$G/in.wav" "$T/same.wav"
cmp -s <(tail -c 512 "$T/same.wav") <(tail -c 512 "$G/pcm.npy") || fail "PCM16 decode changed samples"
# eval
expect_status 0 "$Q" audio eval "$T/in.wav" --json
grep -q '"codec": "g711-ulaw:variant=sun"' "$T/out" || fail "eval json"
grep -q '"codec": "ima-adpcm"' "$T/out" || fail "eval json adpcm"
expect_status 0 "$Q" audio eval "$T/in.wav"
[ "$(sed -n 2p "$T/out" | tr -s ' ')" = "codec snr_db segsnr_db" ] || fail "eval header"
[ "$(sed -n 3p "$T/out" | tr -s ' ')" = "g711-ulaw 34.1470 34.1470" ] || fail "eval row: $(sed -n 3p "$T/out")"
# bad usage or input -> 2, no output file appears, the input is never replaced
expect_status 2 "$Q" audio encode --codec flac "$T/in.wav" "$T/x.wav"
expect_status 2 "$Q" audio encode --codec ulaw "$T/in.wav" "$T/x.wav" # ulaw is the continuous compander scheme
expect_status 2 "$Q" audio encode "$T/in.wav" "$T/x.wav"             # no --codec
grep -q "missing --codec" "$T/err" || fail "missing codec message"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/missing.wav" "$T/x.wav"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/in.wav"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/in.wav" "$T/x.wav" "$T/y.wav"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/in.wav" "$T/x.wav" -o "$T/y.wav"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/in.wav" "$T/x.wav" --variant foo
expect_status 2 "$Q" audio encode --codec g711-alaw "$T/in.wav" "$T/x.wav" --variant sun
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/in.wav" "$T/x.wav" --block-align 36
expect_status 2 "$Q" audio encode --codec ima-adpcm "$T/in.wav" "$T/x.wav" --block-align 30
expect_status 2 "$Q" audio encode --codec ima-adpcm "$T/in.wav" "$T/x.wav" --block-align -4
expect_status 2 "$Q" audio decode --codec g711-ulaw "$T/u.wav" "$T/x.wav"
expect_status 2 "$Q" audio decode "$T/u.wav"
expect_status 2 "$Q" audio frobnicate "$T/in.wav"
expect_status 2 "$Q" audio
cp "$T/in.wav" "$T/keep.wav"
expect_status 2 "$Q" audio encode --codec g711-ulaw "$T/keep.wav" "$T/keep.wav"
grep -q "refusing to overwrite the input" "$T/err" || fail "same-file refusal message"
ln "$T/keep.wav" "$T/link.wav"
expect_status 2 "$Q" audio decode "$T/keep.wav" "$T/link.wav"
cmp -s "$T/keep.wav" "$T/in.wav" || fail "input modified"
head -c 30 "$T/in.wav" >"$T/trunc.wav"
expect_status 2 "$Q" audio decode "$T/trunc.wav" "$T/x.wav"
grep -q "LQ_ERR_FORMAT" "$T/err" || fail "truncated WAV error text: $(cat "$T/err")"
printf 'RIFX\x2c\x00\x00\x00WAVEfmt ' >"$T/rifx.wav"
expect_status 2 "$Q" audio decode "$T/rifx.wav" "$T/x.wav"
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00\x20\x00data\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x3f' >"$T/float.wav"
expect_status 2 "$Q" audio eval "$T/float.wav"
grep -q "LQ_ERR_UNSUPPORTED" "$T/err" || fail "float WAV error text"
expect_status 2 "$Q" audio encode --codec g711-alaw "$T/float.wav" "$T/x.wav"
grep -q "LQ_ERR_UNSUPPORTED" "$T/err" || fail "float WAV encode error text"
[ ! -e "$T/x.wav" ] || fail "output written on failure"
ls "$T" | grep -q '\.tmp' && fail "temporary file left behind"
# quant eval on a WAV input: x = s/32768, SNR / segmental SNR columns (values
# checked with Python: 10 log10(sum x^2 / sum (x - y)^2) with G.191 decode 0,0,988,32124).
expect_status 0 "$Q" eval g711-ulaw,g711-alaw "$T/in.wav" --json
grep -q '"sqnr_db": 34.1470344, "max_abs_err": 0.0196228027, "snr_db": 34.1470344, "segsnr_db": 34.1470344,' "$T/out" \
  || fail "eval wav g711-ulaw json: $(cat "$T/out")"
grep -q '"scheme": "g711-alaw", "bits_per_element": 8, .*"snr_db": 36.1414158, "segsnr_db": 35,' "$T/out" \
  || fail "eval wav g711-alaw json (segsnr clamps at 35)"
expect_status 0 "$Q" eval g711-ulaw "$T/in.wav"
[ "$(sed -n 1p "$T/out" | tr -s ' ')" = "scheme bits/elem mse sqnr_db max_abs_err snr_db segsnr_db seconds" ] \
  || fail "eval wav header: $(sed -n 1p "$T/out")"
[ "$(sed -n 2p "$T/out" | tr -s ' ' | cut -d' ' -f1-7)" = "g711-ulaw 8.0000 9.6297e-05 34.15 1.9623e-02 34.15 34.15" ] \
  || fail "eval wav row: $(sed -n 2p "$T/out")"
expect_status 2 "$Q" eval g711-ulaw "$T/u.wav" # not PCM16
grep -q "not PCM16" "$T/err" || fail "non-PCM16 eval error text"
expect_status 2 "$Q" eval g711-ulaw "$T/missing.wav"
expect_status 2 "$Q" eval g711-ulaw "$T/trunc.wav"
expect_status 2 "$Q" eval g711-ulaw:variant=foo "$T/in.wav"
expect_status 2 "$Q" eval apot:bits=4 "$T/in.wav"
# G.711 / ADPCM schemes on int16 .npy: int16 samples out, uint8 codes (one per
# sample, stream order), equal to audioop (G.191 mu-law: the gen_hw.py
# transcription); files byte-identical to numpy's np.save of the goldens.
for p in "g711-ulaw ulaw_g191" "g711-ulaw:variant=g191 ulaw_g191" "g711-ulaw:variant=sun ulaw_sun" \
         "g711-alaw alaw" "ima-adpcm adpcm" "adpcm adpcm"; do
  set -- "$Q" "$G" $p
  expect_status 0 "$1" roundtrip "$3" "$2/pcm.npy" -o "$T/y.npy" --codes "$T/c.npy"
  cmp -s "$T/c.npy" "$2/$4.npy" || fail "$3 codes != $4.npy"
  cmp -s "$T/y.npy" "$2/$4_dec.npy" || fail "$3 samples != $4_dec.npy"
done
set -- "$Q" "${G%/hw_cli}"
head -c 128 "$T/c.npy" | grep -q "'descr': '|u1'" || fail "ADPCM codes are not uint8"
# quant eval on the int16 .npy: metrics in int16 units (mse, sqnr from gen_hw_cli.py)
expect_status 0 "$Q" eval g711-ulaw,g711-ulaw:variant=sun,g711-alaw,ima-adpcm "$G/pcm.npy" --json
while read -r spec mse sqnr; do
  grep -q "\"scheme\": \"$spec\", \"bits_per_element\": [48], \"mse\": $mse, \"sqnr_db\": $sqnr," "$T/out" \
    || fail "eval int16 $spec: want mse $mse sqnr $sqnr: $(cat "$T/out")"
done <"$G/eval.txt"
# other integer dtypes are refused by the PCM16 schemes (and only by them)
expect_status 2 "$Q" roundtrip g711-alaw "$2/npy/i4_7.npy" -o "$T/x.npy"
grep -q "takes int16 PCM samples" "$T/err" || fail "int32 refusal message: $(cat "$T/err")"
expect_status 2 "$Q" eval int8,ima-adpcm "$2/npy/i1_7.npy"
expect_status 0 "$Q" roundtrip int8 "$2/npy/i4_7.npy" -o "$T/x.npy"
[ ! -e "$T/x.npy" ] || rm "$T/x.npy"
# Float input to the PCM16 schemes: samples / 32768 in [-1, 1), rounded half to
# even, saturated. int16 samples 0, 16384, -16384, 32767, -32768, 100, -100, 1 (/32768).
printf '\x93NUMPY\x01\x00\x76\x00{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (8,), }                                                            \x0a\x00\x00\x00\x00\x00\x00\x00\x3f\x00\x00\x00\xbf\x00\xfe\x7f\x3f\x00\x00\x80\xbf\x00\x00\x48\x3b\x00\x00\x48\xbb\x00\x00\x00\x38' >"$T/x.npy"
[ "$(wc -c <"$T/x.npy")" = 160 ] || fail "x.npy fixture size"
expect_status 0 "$Q" roundtrip ima-adpcm "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "00070f070f040b01" ] || fail "adpcm codes ${h: -16}" # audioop.lin2adpcm 07 f7 f4 b1
head -c 128 "$T/y.npy" | grep -q "'descr': '<f4'" || fail "float input gives float output"
expect_status 0 "$Q" roundtrip g711-ulaw:variant=sun "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "ff8f0f8000f272ff" ] || fail "sun ulaw codes ${h: -16}" # audioop.lin2ulaw
expect_status 0 "$Q" roundtrip g711-alaw "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "d5a53aaa2ad353d5" ] || fail "alaw codes ${h: -16}" # audioop.lin2alaw
# ulaw / alaw are the continuous companders: x_max = max|x| = 1, code
# rne(L F(x)) + 2^(bits-1), L = 2^(bits-1) - 1 (numpy float64): mu = 255 8-bit
# 128 239 17 255 1 141 115 128; A = 87.6 4-bit 8 14 2 15 1 8 8 8.
expect_status 0 "$Q" roundtrip ulaw "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "80ef11ff018d7380" ] || fail "continuous ulaw codes ${h: -16}"
expect_status 0 "$Q" roundtrip alaw:bits=4 "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "080e020f01080808" ] || fail "continuous alaw 4-bit codes ${h: -16}"
expect_status 0 "$Q" list
for f in ulaw alaw g711-ulaw g711-alaw log2 logsqrt2 pot apot lloyd lut delta dm dpcm ima-adpcm; do
  grep -q "^$f " "$T/out" || fail "quant list lacks $f"
done
# quant demo: the audio section evaluates the audio schemes with SNR columns.
expect_status 0 "$Q" demo
grep -q '^audio \[16000\] at 8 kHz' "$T/out" || fail "demo audio section"
for f in g711-ulaw g711-alaw ima-adpcm ulaw alaw 'dpcm:order=2:bits=4' 'delta:bits=4' 'dm:adaptive=1' int8; do
  grep -q "^$f " "$T/out" || fail "demo audio row $f"
done
expect_status 0 "$Q" audio --help
echo "cli_hw: ok"
