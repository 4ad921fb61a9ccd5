/* Kernel tests of the llm module: every kernel of llm_kernels.inc is called
 * directly on many sizes, unaligned pointers and awkward values, and must
 * equal the _ref kernel bit for bit (integer and float outputs alike). */
#include "lq_test.h"

#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "llm/llm_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { MAXB = 130, MAXE = MAXB * 32 };
static const size_t nblocks[] = {0, 1, 2, 3, 7, 8, 9, 16, 17, 33, 129};

/* Finite test floats: uniform data, data with specials replaced by finite
 * awkward values (+-0, subnormals, huge), equal |max| pairs, exact ties. */
static void fill_finite(float* x, size_t n, uint64_t seed, int variant) {
  float scale = variant == 3 ? 1e-39f : variant == 4 ? 3e37f : 10.0f;
  lq_test_fill(x, n, seed, scale, 0);
  for (size_t i = 0; i < n; i++) {
    uint32_t r = lq_rng_u32(seed ^ 0x77u, i);
    if (variant == 1 && r % 5 == 0) {
      float s = lq_test_specials[r / 5 % LQ_TEST_NSPECIALS];
      x[i] = isfinite(s) ? s : 0.0f;
    }
    if (variant == 2) x[i] = (float)((int)(r % 33) - 16) * 0.25f; /* many ties and equal |max| */
    if (variant == 5) x[i] = (r & 1) ? -0.0f : 0.0f;
  }
}

/* Bytes per 32-element block of a quantizer slot. */
static size_t quant_block_bytes(const char* slot) {
  if (strstr(slot, "q4_0") || strstr(slot, "iq4_nl")) return 18;
  if (strstr(slot, "q4_1")) return 20;
  if (strstr(slot, "q5_0")) return 22;
  if (strstr(slot, "q5_1")) return 24;
  return 34;
}

static void fill_bytes(uint8_t* b, size_t n, uint64_t seed, int variant) {
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)lq_rng_u32(seed, i);
  if (variant == 1) /* f16 scales: make them finite and moderate half the time */
    for (size_t i = 0; i + 1 < n; i += 2) b[i + 1] &= 0x7B;
}

/* bnb4 GEMV: every kernel (the reference too) against a double-precision
 * evaluation of the dequantized product, within the documented bound
 * (cols + 2) * 2^-24 * sum |w x| (w = code * absmax exactly). */
static void check_bnb4_gemv(const lq_test_kernel* k) {
  static const struct { size_t rows, cols, bs; } shapes[] = {
      {1, 32, 32}, {3, 64, 32}, {5, 192, 64}, {2, 256, 128}, {7, 768, 256}, {2, 4096, 4096}, {4, 8192, 64}};
  static uint8_t pbuf[4 * 8192 / 2 + 8];
  static float xbuf[8192 + 8], am[4 * 8192 / 32], y[8];
  float lut[16];
  for (int type = 0; type < 2; type++) {
    lq_bnb4_code((lq_bnb4_type)type, lut);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
      const size_t rows = shapes[s].rows, cols = shapes[s].cols, bs = shapes[s].bs, off = s % 3;
      const uint64_t seed = 9000 + 31 * s + (uint64_t)type;
      uint8_t* p = pbuf + off;
      float* x = xbuf + off;
      for (size_t i = 0; i < rows * cols / 2; i++) p[i] = (uint8_t)lq_rng_u32(seed, i);
      lq_test_fill(x, cols, seed + 1, 10.0f, 0);
      for (size_t b = 0; b < rows * cols / bs; b++) am[b] = 0.1f + 3.0f * lq_rng_uniform_f32(seed + 2, b);
      ((lq_uk_llm_bnb4_gemv_fn)k->fn)(rows, cols, bs, p, am, lut, x, y);
      for (size_t r = 0; r < rows; r++) {
        double exact = 0.0, mag = 0.0;
        for (size_t c = 0; c < cols; c++) {
          const size_t e = r * cols + c;
          const uint8_t code = e % 2 ? p[e / 2] & 15 : p[e / 2] >> 4;
          const double t = (double)lut[code] * (double)am[e / bs] * (double)x[c];
          exact += t;
          mag += fabs(t);
        }
        const double bound = (double)(cols + 2) * 0x1p-24 * mag;
        if (!(fabs((double)y[r] - exact) <= bound))
          fail_msg("%s type %d rows %zu cols %zu bs %zu row %zu: %.9g vs exact %.9g (bound %.3g)", k->name, type,
                   rows, cols, bs, r, (double)y[r], exact, bound);
      }
    }
  }
}

static void test_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  if (strstr(k->slot, "_k_")) return; /* K-quant slots (blocks of 256): tests/test_llm_ggml_k.c */
  if (strcmp(k->slot, "llm_bnb4_gemv") == 0) {
    check_bnb4_gemv(k);
    return;
  }
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  static float xbuf[MAXE + 16], ya[MAXE + 8], yb[MAXE + 8];
  static uint8_t qa[MAXB * 34 + 8], qb[MAXB * 34 + 8], in[MAXB * 34 + 16], in2[MAXB * 34 + 16];
  for (int variant = 0; variant < 6; variant++) {
    for (size_t s = 0; s < sizeof nblocks / sizeof nblocks[0]; s++) {
      const size_t nb = nblocks[s];
      for (size_t off = 0; off < 3; off++) {
        float* x = xbuf + off;
        const uint64_t seed = 500 + 17 * (uint64_t)variant + off + 1000 * s;
        fill_finite(x, nb * 32, seed, variant);
        fill_bytes(in + off, nb * 34, seed, variant & 1);
        fill_bytes(in2 + off, nb * 34, seed + 9, 1);
        if (strcmp(k->slot, "llm_bnb4_dequant") == 0) {
          static const float lut[16] = {-1.0f, -0.75f, -0.5f, -0.1f, 0.0f, 1e-40f, 0.2f, 0.3f,
                                        0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, -0.0f};
          size_t npairs = nb * 16 + (size_t)variant; /* not a multiple of the tile */
          float sc = variant == 4 ? 3e38f : 0.37f;
          ya[2 * npairs] = yb[2 * npairs] = 7.0f;
          ((lq_uk_llm_bnb4_dequant_fn)k->fn)(npairs, in + off, lut, sc, ya + off);
          ((lq_uk_llm_bnb4_dequant_fn)ref->fn)(npairs, in + off, lut, sc, yb + off);
          LQ_ASSERT_BITS_EQUAL(ya + off, yb + off, npairs * 2 * 4, k->name);
        } else if (strcmp(k->slot, "llm_nf4_quant") == 0) {
          static const size_t bss[] = {32, 64, 128, 4096};
          const size_t bsz = bss[(s + off) % 4], nbk = nb * 32 / bsz;
          float ama[MAXB + 1], amb[MAXB + 1];
          qa[nbk * bsz / 2] = qb[nbk * bsz / 2] = 0xEE;
          size_t ra = ((lq_uk_llm_nf4_quant_fn)k->fn)(nbk, bsz, x, qa, ama);
          size_t rb = ((lq_uk_llm_nf4_quant_fn)ref->fn)(nbk, bsz, x, qb, amb);
          assert_int_equal(ra, nbk);
          assert_int_equal(rb, nbk);
          assert_int_equal(qa[nbk * bsz / 2], 0xEE);
          LQ_ASSERT_BITS_EQUAL(qa, qb, nbk * bsz / 2, k->name);
          LQ_ASSERT_BITS_EQUAL(ama, amb, nbk * 4, k->name);
          if (nbk > 0) { /* a NaN/Inf stops both at its block */
            const size_t bad = (nb * 7 + off) % (nbk * bsz);
            const float keep = x[bad];
            x[bad] = variant & 1 ? NAN : -INFINITY;
            memset(qa, 0xA5, nbk * bsz / 2); /* the blocks before the bad one must be written again */
            memset(qb, 0x5A, nbk * bsz / 2);
            ra = ((lq_uk_llm_nf4_quant_fn)k->fn)(nbk, bsz, x, qa, ama);
            rb = ((lq_uk_llm_nf4_quant_fn)ref->fn)(nbk, bsz, x, qb, amb);
            assert_int_equal(ra, bad / bsz);
            assert_int_equal(rb, bad / bsz);
            LQ_ASSERT_BITS_EQUAL(qa, qb, bad / bsz * bsz / 2, k->name);
            x[bad] = keep;
          }
        } else if (strstr(k->slot, "_dequant")) {
          ((lq_uk_llm_ggml_dequant_fn)k->fn)(nb, in + off, ya + off);
          ((lq_uk_llm_ggml_dequant_fn)ref->fn)(nb, in + off, yb + off);
          /* q*d + m with d and m both NaN: C leaves which NaN's payload the
           * sum carries to the compiler's operand order; any other value
           * (and every non-NaN) must match bit for bit. */
          for (size_t e = 0; e < nb * 32; e++)
            if (lq_test_bits(ya[off + e]) != lq_test_bits(yb[off + e]) && !(isnan(ya[off + e]) && isnan(yb[off + e])))
              fail_msg("%s nb=%zu element %zu: %a vs ref %a", k->name, nb, e, ya[off + e], yb[off + e]);
        } else if (strstr(k->slot, "_quant")) {
          size_t bytes = nb * quant_block_bytes(k->slot);
          qa[bytes + off] = qb[bytes + off] = 0xEE;
          assert_int_equal(((lq_uk_llm_ggml_quant_fn)k->fn)(nb, x, qa + off), 0);
          assert_int_equal(((lq_uk_llm_ggml_quant_fn)ref->fn)(nb, x, qb + off), 0);
          LQ_ASSERT_BITS_EQUAL(qa + off, qb + off, bytes, k->name);
          assert_int_equal(qa[bytes + off], 0xEE);
          if (nb > 0) { /* one NaN/Inf anywhere is reported */
            const size_t bad = (nb * 13 + off * 5) % (nb * 32);
            const float keep = x[bad];
            x[bad] = variant == 0 ? NAN : variant == 1 ? INFINITY : -INFINITY;
            assert_int_equal(((lq_uk_llm_ggml_quant_fn)k->fn)(nb, x, qa + off), 1);
            assert_int_equal(((lq_uk_llm_ggml_quant_fn)ref->fn)(nb, x, qb + off), 1);
            assert_int_equal(qa[bytes + off], 0xEE);
            x[bad] = keep;
          }
        } else { /* dot products */
          float a = 1.0f, b = 2.0f;
          if (variant >= 3) /* no -128 in y: the SIMD kernels' fast path (0..2 keep them: the exact path) */
            for (size_t e = 0; e < nb * 34; e++) in2[off + e] = in2[off + e] == 0x80 ? 0x81 : in2[off + e];
          ((lq_uk_llm_vec_dot_fn)k->fn)(nb, in + off, in2 + off, &a);
          ((lq_uk_llm_vec_dot_fn)ref->fn)(nb, in + off, in2 + off, &b);
          if (lq_test_bits(a) != lq_test_bits(b) && !(isnan(a) && isnan(b)))
            fail_msg("%s nb=%zu: %a vs ref %a", k->name, nb, a, b);
        }
      }
    }
  }
}

/* The extreme int8 products -128 * -128 must be exact in the Q8_0 dot. */
static void test_dot_extremes(void** state) {
  (void)state;
  uint8_t x[34 * 3], y[34 * 3];
  for (int b = 0; b < 3; b++) {
    uint16_t one = lq_f32_to_f16(1.0f);
    memcpy(x + 34 * b, &one, 2);
    memcpy(y + 34 * b, &one, 2);
    memset(x + 34 * b + 2, 0x80, 32); /* -128 */
    memset(y + 34 * b + 2, b == 2 ? 0x7F : 0x80, 32);
  }
  for (size_t i = 0; i < NKERNELS; i++) {
    if (strcmp(kernels[i].slot, "llm_dot_q8_0_q8_0") != 0 || !lq_test_isa_available(kernels[i].isa)) continue;
    float s;
    ((lq_uk_llm_vec_dot_fn)kernels[i].fn)(3, x, y, &s);
    assert_true(s == 2.0f * 32 * 16384 - 32 * 128 * 127);
  }
}

/* The dot products equal ggml's AVX2 kernels bit for bit: expected bits
 * from llama.cpp's libggml-cpu-haswell (ggml_vec_dot_{q4_0,q8_0}_q8_0) on
 * this data, printed by `bench/compare/llm_vs_ggml DIR dot-golden` (see
 * llm_vs_ggml.sh). ggml's portable kernel (block-order sum) gives other bits
 * here. 41 blocks: five groups of 8 and a tail. */
static void test_dot_ggml_golden(void** state) {
  (void)state;
  enum { N = 32 * 41 };
  static float w[N], a[N];
  static uint8_t qw4[N], qw8[2 * N], qa8[2 * N];
  for (int i = 0; i < N; i++) {
    w[i] = (float)((i * 7919) % 2001 - 1000) / 256.0f * (float)(1 + (i / 32) % 5);
    a[i] = (float)((i * 104729) % 1999 - 999) / 128.0f;
  }
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q4_0, w, N, qw4), LQ_OK);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, w, N, qw8), LQ_OK);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, a, N, qa8), LQ_OK);
  for (size_t i = 0; i < NKERNELS; i++) {
    const int is_q4 = strcmp(kernels[i].slot, "llm_dot_q4_0_q8_0") == 0;
    if ((!is_q4 && strcmp(kernels[i].slot, "llm_dot_q8_0_q8_0") != 0) || !lq_test_isa_available(kernels[i].isa))
      continue;
    float s = 0.0f;
    ((lq_uk_llm_vec_dot_fn)kernels[i].fn)(N / 32, is_q4 ? (const void*)qw4 : (const void*)qw8, qa8, &s);
    if (lq_test_bits(s) != (is_q4 ? 0x439e17c2u : 0x4396283au))
      fail_msg("%s: %a (0x%08x), ggml's AVX2 kernel gives 0x%08x", kernels[i].name, s, (unsigned)lq_test_bits(s),
               is_q4 ? 0x439e17c2u : 0x4396283au);
  }
}

/* Q4_1 / Q5_0 / Q5_1 on exact rounding ties: scales d = 1 (max - min = 15
 * or 31, max = -16) put (x - min) * id + 0.5 and x * id + 16.5 exactly on
 * integers and halves; blocks mixing +0 and -0 as min/max (the scan keeps
 * the first). Every kernel equals the reference, which is checked against
 * ggml's own quantizers by bench/compare/llm_vs_ggml.sh. */
static void test_legacy_quant_ties(void** state) {
  (void)state;
  enum { NB = 6 };
  float x[NB * 32];
  for (int j = 0; j < 32; j++) {
    x[j] = 1.0f + 0.5f * (float)(j % 31);                      /* q4_1: min 1, max 16 */
    x[32 + j] = -3.0f + 0.5f * (float)(j * 7 % 63);            /* q5_1: min -3, max 28 */
    x[64 + j] = j == 5 ? -16.0f : 0.25f * (float)(j * 5 % 64) - 8.0f; /* q5_0: max -16 */
    x[96 + j] = j % 3 == 0 ? -0.0f : j % 3 == 1 ? 0.0f : 0.5f * (float)j; /* min +-0 */
    x[128 + j] = j % 2 ? 0.0f : -0.5f * (float)j;               /* max +0 first, then -0 */
    x[160 + j] = j % 2 ? -0.0f : 0.0f;                          /* all zeros, -0 first at 1 */
  }
  x[128] = -0.0f;
  static const char* const slots[] = {"llm_q4_1_quant", "llm_q5_0_quant", "llm_q5_1_quant"};
  for (int si = 0; si < 3; si++) {
    const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, slots[si]);
    uint8_t qa[NB * 24], qb[NB * 24];
    assert_int_equal(((lq_uk_llm_ggml_quant_fn)ref->fn)(NB, x, qb), 0);
    for (size_t i = 0; i < NKERNELS; i++) {
      if (strcmp(kernels[i].slot, slots[si]) != 0 || !lq_test_isa_available(kernels[i].isa)) continue;
      memset(qa, 0xA5, sizeof qa);
      assert_int_equal(((lq_uk_llm_ggml_quant_fn)kernels[i].fn)(NB, x, qa), 0);
      LQ_ASSERT_BITS_EQUAL(qa, qb, NB * quant_block_bytes(slots[si]), kernels[i].name);
    }
  }
}

/* Scaled values exactly on an NF4 bound (ties go to the lower code) and
 * one ulp either side, with absmax 1 so x*r == x. */
static void test_nf4_bounds(void** state) {
  (void)state;
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, "llm_nf4_quant");
  float x[64], am_a, am_b;
  uint8_t qa[32], qb[32];
  for (int j = 0; j < 64; j++) x[j] = (j & 1) ? -0.0f : 0.0f;
  x[0] = 1.0f;
  x[63] = -1.0f;
  for (int t = 0; t < 15; t++) {
    x[1 + t] = lq_nf4_bounds[t];
    x[16 + t] = nextafterf(lq_nf4_bounds[t], 2.0f);
    x[31 + t] = nextafterf(lq_nf4_bounds[t], -2.0f);
  }
  ((lq_uk_llm_nf4_quant_fn)ref->fn)(1, 64, x, qb, &am_b);
  assert_true(am_b == 1.0f);
  assert_int_equal(qb[0] >> 4, 15); /* 1.0 */
  assert_int_equal(qb[0] & 15, 0);  /* bounds[0] itself: no bound strictly below */
  for (size_t i = 0; i < NKERNELS; i++) {
    if (strcmp(kernels[i].slot, "llm_nf4_quant") != 0 || !lq_test_isa_available(kernels[i].isa)) continue;
    memset(qa, 0, sizeof qa);
    assert_int_equal(((lq_uk_llm_nf4_quant_fn)kernels[i].fn)(1, 64, x, qa, &am_a), 1);
    assert_true(am_a == 1.0f);
    LQ_ASSERT_BITS_EQUAL(qa, qb, 32, kernels[i].name);
  }
}

static void test_bnb4_gemv_ref(void** state) {
  (void)state;
  check_bnb4_gemv(lq_test_ref_kernel(kernels, NKERNELS, "llm_bnb4_gemv"));
}

int main(void) {
  struct CMUnitTest tests[NKERNELS + 5];
  size_t nt = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    if (strncmp(kernels[i].slot, "llm_mf_", 7) == 0 || strncmp(kernels[i].slot, "llm_mx_", 7) == 0)
      continue; /* the minifloat/MX codecs: tests/test_llm_mf_kernels.c */
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[nt++] = (struct CMUnitTest){"dot_extremes", test_dot_extremes, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"dot_ggml_golden", test_dot_ggml_golden, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"legacy_quant_ties", test_legacy_quant_ties, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"nf4_bounds", test_nf4_bounds, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"bnb4_gemv_ref", test_bnb4_gemv_ref, NULL, NULL, NULL};
  return _cmocka_run_group_tests("llm_kernels", tests, nt, NULL, NULL);
}
