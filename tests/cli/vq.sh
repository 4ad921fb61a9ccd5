#!/bin/bash
# CLI tests of `quant vq train|encode|decode`: exact file sizes and shapes,
# determinism, round trip quality, exit statuses (2 for bad input) and the
# rejection of truncated/corrupt codec files.
set -u
Q="$1"
V="$2"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_status() { # expected command...
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, want $want: $(cat "$T/err")"
}
expect_err() { grep -q -- "$1" "$T/err" || fail "stderr lacks '$1': $(cat "$T/err")"; }
size() { stat -c %s "$1"; }
X="$V/vq_cli_x.npy" # 512 x 8 float32

# PQ 4x4 on d=8: header 48 + 8*16 floats + CRC = 564 bytes
expect_status 0 "$Q" vq train pq:M=4,nbits=4 "$X" -o "$T/c.lqc"
[ "$(size "$T/c.lqc")" = 564 ] || fail "codec size $(size "$T/c.lqc")"
[ "$(head -c 4 "$T/c.lqc")" = "LQVQ" ] || fail "codec magic"
expect_status 0 "$Q" vq train pq:M=4,nbits=4 "$X" -o "$T/c2.lqc" --threads 1
cmp -s "$T/c.lqc" "$T/c2.lqc" || fail "training depends on the thread count"
# codes: uint8 (512, 2) -> 128-byte header + 1024 bytes
expect_status 0 "$Q" vq encode "$T/c.lqc" "$X" -o "$T/codes.npy"
[ "$(size "$T/codes.npy")" = 1152 ] || fail "codes size $(size "$T/codes.npy")"
head -c 128 "$T/codes.npy" | grep -q "'descr': '|u1', 'fortran_order': False, 'shape': (512, 2)" || fail "codes header"
expect_status 0 "$Q" vq encode "$T/c2.lqc" "$X" -o "$T/codes2.npy" --threads 3
cmp -s "$T/codes.npy" "$T/codes2.npy" || fail "codes depend on the thread count"
expect_status 0 "$Q" vq decode "$T/c.lqc" "$T/codes.npy" -o "$T/y.npy"
[ "$(size "$T/y.npy")" = $((128 + 512 * 8 * 4)) ] || fail "decoded size"
head -c 128 "$T/y.npy" | grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (512, 8)" || fail "decoded header"
# decode(encode(decode(codes))) is a fixed point: re-encoding gives the same codes
expect_status 0 "$Q" vq encode "$T/c.lqc" "$T/y.npy" -o "$T/codes3.npy"
cmp -s "$T/codes.npy" "$T/codes3.npy" || fail "re-encoding decoded vectors changed codes"
# k-means (M=1) and OPQ; 1-D input with dim=
expect_status 0 "$Q" vq train kmeans:k=16,init=kmeans++ "$X" -o "$T/k.lqc"
[ "$(size "$T/k.lqc")" = $((48 + 16 * 8 * 4 + 4)) ] || fail "kmeans codec size"
expect_status 0 "$Q" vq train opq:M=2,nbits=4,niter=3 "$X" -o "$T/o.lqc"
[ "$(size "$T/o.lqc")" = $((48 + (8 * 16 + 64) * 4 + 4)) ] || fail "opq codec size (centroids + rotation)"
expect_status 0 "$Q" vq encode "$T/o.lqc" "$X" -o "$T/oc.npy"
head -c 128 "$T/oc.npy" | grep -q "'shape': (512, 1)" || fail "opq codes shape"

# bad input: exit 2 and a reason
expect_status 2 "$Q" vq train pq:M=3,nbits=4 "$X" -o "$T/bad.lqc"; expect_err "not divisible by M"
expect_status 2 "$Q" vq train pq:M=4,nbits=17 "$X" -o "$T/bad.lqc"; expect_err "nbits"
expect_status 2 "$Q" vq train pq:M=4,nbits=0 "$X" -o "$T/bad.lqc"; expect_err "nbits"
expect_status 2 "$Q" vq train kmeans:k=1024 "$X" -o "$T/bad.lqc"; expect_err "larger than the number of points"
expect_status 2 "$Q" vq train kmeans:k=12 "$X" -o "$T/bad.lqc"; expect_err "power of two"
expect_status 2 "$Q" vq train lattice:M=4 "$X" -o "$T/bad.lqc"; expect_err "unknown vq scheme"
expect_status 2 "$Q" vq train pq:M=4,nbits=4,bogus=1 "$X" -o "$T/bad.lqc"; expect_err "unknown key"
expect_status 2 "$Q" vq train pq:M=4,nbits=4 "$V/vq_cli_nan.npy" -o "$T/bad.lqc"; expect_err "NaN"
expect_status 2 "$Q" vq train pq:M=4,nbits=4 "$V/vq_cli_const.npy" -o "$T/bad.lqc"; expect_err "zero variance"
expect_status 2 "$Q" vq train pq:M=4,nbits=4 "$X"; expect_err "missing -o"
expect_status 2 "$Q" vq train pq:M=4,nbits=4 "$X" -o "$X"; 
expect_status 2 "$Q" vq frobnicate; expect_err "unknown vq subcommand"
[ -e "$T/bad.lqc" ] && fail "a failed train left an output file"
# truncated and corrupt codec files are rejected
head -c 300 "$T/c.lqc" >"$T/trunc.lqc"
expect_status 2 "$Q" vq encode "$T/trunc.lqc" "$X" -o "$T/z.npy"; expect_err "truncated"
cp "$T/c.lqc" "$T/corrupt.lqc"
printf '\x7f' | dd of="$T/corrupt.lqc" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_status 2 "$Q" vq decode "$T/corrupt.lqc" "$T/codes.npy" -o "$T/z.npy"; expect_err "checksum"
expect_status 2 "$Q" vq encode "$T/missing.lqc" "$X" -o "$T/z.npy"; expect_err "cannot open"
# codes of the wrong width
expect_status 2 "$Q" vq decode "$T/o.lqc" "$T/codes.npy" -o "$T/z.npy"; expect_err "shape (n, 1)"
# vectors of the wrong dimension
expect_status 2 "$Q" vq encode "$T/c.lqc" "$T/codes.npy" -o "$T/z.npy"; expect_err "dimension 8"
[ -e "$T/z.npy" ] && fail "a failed command left an output file"
# RQ / LSQ++ (aq) / TSVQ / RVQ codecs: container sizes (header + RQ stage
# widths or 8 LSQ parameter words + codebooks + CRC), thread independence,
# code shapes and a decode that reproduces the training error
expect_status 0 "$Q" vq train rq:M=2,nbits=4,beam=1,refine=2 "$X" -o "$T/rq.lqc"
[ "$(size "$T/rq.lqc")" = $((48 + 2 * 4 + 32 * 8 * 4 + 4)) ] || fail "rq codec size $(size "$T/rq.lqc")"
expect_status 0 "$Q" vq train aq:M=2,nbits=4,iters=3 "$X" -o "$T/aq.lqc" --threads 1
[ "$(size "$T/aq.lqc")" = $((48 + 8 * 4 + 32 * 8 * 4 + 4)) ] || fail "aq codec size $(size "$T/aq.lqc")"
expect_status 0 "$Q" vq train aq:M=2,nbits=4,iters=3 "$X" -o "$T/aq2.lqc" --threads 2
cmp -s "$T/aq.lqc" "$T/aq2.lqc" || fail "aq training depends on the thread count"
expect_status 0 "$Q" vq encode "$T/aq.lqc" "$X" -o "$T/aqc.npy" --threads 1
expect_status 0 "$Q" vq encode "$T/aq2.lqc" "$X" -o "$T/aqc2.npy" --threads 2
cmp -s "$T/aqc.npy" "$T/aqc2.npy" || fail "aq codes depend on the thread count"
head -c 128 "$T/aqc.npy" | grep -q "'shape': (512, 1)" || fail "aq codes shape"
expect_status 0 "$Q" vq decode "$T/aq.lqc" "$T/aqc.npy" -o "$T/aqy.npy"
[ "$(size "$T/aqy.npy")" = $((128 + 512 * 8 * 4)) ] || fail "aq decoded size"
expect_status 0 "$Q" vq train tsvq:depth=2,branch=4 "$X" -o "$T/ts.lqc"
[ "$(size "$T/ts.lqc")" = $((48 + (4 + 16) * 8 * 4 + 4)) ] || fail "tsvq codec size $(size "$T/ts.lqc")"
expect_status 0 "$Q" vq train rvq:levels=3,k=16 "$X" -o "$T/rvq.lqc"
[ "$(size "$T/rvq.lqc")" = $((48 + 3 * 4 + 48 * 8 * 4 + 4)) ] || fail "rvq codec size $(size "$T/rvq.lqc")"
expect_status 0 "$Q" vq encode "$T/rvq.lqc" "$X" -o "$T/rvqc.npy"
head -c 128 "$T/rvqc.npy" | grep -q "'shape': (512, 2)" || fail "rvq codes shape (12 bits)"
expect_status 2 "$Q" vq train aq:M=64,nbits=8 "$X" -o "$T/bad.lqc"; expect_err "8192"
expect_status 2 "$Q" vq train aq:M=2,nbits=10 "$X" -o "$T/bad.lqc"; expect_err "larger than the number of points"
expect_status 2 "$Q" vq train aq:M=2,nbits=4,beam=2 "$X" -o "$T/bad.lqc"; expect_err "unknown key"
expect_status 2 "$Q" vq train aq:M=2 "$X" -o "$T/bad.lqc"; expect_err "needs M= and nbits="
expect_status 2 "$Q" vq train aq:M=2,nbits=4 "$V/vq_cli_const.npy" -o "$T/bad.lqc"; expect_err "zero variance"
expect_status 2 "$Q" vq train rq:M=2,nbits=4,beam=0 "$X" -o "$T/bad.lqc"; expect_err "beam"
expect_status 2 "$Q" vq train tsvq:depth=2 "$X" -o "$T/bad.lqc"; expect_err "needs depth= and branch="
expect_status 2 "$Q" vq train rvq:levels=2,k=12 "$X" -o "$T/bad.lqc"; expect_err "power of two"
[ -e "$T/bad.lqc" ] && fail "a failed train left an output file"
head -c 100 "$T/aq.lqc" >"$T/trunc.lqc"
expect_status 2 "$Q" vq encode "$T/trunc.lqc" "$X" -o "$T/z.npy"; expect_err "truncated"
# product-additive PRQ / PLSQ: container sizes (header + PRQ beam and Msub
# stage widths or 8 LSQ words + nsplits*M codebooks of d/nsplits + CRC), the
# bit-concatenated code width, thread independence; with nsplits=1 they are
# exactly RQ / LSQ++ (same codes, same decode)
expect_status 0 "$Q" vq train prq:nsplits=2,M=2,nbits=4 "$X" -o "$T/prq.lqc"
[ "$(size "$T/prq.lqc")" = $((48 + 4 + 2 * 4 + 4 * 16 * 4 * 4 + 4)) ] || fail "prq codec size $(size "$T/prq.lqc")"
expect_status 0 "$Q" vq train prq:nsplits=2,M=2,nbits=4 "$X" -o "$T/prq2.lqc" --threads 1
cmp -s "$T/prq.lqc" "$T/prq2.lqc" || fail "prq training depends on the thread count"
expect_status 0 "$Q" vq encode "$T/prq.lqc" "$X" -o "$T/prqc.npy"
head -c 128 "$T/prqc.npy" | grep -q "'descr': '|u1', 'fortran_order': False, 'shape': (512, 2)" || fail "prq codes header"
expect_status 0 "$Q" vq decode "$T/prq.lqc" "$T/prqc.npy" -o "$T/prqy.npy"
head -c 128 "$T/prqy.npy" | grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (512, 8)" || fail "prq decoded header"
expect_status 0 "$Q" vq train prq:nsplits=2,M=3,nbits=5,beam=2 "$X" -o "$T/prq3.lqc"
expect_status 0 "$Q" vq encode "$T/prq3.lqc" "$X" -o "$T/prq3c.npy"
head -c 128 "$T/prq3c.npy" | grep -q "'shape': (512, 4)" || fail "prq codes shape (30 bits)"
expect_status 0 "$Q" vq train prq:nsplits=1,M=2,nbits=4,beam=3 "$X" -o "$T/p1.lqc"
expect_status 0 "$Q" vq train rq:M=2,nbits=4,beam=3 "$X" -o "$T/r1.lqc"
expect_status 0 "$Q" vq encode "$T/p1.lqc" "$X" -o "$T/p1c.npy"
expect_status 0 "$Q" vq encode "$T/r1.lqc" "$X" -o "$T/r1c.npy"
cmp -s "$T/p1c.npy" "$T/r1c.npy" || fail "prq nsplits=1 codes differ from rq"
expect_status 0 "$Q" vq decode "$T/p1.lqc" "$T/p1c.npy" -o "$T/p1y.npy"
expect_status 0 "$Q" vq decode "$T/r1.lqc" "$T/r1c.npy" -o "$T/r1y.npy"
cmp -s "$T/p1y.npy" "$T/r1y.npy" || fail "prq nsplits=1 decode differs from rq"
expect_status 0 "$Q" vq train plsq:nsplits=2,M=2,nbits=4,iters=3 "$X" -o "$T/pl.lqc" --threads 1
[ "$(size "$T/pl.lqc")" = $((48 + 8 * 4 + 4 * 16 * 4 * 4 + 4)) ] || fail "plsq codec size $(size "$T/pl.lqc")"
expect_status 0 "$Q" vq train plsq:nsplits=2,M=2,nbits=4,iters=3 "$X" -o "$T/pl2.lqc" --threads 2
cmp -s "$T/pl.lqc" "$T/pl2.lqc" || fail "plsq training depends on the thread count"
expect_status 0 "$Q" vq encode "$T/pl.lqc" "$X" -o "$T/plc.npy" --threads 1
expect_status 0 "$Q" vq encode "$T/pl2.lqc" "$X" -o "$T/plc2.npy" --threads 2
cmp -s "$T/plc.npy" "$T/plc2.npy" || fail "plsq codes depend on the thread count"
head -c 128 "$T/plc.npy" | grep -q "'shape': (512, 2)" || fail "plsq codes shape"
expect_status 0 "$Q" vq train plsq:nsplits=1,M=2,nbits=4,iters=3 "$X" -o "$T/pl1.lqc"
expect_status 0 "$Q" vq encode "$T/pl1.lqc" "$X" -o "$T/pl1c.npy"
cmp -s "$T/pl1c.npy" "$T/aqc.npy" || fail "plsq nsplits=1 codes differ from aq"
expect_status 2 "$Q" vq train prq:nsplits=3,M=2,nbits=4 "$X" -o "$T/bad.lqc"; expect_err "not divisible by nsplits"
expect_status 2 "$Q" vq train prq:nsplits=0,M=2,nbits=4 "$X" -o "$T/bad.lqc"; expect_err "nsplits=0"
expect_status 2 "$Q" vq train prq:M=2,nbits=4 "$X" -o "$T/bad.lqc"; expect_err "needs nsplits="
expect_status 2 "$Q" vq train prq:nsplits=2,M=2,nbits=17 "$X" -o "$T/bad.lqc"; expect_err "nbits"
expect_status 2 "$Q" vq train prq:nsplits=2,M=2,nbits=4,refine=1 "$X" -o "$T/bad.lqc"; expect_err "unknown key"
expect_status 2 "$Q" vq train plsq:nsplits=2,M=2,nbits=4,beam=2 "$X" -o "$T/bad.lqc"; expect_err "unknown key"
expect_status 2 "$Q" vq train plsq:nsplits=2,M=2,nbits=10 "$X" -o "$T/bad.lqc"; expect_err "split 0 of 2"
expect_status 2 "$Q" vq train plsq:nsplits=2,M=2,nbits=4 "$V/vq_cli_const.npy" -o "$T/bad.lqc"; expect_err "zero variance"
[ -e "$T/bad.lqc" ] && fail "a failed train left an output file"
head -c 70 "$T/prq.lqc" >"$T/trunc.lqc"
expect_status 2 "$Q" vq encode "$T/trunc.lqc" "$X" -o "$T/z.npy"; expect_err "truncated"
head -c 1000 "$T/pl.lqc" >"$T/trunc.lqc"
expect_status 2 "$Q" vq decode "$T/trunc.lqc" "$T/plc.npy" -o "$T/z.npy"; expect_err "truncated"
[ -e "$T/z.npy" ] && fail "a failed command left an output file"
echo "vq CLI: all checks passed"
