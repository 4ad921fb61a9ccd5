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

expect_status 0 "$Q" audio encode ulaw "$T/in.wav" -o "$T/u.wav"
h=$(hex "$T/u.wav")
[ "${#h}" = 124 ] || fail "ulaw file size $(( ${#h} / 2 ))"
[ "${h: -8}" = "ff7fce80" ] || fail "G.191 mu-law codes ${h: -8}"
[ "${h:40:4}" = "0700" ] || fail "format tag ${h:40:4}"
expect_status 0 "$Q" audio encode ulaw "$T/in.wav" -o "$T/us.wav" --variant sun
h=$(hex "$T/us.wav")
[ "${h: -8}" = "ff7ece80" ] || fail "sun mu-law codes ${h: -8}"
expect_status 0 "$Q" audio encode alaw "$T/in.wav" -o "$T/a.wav"
h=$(hex "$T/a.wav")
[ "${h: -8}" = "d555faaa" ] || fail "A-law codes ${h: -8}"
[ "${h:40:4}" = "0600" ] || fail "A-law tag"
# decode back to PCM16: 0, 0, 988, 32124 for G.191 mu-law
expect_status 0 "$Q" audio decode "$T/u.wav" -o "$T/d.wav"
h=$(hex "$T/d.wav")
[ "${#h}" = 104 ] || fail "decoded size"
[ "${h: -16}" = "00000000dc037c7d" ] || fail "decoded samples ${h: -16}"
# IMA-ADPCM: header sample is exact, tag 0x11, decode gives 4 frames
expect_status 0 "$Q" audio encode adpcm "$T/in.wav" -o "$T/p.wav" --block-align 36
h=$(hex "$T/p.wav")
[ "${h:40:4}" = "1100" ] || fail "ADPCM tag"
expect_status 0 "$Q" audio decode "$T/p.wav" -o "$T/pd.wav"
h=$(hex "$T/pd.wav")
[ "${#h}" = 104 ] || fail "ADPCM decoded size ${#h}"
[ "${h:88:4}" = "0000" ] || fail "ADPCM first sample"
# eval
expect_status 0 "$Q" audio eval "$T/in.wav" --json
grep -q '"codec": "ulaw_g191"' "$T/out" || fail "eval json"
grep -q '"codec": "adpcm"' "$T/out" || fail "eval json adpcm"
expect_status 0 "$Q" audio eval "$T/in.wav"
[ "$(sed -n 2p "$T/out" | tr -s ' ')" = "codec snr_db segsnr_db" ] || fail "eval header"
# bad input -> 2, and no output file appears
expect_status 2 "$Q" audio encode flac "$T/in.wav" -o "$T/x.wav"
expect_status 2 "$Q" audio encode ulaw "$T/missing.wav" -o "$T/x.wav"
expect_status 2 "$Q" audio encode ulaw "$T/in.wav"
expect_status 2 "$Q" audio encode ulaw "$T/in.wav" -o "$T/x.wav" --variant foo
expect_status 2 "$Q" audio encode ulaw "$T/in.wav" -o "$T/x.wav" --block-align 36
expect_status 2 "$Q" audio encode adpcm "$T/in.wav" -o "$T/x.wav" --block-align 30
expect_status 2 "$Q" audio frobnicate "$T/in.wav"
expect_status 2 "$Q" audio
head -c 30 "$T/in.wav" >"$T/trunc.wav"
expect_status 2 "$Q" audio decode "$T/trunc.wav" -o "$T/x.wav"
grep -q "LQ_ERR_FORMAT" "$T/err" || fail "truncated WAV error text: $(cat "$T/err")"
printf 'RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00\x20\x00data\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x3f' >"$T/float.wav"
expect_status 2 "$Q" audio eval "$T/float.wav"
grep -q "LQ_ERR_UNSUPPORTED" "$T/err" || fail "float WAV error text"
[ ! -e "$T/x.wav" ] || fail "output written on failure"
ls "$T" | grep -q '\.tmp\.' && fail "temporary file left behind"
# quant eval on a WAV input: x = s/32768, SNR / segmental SNR columns (values
# checked with Python: 10 log10(sum x^2 / sum (x - y)^2) with G.191 decode 0,0,988,32124).
expect_status 0 "$Q" eval ulaw,alaw "$T/in.wav" --json
grep -q '"sqnr_db": 34.1470344, "max_abs_err": 0.0196228027, "snr_db": 34.1470344, "segsnr_db": 34.1470344,' "$T/out" \
  || fail "eval wav ulaw json: $(cat "$T/out")"
grep -q '"scheme": "alaw", "bits_per_element": 8, .*"snr_db": 36.1414158, "segsnr_db": 35,' "$T/out" \
  || fail "eval wav alaw json (segsnr clamps at 35)"
expect_status 0 "$Q" eval ulaw "$T/in.wav"
[ "$(sed -n 1p "$T/out" | tr -s ' ')" = "scheme bits/elem mse sqnr_db max_abs_err snr_db segsnr_db seconds" ] \
  || fail "eval wav header: $(sed -n 1p "$T/out")"
[ "$(sed -n 2p "$T/out" | tr -s ' ' | cut -d' ' -f1-7)" = "ulaw 8.0000 9.6297e-05 34.15 1.9623e-02 34.15 34.15" ] \
  || fail "eval wav row: $(sed -n 2p "$T/out")"
expect_status 2 "$Q" eval ulaw "$T/u.wav" # not PCM16
grep -q "not PCM16" "$T/err" || fail "non-PCM16 eval error text"
expect_status 2 "$Q" eval ulaw "$T/missing.wav"
expect_status 2 "$Q" eval ulaw "$T/trunc.wav"
expect_status 2 "$Q" eval ulaw:variant=foo "$T/in.wav"
expect_status 2 "$Q" eval apot:bits=4 "$T/in.wav"
# Scheme families on float data in [-1, 1): int16 samples 0, 16384, -16384,
# 32767, -32768, 100, -100, 1 (/32768). ADPCM codes = audioop.lin2adpcm 07 f7 f4 b1.
printf '\x93NUMPY\x01\x00\x76\x00{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (8,), }                                                            \x0a\x00\x00\x00\x00\x00\x00\x00\x3f\x00\x00\x00\xbf\x00\xfe\x7f\x3f\x00\x00\x80\xbf\x00\x00\x48\x3b\x00\x00\x48\xbb\x00\x00\x00\x38' >"$T/x.npy"
[ "$(wc -c <"$T/x.npy")" = 160 ] || fail "x.npy fixture size"
expect_status 0 "$Q" roundtrip adpcm "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "00070f070f040b01" ] || fail "adpcm codes ${h: -16}"
expect_status 0 "$Q" roundtrip ulaw:variant=sun "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "ff8f0f8000f272ff" ] || fail "sun ulaw codes ${h: -16}" # audioop.lin2ulaw
expect_status 0 "$Q" roundtrip alaw "$T/x.npy" -o "$T/y.npy" --codes "$T/c.npy"
h=$(hex "$T/c.npy")
[ "${h: -16}" = "d5a53aaa2ad353d5" ] || fail "alaw codes ${h: -16}" # audioop.lin2alaw
expect_status 0 "$Q" list
for f in ulaw alaw adpcm mulaw_compand alaw_compand log apot lut lloydmax delta dpcm; do
  grep -q "^$f " "$T/out" || fail "quant list lacks $f"
done
# quant demo: the audio section evaluates the audio schemes with SNR columns.
expect_status 0 "$Q" demo
grep -q '^audio \[16000\] at 8 kHz' "$T/out" || fail "demo audio section"
for f in ulaw alaw adpcm 'dpcm:order=2:bits=4' int8; do
  grep -q "^$f " "$T/out" || fail "demo audio row $f"
done
expect_status 0 "$Q" audio --help
echo "cli_hw: ok"
