#!/usr/bin/env bash
# CLI basics: version, help, isa report, ISA masking, usage errors (exit 2).
# usage: core.sh QUANT VECTORS_DIR
set -u
q=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_status() { # expected-status description command...
  local want=$1 what=$2; shift 2
  "$@" >/tmp/lq_cli_out.$$ 2>/tmp/lq_cli_err.$$; local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, want $want; stderr: $(cat /tmp/lq_cli_err.$$)"
}
trap 'rm -f /tmp/lq_cli_out.$$ /tmp/lq_cli_err.$$' EXIT

"$q" --version | grep -Eq '^quant \(libquant\) [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version format"
"$q" --help | grep -q '^usage: quant' || fail "--help"
expect_status 2 "no command" "$q"
expect_status 2 "unknown command" "$q" frobnicate
grep -q "unknown command 'frobnicate'" /tmp/lq_cli_err.$$ || fail "unknown command message"
expect_status 2 "unknown isa option" "$q" isa --bogus

# scalar masking: every slot reports a __ref kernel
out=$(LIBQUANT_ISA=scalar "$q" isa) || fail "isa under scalar"
echo "$out" | grep -q '^active:   scalar$' || fail "active not scalar: $out"
n_ref=$(echo "$out" | grep -c '__ref$'); n_all=$(echo "$out" | grep -c '^[a-z0-9_]\+ \+lq_uk_')
[ "$n_ref" -gt 0 ] && [ "$n_ref" = "$n_all" ] || fail "scalar mask left SIMD kernels: $out"
# default: the best detected ISA is used for every slot that has a kernel for it
det=$("$q" isa --json) || fail "isa --json"
echo "$det" | grep -q '"kernels": {' || fail "isa --json shape"
if grep -q avx2 /proc/cpuinfo 2>/dev/null && "$q" isa | grep -q '^detected: .*avx2'; then
  "$q" isa | grep -q '__avx2$\|__avx512$' || fail "AVX2 CPU but no SIMD kernel chosen"
fi
# an unknown LIBQUANT_ISA is ignored with a warning, never a crash
LIBQUANT_ISA=avx9000 "$q" isa >/dev/null 2>/tmp/lq_cli_err.$$ || fail "bogus LIBQUANT_ISA crashed"
grep -q "LIBQUANT_ISA='avx9000'.*ignored" /tmp/lq_cli_err.$$ || fail "no warning for bogus LIBQUANT_ISA"
echo "cli core: ok"
