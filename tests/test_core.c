/* Public API of the core: status/errors, version, sizes, f16/bf16 conversion
 * against numpy/torch golden vectors, reductions, RNG, rounding modes, ISA
 * control and CPU decoding. Runs once per LIBQUANT_ISA value. */
#include "lq_test.h"

#include "cpu/dispatch.h"

static void test_status_and_errors(void** state) {
  (void)state;
  assert_string_equal(lq_status_string(LQ_OK), "LQ_OK");
  assert_string_equal(lq_status_string(LQ_ERR_NUMERIC), "LQ_ERR_NUMERIC");
  assert_string_equal(lq_status_string((lq_status)999), "LQ_ERR_UNKNOWN");
  /* pinned values */
  assert_int_equal(LQ_ERR_INVALID_ARG, 1);
  assert_int_equal(LQ_ERR_OVERFLOW, 9);
  assert_int_equal(LQ_ERR_CANCELLED, 12);
  lq_clear_error();
  assert_string_equal(lq_last_error(), "");
  float mn, mx;
  assert_int_equal(lq_reduce_minmax_f32(NULL, 3, &mn, &mx), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "x is NULL"));
  assert_int_equal(lq_reduce_minmax_f32(NULL, 0, &mn, &mx), LQ_OK); /* empty needs no buffer */
  assert_int_equal(lq_reduce_minmax_f32(&mn, 1, NULL, &mx), LQ_ERR_INVALID_ARG);
}

static void test_version(void** state) {
  (void)state;
  assert_int_equal(lq_version_number(), LQ_VERSION_NUMBER);
  assert_string_equal(lq_version_string(), LQ_VERSION_STRING);
  char buf[32];
  snprintf(buf, sizeof buf, "%d.%d.%d", LQ_VERSION_MAJOR, LQ_VERSION_MINOR, LQ_VERSION_PATCH);
  assert_string_equal(buf, LQ_VERSION_STRING);
}

static void test_sizes(void** state) {
  (void)state;
  size_t out = 0;
  assert_int_equal(lq_size_mul(3, 5, &out), LQ_OK);
  assert_int_equal(out, 15);
  assert_int_equal(lq_size_mul(SIZE_MAX / 2 + 1, 2, &out), LQ_ERR_OVERFLOW);
  assert_non_null(strstr(lq_last_error(), "overflows"));
  assert_int_equal(lq_size_add(SIZE_MAX, 1, &out), LQ_ERR_OVERFLOW);
  assert_int_equal(lq_size_add(1, 2, NULL), LQ_ERR_INVALID_ARG);
  /* a bulk conversion whose byte count overflows is refused before any access */
  float f = 0;
  uint16_t h = 0;
  assert_int_equal(lq_convert_f32_f16(&f, SIZE_MAX / 2, &h), LQ_ERR_OVERFLOW);
}

typedef struct { uint32_t f; uint16_t h, b; } __attribute__((packed)) f32_rec;

static void test_f16_bf16_golden(void** state) {
  (void)state;
  size_t bytes;
  f32_rec* rec = lq_test_read_vector("f32_to_f16.bin", &bytes);
  size_t n = bytes / sizeof(f32_rec);
  assert_true(n > 100000);
  float* x = malloc(n * sizeof(float));
  uint16_t* h = malloc(n * 2);
  uint16_t* b = malloc(n * 2);
  for (size_t i = 0; i < n; i++) x[i] = lq_test_float(rec[i].f);
  assert_int_equal(lq_convert_f32_f16(x, n, h), LQ_OK);
  assert_int_equal(lq_convert_f32_bf16(x, n, b), LQ_OK);
  for (size_t i = 0; i < n; i++) {
    if (h[i] != rec[i].h) fail_msg("f32 0x%08x -> f16 0x%04x, numpy 0x%04x", rec[i].f, h[i], rec[i].h);
    if (lq_f32_to_f16(x[i]) != rec[i].h) fail_msg("scalar f32 0x%08x -> f16 mismatch", rec[i].f);
    if (x[i] == x[i] && b[i] != rec[i].b) fail_msg("f32 0x%08x -> bf16 0x%04x, torch 0x%04x", rec[i].f, b[i], rec[i].b);
    if (x[i] != x[i]) assert_true((b[i] & 0x7fff) > 0x7f80); /* still NaN, quiet */
  }
  free(rec);
  uint32_t* golden = lq_test_read_vector("f16_to_f32.bin", &bytes);
  assert_int_equal(bytes, 65536 * 4);
  uint16_t all[65536];
  float out[65536];
  for (uint32_t i = 0; i < 65536; i++) all[i] = (uint16_t)i;
  assert_int_equal(lq_convert_f16_f32(all, 65536, out), LQ_OK);
  for (uint32_t i = 0; i < 65536; i++) {
    uint32_t got = lq_test_bits(out[i]), want = golden[i];
    int is_snan = (i & 0x7c00) == 0x7c00 && (i & 0x3ff) != 0 && !(i & 0x200);
    if (is_snan) want |= 0x00400000u; /* numpy keeps signalling NaNs; we quiet them like F16C */
    if (got != want) fail_msg("f16 0x%04x -> f32 0x%08x, numpy 0x%08x", i, got, golden[i]);
    if (lq_test_bits(lq_f16_to_f32((uint16_t)i)) != got) fail_msg("scalar f16 0x%04x mismatch", i);
  }
  /* bf16 -> f32 is a shift */
  for (uint32_t i = 0; i < 65536; i++) assert_int_equal(lq_test_bits(lq_bf16_to_f32((uint16_t)i)), i << 16);
  free(golden);
  free(x);
  free(h);
  free(b);
  /* specific pins */
  assert_int_equal(lq_f32_to_f16(65520.0f), 0x7c00);
  assert_int_equal(lq_f32_to_f16(65519.996f), 0x7bff);
  assert_int_equal(lq_f32_to_f16(0x1p-25f), 0x0000);
  assert_int_equal(lq_f32_to_f16(0x1.000002p-25f), 0x0001);
  assert_int_equal(lq_f32_to_f16(-0.0f), 0x8000);
  assert_int_equal(lq_f32_to_f16(lq_test_float(0x7f800001u)), 0x7e00); /* sNaN quieted */
  assert_int_equal(lq_f32_to_bf16(lq_test_float(0x3f808000u)), 0x3f80); /* tie to even */
  assert_int_equal(lq_f32_to_bf16(lq_test_float(0x3f818000u)), 0x3f82);
  assert_int_equal(lq_f32_to_bf16(lq_test_float(0x7f7fffffu)), 0x7f80); /* overflow to Inf */
}

static void test_convert_bad_input(void** state) {
  (void)state;
  float x[8] = {0};
  uint16_t h[8];
  assert_int_equal(lq_convert_f32_f16(NULL, 1, h), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_convert_f32_f16(x, 1, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_convert_f32_f16(NULL, 0, NULL), LQ_OK);
  /* overlapping buffers are refused */
  assert_int_equal(lq_convert_f32_f16(x, 4, (uint16_t*)(x + 1)), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "overlap"));
}

static void test_reductions(void** state) {
  (void)state;
  enum { N = 100003 };
  float* x = malloc(N * sizeof(float));
  for (size_t i = 0; i < N; i++) x[i] = (float)(i % 1000) - 500.0f;
  float mn, mx, am;
  double s, sq;
  assert_int_equal(lq_reduce_minmax_f32(x, N, &mn, &mx), LQ_OK);
  assert_true(mn == -500.0f && mx == 499.0f);
  assert_int_equal(lq_reduce_absmax_f32(x, N, &am), LQ_OK);
  assert_true(am == 500.0f);
  assert_int_equal(lq_reduce_sum_f32(x, N, &s), LQ_OK);
  double want = 0, want_sq = 0;
  for (size_t i = 0; i < N; i++) { want += x[i]; want_sq += (double)x[i] * x[i]; }
  assert_true(s == want); /* integers: every order is exact */
  assert_int_equal(lq_reduce_sumsq_f32(x, N, &sq), LQ_OK);
  assert_true(sq == want_sq);
  x[N / 2] = NAN;
  assert_int_equal(lq_reduce_minmax_f32(x, N, &mn, &mx), LQ_OK);
  assert_true(isnan(mn) && isnan(mx));
  assert_int_equal(lq_reduce_absmax_f32(x, N, &am), LQ_OK);
  assert_true(isnan(am));
  x[N / 2] = -INFINITY;
  assert_int_equal(lq_reduce_minmax_f32(x, N, &mn, &mx), LQ_OK);
  assert_true(isinf(mn) && mn < 0 && mx == 499.0f);
  assert_int_equal(lq_reduce_absmax_f32(x, 0, &am), LQ_OK);
  assert_true(am == 0.0f);
  assert_int_equal(lq_reduce_sum_f32(x, 0, &s), LQ_OK);
  assert_true(s == 0.0);
  /* -0/+0: min prefers -0, max prefers +0, whatever the position */
  for (size_t i = 0; i < 40; i++) x[i] = 0.0f;
  x[37] = -0.0f;
  assert_int_equal(lq_reduce_minmax_f32(x, 40, &mn, &mx), LQ_OK);
  assert_int_equal(lq_test_bits(mn), 0x80000000u);
  assert_int_equal(lq_test_bits(mx), 0u);
  free(x);
}

static void test_rng(void** state) {
  (void)state;
  /* pure function of (seed, index) */
  assert_int_equal(lq_rng_u32(42, 7), lq_rng_u32(42, 7));
  assert_int_not_equal(lq_rng_u32(42, 7), lq_rng_u32(43, 7));
  assert_int_not_equal(lq_rng_u32(42, 7), lq_rng_u32(42, 7 + (1ull << 32)));
  /* uniformity: 16-bin chi-square over 1M draws (df = 15; 99.9% point 37.7) */
  enum { N = 1 << 20 };
  double bins[16] = {0}, mean = 0;
  for (uint64_t i = 0; i < N; i++) {
    float u = lq_rng_uniform_f32(2024, i);
    assert_true(u >= 0.0f && u < 1.0f);
    bins[(int)(u * 16)]++;
    mean += u;
  }
  mean /= N;
  double chi = 0, e = N / 16.0;
  for (int b = 0; b < 16; b++) chi += (bins[b] - e) * (bins[b] - e) / e;
  assert_true(chi < 37.7);
  assert_true(fabs(mean - 0.5) < 0.002);
  /* bijection on lo32 for a fixed key: no collisions among 1M outputs */
  uint32_t* v = malloc(N * sizeof *v);
  for (uint64_t i = 0; i < N; i++) v[i] = lq_rng_u32(99, i);
  unsigned char* seen = calloc(1u << 29, 1); /* 2^32 bits */
  for (size_t i = 0; i < N; i++) {
    assert_false(seen[v[i] >> 3] & (1u << (v[i] & 7)));
    seen[v[i] >> 3] |= (unsigned char)(1u << (v[i] & 7));
  }
  free(seen);
  free(v);
}

static void test_rounding_modes(void** state) {
  (void)state;
  /* x, half_even, half_up, half_away, away, floor, ceil, trunc */
  static const float table[][8] = {
      {2.5f, 2, 3, 3, 3, 2, 3, 2},         {-2.5f, -2, -2, -3, -3, -3, -2, -2},
      {0.5f, 0, 1, 1, 1, 0, 1, 0},         {-0.5f, -0.0f, 0, -1, -1, -1, -0.0f, -0.0f},
      {1.5f, 2, 2, 2, 2, 1, 2, 1},         {-1.5f, -2, -1, -2, -2, -2, -1, -1},
      {0.49999997f, 0, 0, 0, 1, 0, 1, 0},  {-0.49999997f, -0.0f, 0, -0.0f, -1, -1, -0.0f, -0.0f},
      {2.2f, 2, 2, 2, 3, 2, 3, 2},         {-2.2f, -2, -2, -2, -3, -3, -2, -2},
      {2.7f, 3, 3, 3, 3, 2, 3, 2},         {-2.7f, -3, -3, -3, -3, -3, -2, -2},
      {3.0f, 3, 3, 3, 3, 3, 3, 3},         {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f},
      {8388607.5f, 8388608, 8388608, 8388608, 8388608, 8388607, 8388608, 8388607},
      {2147483520.0f, 2147483520.0f, 2147483520.0f, 2147483520.0f, 2147483520.0f, 2147483520.0f, 2147483520.0f, 2147483520.0f},
      {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY},
      {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY},
  };
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
    for (int m = 0; m < 7; m++) {
      float got = lq_round_f32(table[t][0], (lq_round)m, 0, 0);
      if (got != table[t][m + 1]) fail_msg("round %s(%a) = %a, want %a", lq_round_name((lq_round)m), table[t][0], got, table[t][m + 1]);
      if (table[t][m + 1] == 0 && signbit(got) != signbit(table[t][m + 1]) && m != 1)
        fail_msg("round %s(%a): sign of zero", lq_round_name((lq_round)m), table[t][0]);
    }
  }
  for (int m = 0; m < LQ_ROUND_COUNT_; m++) assert_true(isnan(lq_round_f32(NAN, (lq_round)m, 1, 2)));
  assert_true(isinf(lq_round_f32(INFINITY, LQ_ROUND_STOCHASTIC, 1, 2)));
  /* names round-trip */
  for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
    lq_round r;
    assert_int_equal(lq_round_parse(lq_round_name((lq_round)m), &r), LQ_OK);
    assert_int_equal(r, m);
  }
  lq_round r;
  assert_int_equal(lq_round_parse("sideways", &r), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "sideways"));
}

static void test_stochastic_rounding(void** state) {
  (void)state;
  /* integers never move; E[SR(x)] = x; Var = f(1-f) */
  for (uint64_t i = 0; i < 1000; i++) assert_true(lq_round_f32(-7.0f, LQ_ROUND_STOCHASTIC, 5, i) == -7.0f);
  const float xs[] = {0.25f, -1.7f, 3.999f, 0.001f};
  for (size_t k = 0; k < 4; k++) {
    enum { N = 200000 };
    double s = 0, s2 = 0;
    for (uint64_t i = 0; i < N; i++) {
      float r = lq_round_f32(xs[k], LQ_ROUND_STOCHASTIC, 77 + k, i);
      assert_true(r == floorf(xs[k]) || r == floorf(xs[k]) + 1.0f);
      s += r - xs[k];
      s2 += (r - xs[k]) * (double)(r - xs[k]);
    }
    double f = xs[k] - floor(xs[k]);
    double var = f * (1 - f);
    /* mean error within 5 standard errors */
    assert_true(fabs(s / N) < 5 * sqrt(var / N) + 1e-6);
    assert_true(fabs(s2 / N - var) < 0.01);
  }
  /* reproducible */
  assert_true(lq_round_f32(0.5f, LQ_ROUND_STOCHASTIC, 9, 12345) == lq_round_f32(0.5f, LQ_ROUND_STOCHASTIC, 9, 12345));
}

static void test_isa_api(void** state) {
  (void)state;
  uint64_t m;
  assert_int_equal(lq_isa_parse("scalar", &m), LQ_OK);
  assert_int_equal(m, 0);
  assert_int_equal(lq_isa_parse("AVX2", &m), LQ_OK);
  assert_true(m & LQ_ISA_AVX2);
  assert_int_equal(lq_isa_parse("avx7", &m), LQ_ERR_INVALID_ARG);
  assert_string_equal(lq_isa_name(LQ_ISA_AVX512), "avx512");
  assert_string_equal(lq_isa_name(0), "scalar");
  /* active is always a subset of detected */
  assert_int_equal(lq_isa_active() & ~lq_isa_detected(), 0);
  uint64_t saved = lq_isa_active();
  assert_int_equal(lq_isa_set_mask(0), LQ_OK);
  assert_int_equal(lq_isa_active(), 0);
  for (size_t i = 0; i < lq_dispatch_slot_count(); i++) {
    const char *slot, *kernel;
    assert_int_equal(lq_dispatch_slot_info(i, &slot, &kernel), LQ_OK);
    assert_non_null(strstr(kernel, "__ref"));
  }
  /* the mask never adds ISAs */
  assert_int_equal(lq_isa_set_mask(~0ull), LQ_OK);
  assert_int_equal(lq_isa_active() & ~lq_isa_detected(), 0);
  assert_int_equal(lq_isa_active(), saved);
  assert_int_equal(lq_dispatch_slot_info(lq_dispatch_slot_count(), NULL, NULL), LQ_ERR_INVALID_ARG);
  /* results do not depend on the active ISA */
  float x[1000];
  lq_test_fill(x, 1000, 3, 50.0f, 0);
  double s1, s2;
  lq_reduce_sumsq_f32(x, 1000, &s1);
  lq_isa_set_mask(0);
  lq_reduce_sumsq_f32(x, 1000, &s2);
  lq_isa_set_mask(~0ull);
  assert_memory_equal(&s1, &s2, sizeof s1);
}

static void test_cpu_decode(void** state) {
  (void)state;
  const uint32_t osx_avx_fma_f16c = (1u << 27) | (1u << 28) | (1u << 12) | (1u << 29);
  const uint32_t avx2 = 1u << 5, f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31;
  /* a Zen 4 / Skylake-X style CPU with OS support for ZMM */
  uint64_t isa = lq_cpu_x86_decode(osx_avx_fma_f16c, 13, avx2 | f | dq | bw | vl, 1u << 11, 1u << 5, 0xe7);
  assert_int_equal(isa, LQ_ISA_SSE2 | LQ_ISA_AVX2 | LQ_ISA_AVX512 | LQ_ISA_AVX512VNNI | LQ_ISA_AVX512BF16);
  /* same CPU, OS without ZMM state: no AVX-512 */
  isa = lq_cpu_x86_decode(osx_avx_fma_f16c, 13, avx2 | f | dq | bw | vl, 1u << 11, 0, 0x7);
  assert_int_equal(isa, LQ_ISA_SSE2 | LQ_ISA_AVX2);
  /* OSXSAVE clear: nothing beyond SSE2 even if the CPU has AVX2 */
  isa = lq_cpu_x86_decode(osx_avx_fma_f16c & ~(1u << 27), 13, avx2, 0, 0, 0);
  assert_int_equal(isa, LQ_ISA_SSE2);
  /* AVX2 without FMA is not our AVX2 level */
  isa = lq_cpu_x86_decode(osx_avx_fma_f16c & ~(1u << 12), 13, avx2, 0, 0, 0x7);
  assert_int_equal(isa, LQ_ISA_SSE2);
  /* AVX-512F without BW (Knights Landing) */
  isa = lq_cpu_x86_decode(osx_avx_fma_f16c, 13, avx2 | f | dq | vl, 0, 0, 0xe7);
  assert_int_equal(isa, LQ_ISA_SSE2 | LQ_ISA_AVX2);
  /* aarch64 */
  assert_int_equal(lq_cpu_arm_decode(1ul << 1), LQ_ISA_NEON);
  assert_int_equal(lq_cpu_arm_decode((1ul << 1) | (1ul << 20)), LQ_ISA_NEON | LQ_ISA_NEON_DOTPROD);
  assert_int_equal(lq_cpu_arm_decode(0), 0);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_and_errors), cmocka_unit_test(test_version),
      cmocka_unit_test(test_sizes),             cmocka_unit_test(test_f16_bf16_golden),
      cmocka_unit_test(test_convert_bad_input), cmocka_unit_test(test_reductions),
      cmocka_unit_test(test_rng),               cmocka_unit_test(test_rounding_modes),
      cmocka_unit_test(test_stochastic_rounding), cmocka_unit_test(test_isa_api),
      cmocka_unit_test(test_cpu_decode),
  };
  return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
