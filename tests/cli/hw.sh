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
expect_status 0 "$Q" audio --help
echo "cli_hw: ok"
