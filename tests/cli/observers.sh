#!/bin/bash
# CLI tests of `quant observe`: torch-computed (scale, zero_point) from
# tests/vectors/gen_observers.py (tests/vectors/observers/expected.txt),
# text output, and exit statuses for bad input.
set -u
Q="$1"
V="$2/observers"
fail=0
check() { # name expected actual
  if [ "$2" != "$3" ]; then
    echo "FAIL $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1
  fi
}
status() { # name expected-status command...
  local name="$1" want="$2"; shift 2
  "$@" > /dev/null 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, expected $want"; fail=1; fi
}

while IFS=$'\t' read -r args expected; do
  got=$("$Q" observe "$args" "$V/b1.npy" "$V/b2.npy" --json)
  check "$args" "$expected" "$got"
done < "$V/expected.txt"

# text output: one line per channel
got=$("$Q" observe minmax "$V/b1.npy")
check text "$(printf 'observer: minmax, 1 batch, qmin 0, qmax 255\n0\tscale 0.0235294122\tzero_point 85')" "$got"
# the file order matters for moving averages, not for minmax
a=$("$Q" observe minmax --json "$V/b2.npy" "$V/b1.npy")
b=$("$Q" observe minmax --json "$V/b1.npy" "$V/b2.npy")
check "minmax order" "$a" "$b"
# every observer runs on the same files
for o in percentile:p=99 hist_mse kl mse lsq:steps=20 histogram:compat=1:bins=512; do
  status "$o runs" 0 "$Q" observe "$o" "$V/b1.npy" "$V/b2.npy" --json
done
status help 0 "$Q" observe --help
# bad input: exit 2
status "no files" 2 "$Q" observe minmax
status "unknown observer" 2 "$Q" observe nope "$V/b1.npy"
status "unknown key" 2 "$Q" observe minmax:c=0.5 "$V/b1.npy"
status "bad bits" 2 "$Q" observe minmax:bits=0 "$V/b1.npy"
status "bad gran" 2 "$Q" observe minmax:gran=group "$V/b1.npy"
status "bad p" 2 "$Q" observe percentile:p=101 "$V/b1.npy"
status "not key=value" 2 "$Q" observe minmax:bits "$V/b1.npy"
status "missing file" 2 "$Q" observe minmax "$V/does-not-exist.npy"
status "axis out of range" 2 "$Q" observe minmax:gran=channel:axis=5 "$V/b1.npy"
status "channel mismatch" 2 "$Q" observe minmax:gran=channel:axis=0 "$V/b1.npy" "$2/npy/f32_2x3.npy"
status "sym quint8 reduce_range" 2 "$Q" observe minmax:sym=1:reduce_range=1 "$V/b1.npy"
status "unknown option" 2 "$Q" observe minmax "$V/b1.npy" --frobnicate
exit $fail
