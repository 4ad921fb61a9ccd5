/* Kernel tests of the OCP minifloat and MX codecs (slots llm_mf_encode,
 * llm_mf_decode, llm_mx_quant, llm_mx_dequant). Every kernel, the _ref one
 * included, must give the bytes/bits of the definitions:
 *  - encode: lq_minifloat_from_f32 (frexpf/ldexpf/nearbyintf on the exact
 *    value) on a structured sweep (every f32 exponent x mantissa edge
 *    patterns incl. exact ties at the rounding bit of every format, x signs,
 *    NaN/Inf); SIMD kernels also equal _ref on every 251st f32 bit pattern
 *    (saturating mode);
 *  - decode: lq_minifloat_to_f32 for every code (bits above the field too);
 *  - MX: a transcription of the previous scalar implementation (frexpf for
 *    the scale, ldexpf per element), on blocks across the whole exponent
 *    range, with subnormal, zero, huge (>= 2^127) and tie elements, and on
 *    random blocks with every scale byte for dequantize. */
#include <float.h>

#include "lq_test.h"

#include "llm/llm_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel all_kernels[] = {
#include "llm/llm_kernels.inc"
};
#undef LQ_UKERNEL
#define NALL (sizeof all_kernels / sizeof all_kernels[0])

static int is_mf_slot(const char* s) { return strncmp(s, "llm_mf_", 7) == 0 || strncmp(s, "llm_mx_", 7) == 0; }

/* ------------------------------------------------------------ encode --- */

/* The structured sweep: every exponent 0..255, both signs, mantissas at the
 * edges and at/around the rounding position of mbits 1, 2, 3 (ties with
 * even and odd kept bit, one below/above the tie). */
static size_t structured_inputs(float* x) {
  uint32_t mants[64];
  size_t nm = 0;
  mants[nm++] = 0;
  mants[nm++] = 1;
  mants[nm++] = 0x7FFFFF;
  mants[nm++] = 0x400000;
  mants[nm++] = 0x3FFFFF;
  for (uint32_t sh = 20; sh <= 22; sh++) {
    const uint32_t tie = 1u << (sh - 1), lsb = 1u << sh;
    const uint32_t base[] = {0, lsb, 0x7FFFFF & ~(lsb - 1u) & ~lsb, 0x7FFFFF & ~(lsb - 1u)};
    for (size_t b = 0; b < 4; b++) {
      mants[nm++] = (base[b] | tie) & 0x7FFFFF;
      mants[nm++] = ((base[b] | tie) - 1u) & 0x7FFFFF;
      mants[nm++] = ((base[b] | tie) + 1u) & 0x7FFFFF;
    }
    mants[nm++] = lsb - 1u;
  }
  size_t n = 0;
  for (uint32_t s = 0; s < 2; s++)
    for (uint32_t e = 0; e < 256; e++)
      for (size_t m = 0; m < nm; m++) x[n++] = lq_test_float(s << 31 | e << 23 | mants[m]);
  return n;
}

enum { NSTRUCT_MAX = 2 * 256 * 64 };
static float sx[NSTRUCT_MAX + 8];
static uint8_t ca[NSTRUCT_MAX + 40], cb[NSTRUCT_MAX + 40];

static const float scales[] = {1.0f, 0.37f, 1e-3f, 149.33333f, -2.5f};
#define NSCALES (sizeof scales / sizeof scales[0])

static void test_encode(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  const lq_test_kernel* ref = lq_test_ref_kernel(all_kernels, NALL, "llm_mf_encode");
  const lq_uk_llm_mf_encode_fn fn = (lq_uk_llm_mf_encode_fn)k->fn, rfn = (lq_uk_llm_mf_encode_fn)ref->fn;
  const size_t n = structured_inputs(sx + 1);
  for (int f = 0; f < LQ_MINIFLOAT_COUNT_; f++) {
    for (int sat = 0; sat < 2; sat++) {
      const lq_mf_params p = lq_mf_params_of((lq_minifloat)f, sat);
      for (size_t si = 0; si < NSCALES; si++) {
        const float sc = scales[si];
        /* unaligned input and output; a guard byte after the output; the
         * sweep holds NaNs, so the NaN flag is set */
        ca[n + 3] = 0xEE;
        assert_int_equal(fn(&p, n, sx + 1, sc, ca + 3), 1);
        assert_int_equal(ca[n + 3], 0xEE);
        for (size_t i = 0; i < n; i++) {
          const float v = sx[1 + i] / sc;
          const uint8_t want = lq_minifloat_from_f32((lq_minifloat)f, sat, v);
          if (ca[3 + i] != want)
            fail_msg("%s fmt %d sat %d x=%a (0x%08x) / %g: 0x%02x, definition 0x%02x", k->name, f, sat,
                     (double)sx[1 + i], lq_test_bits(sx[1 + i]), (double)sc, ca[3 + i], want);
        }
        /* every tail length against _ref, NaN flag included */
        for (size_t len = 0; len < 70; len++) {
          const float* xin = sx + 1 + 37 * len + (size_t)f * 3000;
          memset(ca, 0xAB, 80);
          memset(cb, 0xAB, 80);
          const int ra = fn(&p, len, xin, sc, ca + 1), rb = rfn(&p, len, xin, sc, cb + 1);
          assert_int_equal(ra, rb);
          LQ_ASSERT_BITS_EQUAL(ca, cb, 80, k->name);
        }
      }
      /* the NaN flag: clear on NaN-free data, set by one NaN anywhere */
      static float clean[200];
      for (size_t i = 0; i < 200; i++) clean[i] = lq_test_uniform(5, i, -1e6f, 1e6f);
      assert_int_equal(fn(&p, 200, clean, 1.0f, ca), 0);
      for (size_t at = 0; at < 200; at += 13) {
        clean[at] = at % 2 ? NAN : -NAN;
        assert_int_equal(fn(&p, 200, clean, 0.5f, ca), 1);
        clean[at] = 1.0f;
      }
      /* every 251st f32 bit pattern (17.1 M inputs), in chunks, SIMD kernels
       * against _ref; saturating mode only (the mode changes only the
       * overflow code, checked above on every exponent in both modes) */
      if (k->isa == 0 || !sat) continue;
      enum { CH = 8192 };
      static float xs[CH];
      for (uint64_t start = 0; start < (1ull << 32); start += (uint64_t)CH * 251u) {
        size_t m = 0;
        for (uint64_t u = start; u < (1ull << 32) && m < CH; u += 251u) xs[m++] = lq_test_float((uint32_t)u);
        assert_int_equal(fn(&p, m, xs, 1.0f, ca), rfn(&p, m, xs, 1.0f, cb));
        if (memcmp(ca, cb, m) != 0)
          for (size_t i = 0; i < m; i++)
            if (ca[i] != cb[i])
              fail_msg("%s fmt %d sat %d x=0x%08x: 0x%02x, ref 0x%02x", k->name, f, sat, lq_test_bits(xs[i]), ca[i],
                       cb[i]);
      }
    }
  }
}

/* ------------------------------------------------------------ decode --- */

static void test_decode(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  const lq_uk_llm_mf_decode_fn fn = (lq_uk_llm_mf_decode_fn)k->fn;
  uint8_t codes[256 + 64];
  static float y[256 + 64];
  for (int f = 0; f < LQ_MINIFLOAT_COUNT_; f++) {
    const lq_mf_params p = lq_mf_params_of((lq_minifloat)f, 1);
    for (size_t off = 0; off < 3; off++) {
      for (unsigned c = 0; c < 256 + 40; c++) codes[off + c] = (uint8_t)(c * 97u + off); /* every byte value */
      for (size_t si = 0; si < NSCALES + 1; si++) {
        const float sc = si < NSCALES ? scales[si] : 0.0f;
        for (size_t len = 256 + 40; len > 200; len -= 7) { /* tails; the table path (n >= 256) and the direct one */
          y[off + len] = 7.0f;
          fn(&p, len, codes + off, sc, y + off);
          assert_true(y[off + len] == 7.0f);
          for (unsigned c = 0; c < len; c++) {
            const float d = lq_minifloat_to_f32((lq_minifloat)f, codes[off + c]);
            const uint32_t want = lq_test_bits(sc == 1.0f ? d : d * sc);
            if (lq_test_bits(y[off + c]) != want)
              fail_msg("%s fmt %d code 0x%02x * %g: 0x%08x, definition 0x%08x", k->name, f, codes[off + c], (double)sc,
                       lq_test_bits(y[off + c]), want);
          }
        }
        fn(&p, 5, codes + off, sc, y + off); /* short: no table */
        for (unsigned c = 0; c < 5; c++) {
          const float d = lq_minifloat_to_f32((lq_minifloat)f, codes[off + c]);
          assert_int_equal(lq_test_bits(y[off + c]), lq_test_bits(sc == 1.0f ? d : d * sc));
        }
      }
    }
  }
}

/* ---------------------------------------------------------------- MX --- */

static const lq_minifloat mx_elem[LQ_MX_TYPE_COUNT_] = {LQ_FP4_E2M1, LQ_FP6_E2M3, LQ_FP6_E3M2,
                                                        LQ_FP8_E4M3, LQ_FP8_E5M2, LQ_MINIFLOAT_COUNT_};
static const int mx_emax[LQ_MX_TYPE_COUNT_] = {2, 2, 4, 8, 15, 0};
static const size_t mx_payload[LQ_MX_TYPE_COUNT_] = {16, 24, 24, 32, 32, 32};

/* The previous implementation of lq_mx_quantize / lq_mx_dequantize (frexpf,
 * ldexpf per element, the definition's element encoder), the oracle. */
static void old_put(lq_mx_type t, uint8_t* p, int j, unsigned c) {
  if (t == LQ_MXFP4) {
    p[j / 2] |= (uint8_t)(c << (4 * (j & 1)));
  } else if (t == LQ_MXFP6_E2M3 || t == LQ_MXFP6_E3M2) {
    unsigned bit = 6u * (unsigned)j;
    p[bit / 8] |= (uint8_t)(c << (bit % 8));
    if (bit % 8 > 2) p[bit / 8 + 1] |= (uint8_t)(c >> (8 - bit % 8));
  } else {
    p[j] = (uint8_t)c;
  }
}
static unsigned old_get(lq_mx_type t, const uint8_t* p, int j) {
  if (t == LQ_MXFP4) return (p[j / 2] >> (4 * (j & 1))) & 15u;
  if (t == LQ_MXFP6_E2M3 || t == LQ_MXFP6_E3M2) {
    unsigned bit = 6u * (unsigned)j, v = p[bit / 8] >> (bit % 8);
    if (bit % 8 > 2) v |= (unsigned)p[bit / 8 + 1] << (8 - bit % 8);
    return v & 63u;
  }
  return p[j];
}
static void old_quant_block(lq_mx_type t, const float* xb, uint8_t* o) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
  int se = -127;
  if (amax > 0.0f) {
    int e;
    frexpf(amax, &e);
    se = (e - 1) - mx_emax[t];
    if (se < -127) se = -127;
    if (se > 127) se = 127;
  }
  o[0] = (uint8_t)(se + 127);
  memset(o + 1, 0, mx_payload[t]);
  for (int j = 0; j < 32; j++) {
    const float v = ldexpf(xb[j], -se);
    unsigned c;
    if (t == LQ_MXINT8) {
      float q = nearbyintf(v * 64.0f);
      q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
      c = (uint8_t)(int8_t)q;
    } else {
      c = lq_minifloat_from_f32(mx_elem[t], 1, v);
    }
    old_put(t, o + 1, j, c);
  }
}
static void old_dequant_block(lq_mx_type t, const uint8_t* o, float* y) {
  for (int j = 0; j < 32; j++) {
    const unsigned c = old_get(t, o + 1, j);
    const float v = t == LQ_MXINT8 ? (float)(int8_t)c * 0x1p-6f : lq_minifloat_to_f32(mx_elem[t], (uint8_t)c);
    y[j] = o[0] == 0xFF ? NAN : ldexpf(v, (int)o[0] - 127);
  }
}

/* Block b of the MX test data: a random block scaled by 2^e, e sweeping
 * -160..130 (amax from f32 subnormal to >= 2^127), with some blocks all
 * zero, some holding exact element ties, f32 subnormals or max floats. */
static void mx_block_data(uint64_t seed, size_t b, float* x) {
  const int e = -160 + (int)(b % 291);
  const uint32_t kind = lq_rng_u32(seed, b) % 6;
  for (int j = 0; j < 32; j++) {
    const uint32_t r = lq_rng_u32(seed + 1, b * 32 + (size_t)j);
    float v = lq_test_uniform(seed + 2, b * 32 + (size_t)j, -1.0f, 1.0f);
    if (kind == 1) v = (float)((int)(r % 65) - 32) * 0.0625f;        /* ties of every element format */
    if (kind == 2 && r % 3 == 0) v = lq_test_float(r & 0x807FFFFFu); /* f32 subnormals beside normals */
    if (kind == 3) v = (r & 1) ? -0.0f : 0.0f;
    x[j] = kind == 4 ? ldexpf(v, 127) * 1.9f : ldexpf(v, e);
    if (kind == 5 && j == (int)(b % 32)) x[j] = (r & 1) ? FLT_MAX : -FLT_MAX;
    if (!isfinite(x[j])) x[j] = FLT_MAX; /* ldexpf overflow at the top of the sweep */
  }
}

enum { MXB = 600 };
static float mxx[MXB * 32 + 8], ya[MXB * 32 + 8], yb[MXB * 32 + 8];
static uint8_t qa[MXB * 33 + 8], qb[MXB * 33 + 8];

static void test_mx_quant(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  const lq_uk_llm_mx_quant_fn fn = (lq_uk_llm_mx_quant_fn)k->fn;
  for (int t = 0; t < LQ_MX_TYPE_COUNT_; t++) {
    const lq_mx_params p = lq_mx_params_of((lq_mx_type)t);
    const size_t bb = 1 + mx_payload[t];
    assert_int_equal(p.payload, mx_payload[t]);
    for (size_t off = 0; off < 2; off++) {
      float* x = mxx + off;
      for (size_t b = 0; b < MXB; b++) mx_block_data(77 + (uint64_t)t + off, b, x + 32 * b);
      for (size_t b = 0; b < MXB; b++) old_quant_block((lq_mx_type)t, x + 32 * b, qb + off + bb * b);
      qa[off + bb * MXB] = 0xEE;
      assert_int_equal(fn(&p, MXB, x, qa + off), 0);
      assert_int_equal(qa[off + bb * MXB], 0xEE);
      for (size_t b = 0; b < MXB; b++)
        if (memcmp(qa + off + bb * b, qb + off + bb * b, bb) != 0)
          fail_msg("%s type %d block %zu (scale 0x%02x vs 0x%02x) differs from the previous implementation", k->name,
                   t, b, qa[off + bb * b], qb[off + bb * b]);
      /* NaN / Inf anywhere is reported */
      const float bad[] = {NAN, -NAN, INFINITY, -INFINITY};
      for (int i = 0; i < 4; i++) {
        const size_t at = (size_t)(97 * i + 31 * t) % (MXB * 32);
        const float keep = x[at];
        x[at] = bad[i];
        assert_int_equal(fn(&p, MXB, x, qa + off), 1);
        x[at] = keep;
      }
    }
  }
}

static void test_mx_dequant(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  const lq_uk_llm_mx_dequant_fn fn = (lq_uk_llm_mx_dequant_fn)k->fn;
  for (int t = 0; t < LQ_MX_TYPE_COUNT_; t++) {
    const lq_mx_params p = lq_mx_params_of((lq_mx_type)t);
    const size_t bb = 1 + mx_payload[t], nb = 512;
    for (size_t off = 0; off < 2; off++) {
      uint8_t* q = qa + off;
      for (size_t i = 0; i < nb * bb; i++) q[i] = (uint8_t)lq_rng_u32(900 + (uint64_t)t, i);
      for (size_t b = 0; b < nb; b++) q[b * bb] = (uint8_t)b; /* every scale byte, 0 and 0xFF included */
      ya[off + nb * 32] = 7.0f;
      fn(&p, nb, q, ya + off);
      assert_true(ya[off + nb * 32] == 7.0f);
      for (size_t b = 0; b < nb; b++) old_dequant_block((lq_mx_type)t, q + b * bb, yb + off + 32 * b);
      for (size_t i = 0; i < nb * 32; i++)
        if (lq_test_bits(ya[off + i]) != lq_test_bits(yb[off + i]))
          fail_msg("%s type %d element %zu (scale byte 0x%02x): %a (0x%08x), previous implementation %a (0x%08x)",
                   k->name, t, i, q[i / 32 * bb], (double)ya[off + i], lq_test_bits(ya[off + i]),
                   (double)yb[off + i], lq_test_bits(yb[off + i]));
    }
  }
}

static void run_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  if (strcmp(k->slot, "llm_mf_encode") == 0) test_encode(state);
  else if (strcmp(k->slot, "llm_mf_decode") == 0) test_decode(state);
  else if (strcmp(k->slot, "llm_mx_quant") == 0) test_mx_quant(state);
  else test_mx_dequant(state);
}

int main(void) {
  struct CMUnitTest tests[NALL];
  size_t nt = 0;
  for (size_t i = 0; i < NALL; i++)
    if (is_mf_slot(all_kernels[i].slot))
      tests[nt++] = (struct CMUnitTest){all_kernels[i].name, run_kernel, NULL, NULL, (void*)&all_kernels[i]};
  assert_true(nt >= 4);
  return _cmocka_run_group_tests("llm_mf_kernels", tests, nt, NULL, NULL);
}
