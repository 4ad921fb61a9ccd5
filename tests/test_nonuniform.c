/* Tests of the nonuniform module: log/PO2 codes against a float64 numpy
 * transcription of Miyashita et al., every log kernel vs _ref, APoT levels vs
 * the reference build_power_value, companders, LUT/Lloyd-Max (Max 1960
 * Gaussian tables), delta/DM/DPCM closed-loop properties and goldens. */
#include "lq_test.h"

#include "nonuniform/nonuniform_kernels.h"
#include "vectors/nonuniform_golden.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "nonuniform/nonuniform_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define ASSERT_FAILS(expr, status)           \
  do {                                       \
    lq_clear_error();                        \
    assert_int_equal((expr), (status));      \
    assert_true(lq_last_error()[0] != '\0'); \
  } while (0)

static int ulp_diff(float a, float b) {
  int32_t ia = (int32_t)lq_test_bits(a), ib = (int32_t)lq_test_bits(b);
  if ((ia < 0) != (ib < 0)) return a == b ? 0 : 1 << 30;
  return abs(ia - ib);
}

static void test_log_golden(void** state) {
  const size_t n = COUNT(g_log_x);
  uint8_t c[COUNT(g_log_x)];
  for (size_t k = 0; k < COUNT(g_log_cfg); k++) {
    lq_log_config cfg = {g_log_cfg[k][0], g_log_cfg[k][1], (lq_log_base)g_log_cfg[k][2], g_log_cfg[k][3]};
    assert_int_equal(lq_log_encode_f32(g_log_x, n, &cfg, c), LQ_OK);
    for (size_t i = 0; i < n; i++)
      if (c[i] != g_log_codes[k * n + i]) fail_msg("cfg %zu x=%a: code %u want %u", k, g_log_x[i], c[i], g_log_codes[k * n + i]);
    /* Decoding: each level is base^t, and re-encoding a level is the identity. */
    float lv[256], y[COUNT(g_log_x)];
    size_t cnt;
    assert_int_equal(lq_log_levels(&cfg, lv, 256, &cnt), LQ_OK);
    assert_int_equal(cnt, (size_t)1 << cfg.bits);
    assert_int_equal(lq_log_decode_f32(c, n, &cfg, y), LQ_OK);
    for (size_t i = 0; i < n; i++) assert_true(y[i] == lv[c[i]]);
    uint8_t rc[256];
    assert_int_equal(lq_log_encode_f32(lv, cnt, &cfg, rc), LQ_OK);
    for (size_t i = 0; i < cnt; i++) {
      int mb = cfg.is_unsigned ? cfg.bits : cfg.bits - 1;
      if (lv[i] == 0.0f) {
        assert_int_equal(rc[i], 0);
        continue;
      }
      assert_int_equal(rc[i], i);
      int t = cfg.fsr - (1 << mb) + (int)(i & ((1u << mb) - 1));
      double want = cfg.base == LQ_LOG_BASE2 ? ldexp(1.0, t) : pow(2.0, t / 2.0);
      assert_true(fabsf(lv[i]) == (float)want);
    }
  }
  lq_log_config dflt = {0};
  uint8_t cc[4];
  const float xs[4] = {0.5f, 0.3f, -0.01f, 100.0f};
  assert_int_equal(lq_log_encode_f32(xs, 4, &dflt, cc), LQ_OK);
  assert_int_equal(cc[0], 7);              /* 2^-1 is the top exponent: fsr 0, lo -8 */
  assert_int_equal(cc[1], 6);              /* log2 0.3 = -1.74 -> -2 */
  assert_int_equal(cc[2], 8 | 1);          /* log2 0.01 = -6.6 -> -7 -> mag 1, negative */
  assert_int_equal(cc[3], 7);              /* saturates */
  lq_log_config bad = {9, 0, LQ_LOG_BASE2, 0};
  ASSERT_FAILS(lq_log_encode_f32(xs, 4, &bad, cc), LQ_ERR_INVALID_ARG);
  bad = (lq_log_config){4, 101, LQ_LOG_BASE2, 0};
  ASSERT_FAILS(lq_log_encode_f32(xs, 4, &bad, cc), LQ_ERR_INVALID_ARG);
  bad = (lq_log_config){4, 0, (lq_log_base)2, 0};
  ASSERT_FAILS(lq_log_encode_f32(xs, 4, &bad, cc), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_log_encode_f32(xs, 4, NULL, cc), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_log_encode_f32(NULL, 4, &dflt, cc), LQ_ERR_INVALID_ARG);
  const uint8_t badcode[1] = {16};
  float yy[1];
  ASSERT_FAILS(lq_log_decode_f32(badcode, 1, &dflt, yy), LQ_ERR_INVALID_ARG);
  float lv[8];
  size_t cnt;
  ASSERT_FAILS(lq_log_levels(&dflt, lv, 8, &cnt), LQ_ERR_BUFFER_TOO_SMALL);
}

static void test_log_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  static float buf[4099 + 8];
  static uint8_t a[4099 + 8], b[4099 + 8];
  const lq_log_kparams ps[] = {{0, -8, 0, 3, 0}, {1, -20, 12, 7, 0}, {0, -130, -2, 7, 1}, {1, -256, 0, 8, 1}, {0, -150, -22, 7, 0}};
  for (size_t pi = 0; pi < COUNT(ps); pi++) {
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++) {
      size_t n = lq_test_sizes[s];
      for (size_t off = 0; off < 3; off++) {
        float* x = buf + off;
        for (size_t i = 0; i < n; i++) {
          uint32_t r = lq_rng_u32(pi * 1000 + n + off, i);
          x[i] = (i % 5 == 0) ? lq_test_specials[r % LQ_TEST_NSPECIALS] : lq_test_float(r); /* every bit pattern class */
        }
        a[n] = b[n] = 0x5A;
        ((lq_uk_log_encode_fn)k->fn)(n, x, &ps[pi], a);
        ((lq_uk_log_encode_fn)ref->fn)(n, x, &ps[pi], b);
        assert_int_equal(a[n], 0x5A);
        LQ_ASSERT_BITS_EQUAL(a, b, n, k->name);
      }
    }
  }
}

static void test_apot(void** state) {
  float lv[64];
  size_t cnt;
  assert_int_equal(lq_apot_levels(2, lv, 64, &cnt), LQ_OK);
  assert_int_equal(cnt, COUNT(g_apot_2));
  assert_memory_equal(lv, g_apot_2, sizeof g_apot_2);
  assert_int_equal(lq_apot_levels(4, lv, 64, &cnt), LQ_OK);
  assert_int_equal(cnt, COUNT(g_apot_4));
  assert_memory_equal(lv, g_apot_4, sizeof g_apot_4);
  assert_int_equal(lq_apot_levels(6, lv, 64, &cnt), LQ_OK);
  assert_int_equal(cnt, COUNT(g_apot_6));
  assert_memory_equal(lv, g_apot_6, sizeof g_apot_6);
  ASSERT_FAILS(lq_apot_levels(3, lv, 64, &cnt), LQ_ERR_UNSUPPORTED);
  ASSERT_FAILS(lq_apot_levels(7, lv, 64, &cnt), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_apot_levels(4, lv, 15, &cnt), LQ_ERR_BUFFER_TOO_SMALL);
  /* APoT as a LUT quantizer: symmetric signed table alpha * (-levels, levels). */
  assert_int_equal(lq_apot_levels(4, lv, 64, &cnt), LQ_OK);
  float table[31];
  const float alpha = 2.0f;
  for (size_t i = 0; i < cnt; i++) {
    table[15 + i] = alpha * lv[i];
    table[15 - i] = -alpha * lv[i];
  }
  float xs[200], y[200];
  uint8_t c[200];
  for (int i = 0; i < 200; i++) xs[i] = lq_test_uniform(3, (uint64_t)i, -2.5f, 2.5f);
  assert_int_equal(lq_lut_encode_f32(xs, 200, table, 31, c), LQ_OK);
  assert_int_equal(lq_lut_decode_f32(c, 200, table, 31, y), LQ_OK);
  for (int i = 0; i < 200; i++)
    for (int j = 0; j < 31; j++) assert_true(fabsf(xs[i] - y[i]) <= fabsf(xs[i] - table[j]) * (1 + 1e-6f)); /* nearest */
}

static void test_companders(void** state) {
  const size_t n = COUNT(g_comp_x);
  float y[COUNT(g_comp_x)], z[COUNT(g_comp_x)];
  struct {
    lq_compand_law law;
    double p;
    const float* want;
  } cases[] = {{LQ_COMPAND_MULAW, 0, g_comp_mu255}, {LQ_COMPAND_MULAW, 100, g_comp_mu100},
               {LQ_COMPAND_ALAW, 0, g_comp_a876}, {LQ_COMPAND_ALAW, 50, g_comp_a50}};
  for (size_t k = 0; k < 4; k++) {
    lq_compander c = {cases[k].law, cases[k].p, 0, 0};
    assert_int_equal(lq_compand_compress_f32(&c, g_comp_x, n, y), LQ_OK);
    for (size_t i = 0; i < n; i++)
      if (ulp_diff(y[i], cases[k].want[i]) > 1) fail_msg("law %zu x=%a: %a want %a", k, g_comp_x[i], y[i], cases[k].want[i]);
    assert_int_equal(lq_compand_expand_f32(&c, y, n, z), LQ_OK);
    for (size_t i = 0; i < n; i++) {
      float cl = g_comp_x[i] > 1 ? 1 : g_comp_x[i] < -1 ? -1 : g_comp_x[i];
      assert_true(fabsf(z[i] - cl) <= 1e-5f * fabsf(cl) + 1e-7f);
    }
  }
  /* Companded quantizer: 8-bit µ-law, codes 1..255, recon = F^-1(q/L). */
  lq_compander c8 = {0};
  uint16_t codes[COUNT(g_comp_x)];
  assert_int_equal(lq_compand_quantize_f32(&c8, g_comp_x, n, codes, y), LQ_OK);
  for (size_t i = 0; i < n; i++) {
    int q = (int)codes[i] - 128;
    assert_true(q >= -127 && q <= 127);
    assert_true(fabs(q - (double)g_comp_mu255[i] * 127.0) <= 0.5 + 1e-5);
    float back;
    float fq = (float)(q / 127.0);
    assert_int_equal(lq_compand_expand_f32(&c8, &fq, 1, &back), LQ_OK);
    assert_true(fabsf(back - y[i]) <= 1e-6f * fabsf(y[i]) + 1e-9f);
  }
  const float zero = 0.0f;
  assert_int_equal(lq_compand_quantize_f32(&c8, &zero, 1, codes, y), LQ_OK);
  assert_int_equal(codes[0], 128);
  assert_true(y[0] == 0.0f);
  /* x_max scales; NaN and bad params are rejected. */
  lq_compander cs = {LQ_COMPAND_ALAW, 0, 6, 10.0};
  const float big[2] = {10.0f, -25.0f};
  assert_int_equal(lq_compand_quantize_f32(&cs, big, 2, codes, y), LQ_OK);
  assert_int_equal(codes[0], 32 + 31);
  assert_int_equal(codes[1], 32 - 31);
  assert_true(fabsf(y[0] - 10.0f) < 1e-5f && fabsf(y[1] + 10.0f) < 1e-5f);
  const float nanv = NAN;
  ASSERT_FAILS(lq_compand_quantize_f32(&c8, &nanv, 1, codes, y), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_compand_compress_f32(&c8, &nanv, 1, y), LQ_ERR_NUMERIC);
  lq_compander bad = {LQ_COMPAND_ALAW, 0.5, 0, 0};
  ASSERT_FAILS(lq_compand_compress_f32(&bad, g_comp_x, 1, y), LQ_ERR_INVALID_ARG);
  bad = (lq_compander){LQ_COMPAND_MULAW, -1, 0, 0};
  ASSERT_FAILS(lq_compand_compress_f32(&bad, g_comp_x, 1, y), LQ_ERR_INVALID_ARG);
  bad = (lq_compander){LQ_COMPAND_MULAW, 0, 17, 0};
  ASSERT_FAILS(lq_compand_quantize_f32(&bad, g_comp_x, 1, codes, y), LQ_ERR_INVALID_ARG);
  bad = (lq_compander){LQ_COMPAND_MULAW, 0, 0, -1};
  ASSERT_FAILS(lq_compand_quantize_f32(&bad, g_comp_x, 1, codes, y), LQ_ERR_INVALID_ARG);
  bad = (lq_compander){(lq_compand_law)5, 0, 0, 0};
  ASSERT_FAILS(lq_compand_expand_f32(&bad, g_comp_x, 1, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_compand_quantize_f32(&c8, g_comp_x, 1, NULL, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_compand_compress_f32(NULL, g_comp_x, 1, y), LQ_ERR_INVALID_ARG);
}

static void test_log_adc(void** state) {
  lq_log_adc c = {1.0, 60.0, 8};
  const int L = 127;
  float x[400], y[400];
  uint16_t q[400];
  for (int i = 0; i < 400; i++) x[i] = (i % 2 ? -1.0f : 1.0f) * powf(10.0f, -4.0f + 4.5f * (float)i / 400.0f);
  assert_int_equal(lq_log_adc_quantize_f32(&c, x, 400, q, y), LQ_OK);
  const double xmin = 1e-3, ratio = pow(1e3, 1.0 / (L - 1)); /* one step is a constant ratio */
  for (int i = 0; i < 400; i++) {
    double a = fabs(x[i]);
    int sq = (int)q[i] - 128;
    if (a < xmin) {
      assert_int_equal(sq, 0); /* dead zone below the noise floor */
      assert_true(y[i] == 0.0f);
    } else if (a <= 1.0) {
      assert_true(fabs(y[i]) / a <= sqrt(ratio) * (1 + 1e-6) && a / fabs(y[i]) <= sqrt(ratio) * (1 + 1e-6)); /* constant relative error */
      assert_true((x[i] < 0) == (sq < 0));
    } else {
      assert_int_equal(abs(sq), L); /* clipped at full scale */
      assert_true(fabsf(fabsf(y[i]) - 1.0f) < 1e-6f);
    }
  }
  lq_log_adc bad = {1.0, -5, 8};
  ASSERT_FAILS(lq_log_adc_quantize_f32(&bad, x, 1, q, y), LQ_ERR_INVALID_ARG);
  bad = (lq_log_adc){1.0, 40, 2};
  ASSERT_FAILS(lq_log_adc_quantize_f32(&bad, x, 1, q, y), LQ_ERR_INVALID_ARG);
  bad = (lq_log_adc){-1.0, 40, 8};
  ASSERT_FAILS(lq_log_adc_quantize_f32(&bad, x, 1, q, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_log_adc_quantize_f32(NULL, x, 1, q, y), LQ_ERR_INVALID_ARG);
}

static void test_lut(void** state) {
  const float lv[5] = {-1.0f, -0.25f, 0.0f, 0.5f, 2.0f};
  float t[4];
  assert_int_equal(lq_lut_thresholds(lv, 5, t), LQ_OK);
  assert_true(t[0] == -0.625f && t[1] == -0.125f && t[2] == 0.25f && t[3] == 1.25f);
  const float x[10] = {-5.0f, -0.625f, -0.6f, -0.125f, 0.0f, 0.25f, 0.2500001f, 1.25f, 100.0f, NAN};
  const uint8_t want[10] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 0};
  uint8_t c[10];
  assert_int_equal(lq_lut_encode_f32(x, 10, lv, 5, c), LQ_OK);
  assert_memory_equal(c, want, 10);
  /* Brute-force nearest on random data and a 256-entry table. */
  float big[256];
  for (int i = 0; i < 256; i++) big[i] = (float)(i * i) / 100.0f - 50.0f;
  float xs[3000], y[3000];
  uint8_t cs[3000];
  for (int i = 0; i < 3000; i++) xs[i] = lq_test_uniform(9, (uint64_t)i, -100.0f, 700.0f);
  assert_int_equal(lq_lut_encode_f32(xs, 3000, big, 256, cs), LQ_OK);
  assert_int_equal(lq_lut_decode_f32(cs, 3000, big, 256, y), LQ_OK);
  for (int i = 0; i < 3000; i++) {
    int best = 0;
    for (int j = 1; j < 256; j++)
      if (fabs((double)xs[i] - big[j]) < fabs((double)xs[i] - big[best])) best = j;
    assert_int_equal(cs[i], best);
  }
  const float one = 3.0f;
  assert_int_equal(lq_lut_encode_f32(x, 10, &one, 1, c), LQ_OK);
  for (int i = 0; i < 10; i++) assert_int_equal(c[i], 0);
  const float unsorted[3] = {0, 2, 1};
  ASSERT_FAILS(lq_lut_encode_f32(x, 3, unsorted, 3, c), LQ_ERR_INVALID_ARG);
  const float nonfinite[2] = {0, INFINITY};
  ASSERT_FAILS(lq_lut_thresholds(nonfinite, 2, t), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_lut_encode_f32(x, 3, lv, 0, c), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_lut_encode_f32(x, 3, lv, 257, c), LQ_ERR_INVALID_ARG);
  const uint8_t badc[1] = {5};
  ASSERT_FAILS(lq_lut_decode_f32(badc, 1, lv, 5, y), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_lut_decode_f32(badc, 1, NULL, 5, y), LQ_ERR_INVALID_ARG);
}

/* Standard normal samples by inverse-CDF-free Box-Muller on the library RNG. */
static void gaussian(float* x, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) {
    double u1 = (lq_rng_u32(seed, 2 * i) + 1.0) / 4294967297.0, u2 = lq_rng_u32(seed, 2 * i + 1) / 4294967296.0;
    x[i] = (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
  }
}

static void test_lloyd_max(void** state) {
  const size_t n = 200000;
  float* x = malloc(n * sizeof *x);
  gaussian(x, n, 77);
  float lv[8];
  int it;
  lq_lloyd_config cfg = {300, 1e-9};
  assert_int_equal(lq_lloyd_max_fit(x, NULL, n, 4, &cfg, lv, &it), LQ_OK);
  /* Max (1960) optimal 4-level Gaussian quantizer: +-0.4528, +-1.510. */
  const float max4[4] = {-1.510f, -0.4528f, 0.4528f, 1.510f};
  for (int i = 0; i < 4; i++) assert_true(fabsf(lv[i] - max4[i]) < 0.02f);
  assert_int_equal(lq_lloyd_max_fit(x, NULL, n, 8, &cfg, lv, &it), LQ_OK);
  const float max8[8] = {-2.152f, -1.344f, -0.7560f, -0.2451f, 0.2451f, 0.7560f, 1.344f, 2.152f};
  for (int i = 0; i < 8; i++) assert_true(fabsf(lv[i] - max8[i]) < 0.03f);
  /* Fixed point of Lloyd's conditions: each level is the mean of its cell. */
  uint8_t* c = malloc(n);
  assert_int_equal(lq_lut_encode_f32(x, n, lv, 8, c), LQ_OK);
  double s[8] = {0}, m[8] = {0};
  for (size_t i = 0; i < n; i++) {
    s[c[i]] += x[i];
    m[c[i]] += 1;
  }
  for (int j = 0; j < 8; j++) assert_true(fabs(s[j] / m[j] - lv[j]) < 1e-4);
  free(c);
  /* Weighted = unweighted on replicated data (integer weights). */
  float xs[60], ws[60], rep[200], a[3], b[3];
  size_t nr = 0;
  for (int i = 0; i < 60; i++) {
    xs[i] = (float)((i * 37) % 60) / 7.0f;
    ws[i] = (float)(1 + i % 4);
    for (int r = 0; r < (int)ws[i]; r++) rep[nr++] = xs[i];
  }
  assert_int_equal(lq_lloyd_max_fit(xs, ws, 60, 3, NULL, a, NULL), LQ_OK);
  assert_int_equal(lq_lloyd_max_fit(rep, NULL, nr, 3, NULL, b, NULL), LQ_OK);
  for (int i = 0; i < 3; i++) assert_true(fabsf(a[i] - b[i]) < 1e-5f);
  /* A zero weight removes a sample's pull entirely. */
  float x2[5] = {0, 1, 2, 10, 100}, w2[5] = {1, 1, 1, 1, 0}, l2[2];
  assert_int_equal(lq_lloyd_max_fit(x2, w2, 5, 2, NULL, l2, NULL), LQ_OK);
  assert_true(l2[0] == 1.0f && l2[1] == 10.0f);
  ASSERT_FAILS(lq_lloyd_max_fit(x2, NULL, 5, 6, NULL, l2, NULL), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_lloyd_max_fit(x2, NULL, 5, 0, NULL, l2, NULL), LQ_ERR_INVALID_ARG);
  w2[2] = -1;
  ASSERT_FAILS(lq_lloyd_max_fit(x2, w2, 5, 2, NULL, l2, NULL), LQ_ERR_NUMERIC);
  x2[1] = NAN;
  ASSERT_FAILS(lq_lloyd_max_fit(x2, NULL, 5, 2, NULL, l2, NULL), LQ_ERR_NUMERIC);
  const float zw[2] = {0, 0};
  ASSERT_FAILS(lq_lloyd_max_fit(x2 + 2, zw, 2, 1, NULL, l2, NULL), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_lloyd_max_fit(NULL, NULL, 5, 2, NULL, l2, NULL), LQ_ERR_INVALID_ARG);
  free(x);
}

static void test_delta_dm_dpcm(void** state) {
  const size_t n = COUNT(g_sig);
  int16_t q[COUNT(g_sig)];
  float r[COUNT(g_sig)], y[COUNT(g_sig)];
  assert_int_equal(lq_delta_encode_f32(g_sig, n, 0.05f, 4, q, r), LQ_OK);
  assert_memory_equal(q, g_delta_q, sizeof q);
  assert_memory_equal(r, g_delta_rec, sizeof r);
  assert_int_equal(lq_delta_decode_f32(q, n, 0.05f, y), LQ_OK);
  assert_memory_equal(y, r, sizeof r);
  const double a[2] = {1.6, -0.7};
  assert_int_equal(lq_dpcm_encode_f32(g_sig, n, a, 2, 0.05f, 4, q, r), LQ_OK);
  assert_memory_equal(q, g_dpcm_q, sizeof q);
  assert_memory_equal(r, g_dpcm_rec, sizeof r);
  assert_int_equal(lq_dpcm_decode_f32(q, n, a, 2, 0.05f, y), LQ_OK);
  assert_memory_equal(y, r, sizeof r);
  /* Without clipping the closed loop keeps |x - x~| <= step/2 (no drift). */
  assert_int_equal(lq_delta_encode_f32(g_sig, n, 0.05f, 16, q, r), LQ_OK);
  for (size_t i = 0; i < n; i++) assert_true(fabs((double)g_sig[i] - r[i]) <= 0.025 + 1e-6);
  /* Fitted predictor: an AR(2) process gives back its coefficients. */
  float* ar = malloc(20000 * sizeof *ar);
  float nz[20000];
  gaussian(nz, 20000, 5);
  ar[0] = nz[0];
  ar[1] = nz[1];
  for (int i = 2; i < 20000; i++) ar[i] = 1.2f * ar[i - 1] - 0.5f * ar[i - 2] + nz[i];
  double fit[2];
  assert_int_equal(lq_dpcm_fit_predictor(ar, 20000, 2, fit), LQ_OK);
  assert_true(fabs(fit[0] - 1.2) < 0.03 && fabs(fit[1] + 0.5) < 0.03);
  /* DPCM with the fitted predictor beats plain delta coding at equal bits. */
  int16_t* qq = malloc(20000 * sizeof *qq);
  float* rr = malloc(20000 * sizeof *rr);
  double e1 = 0, e2 = 0;
  assert_int_equal(lq_dpcm_encode_f32(ar, 20000, fit, 2, 0.5f, 4, qq, rr), LQ_OK);
  for (int i = 0; i < 20000; i++) e1 += (ar[i] - rr[i]) * (double)(ar[i] - rr[i]);
  assert_int_equal(lq_delta_encode_f32(ar, 20000, 0.5f, 4, qq, rr), LQ_OK);
  for (int i = 0; i < 20000; i++) e2 += (ar[i] - rr[i]) * (double)(ar[i] - rr[i]);
  assert_true(e1 < e2);
  free(qq);
  free(rr);
  free(ar);
  const float flat[40] = {0};
  ASSERT_FAILS(lq_dpcm_fit_predictor(flat, 40, 2, fit), LQ_ERR_NUMERIC);
  ASSERT_FAILS(lq_dpcm_fit_predictor(g_sig, 4, 2, fit), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_dpcm_fit_predictor(g_sig, n, 33, fit), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_dpcm_encode_f32(g_sig, n, a, 2, 0.0f, 4, q, r), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_dpcm_encode_f32(g_sig, n, a, 2, 0.05f, 1, q, r), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_dpcm_encode_f32(g_sig, n, NULL, 2, 0.05f, 4, q, r), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_delta_encode_f32(g_sig, n, NAN, 4, q, r), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_delta_encode_f32(g_sig, n, 0.1f, 17, q, r), LQ_ERR_INVALID_ARG);
  const float inf1[1] = {INFINITY};
  ASSERT_FAILS(lq_delta_encode_f32(inf1, 1, 0.1f, 4, q, r), LQ_ERR_NUMERIC);

  /* Delta modulation: fixed step tracks a slow ramp within one step after
   * the start; adaptive reduces slope overload on a fast sine. */
  uint8_t bits[COUNT(g_sig)];
  lq_dm_config dm = {0.1, 0, 0, 0, 0, 0};
  assert_int_equal(lq_dm_encode_f32(g_sig, n, &dm, bits, r), LQ_OK);
  assert_int_equal(lq_dm_decode_f32(bits, n, &dm, y), LQ_OK);
  assert_memory_equal(y, r, sizeof r);
  assert_int_equal(bits[0], g_sig[0] >= 0.0f);
  double prev = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(bits[i], (double)g_sig[i] >= prev);
    prev += bits[i] ? 0.1 : -0.1;
    assert_true((float)prev == r[i]);
  }
  lq_dm_config adm = {0.1, 1, 0, 0, 0, 0};
  float ra[COUNT(g_sig)];
  assert_int_equal(lq_dm_encode_f32(g_sig, n, &adm, bits, ra), LQ_OK);
  assert_int_equal(lq_dm_decode_f32(bits, n, &adm, y), LQ_OK);
  assert_memory_equal(y, ra, sizeof ra);
  double ef = 0, ea = 0;
  lq_dm_config slow = {0.02, 0, 0, 0, 0, 0}, slowa = {0.02, 1, 0, 0, 0, 0};
  assert_int_equal(lq_dm_encode_f32(g_sig, n, &slow, bits, r), LQ_OK);
  assert_int_equal(lq_dm_encode_f32(g_sig, n, &slowa, bits, ra), LQ_OK);
  for (size_t i = 0; i < n; i++) {
    ef += (g_sig[i] - r[i]) * (double)(g_sig[i] - r[i]);
    ea += (g_sig[i] - ra[i]) * (double)(g_sig[i] - ra[i]);
  }
  assert_true(ea < ef * 0.5); /* slope overload of the fixed 0.02 step */
  const uint8_t two[1] = {2};
  ASSERT_FAILS(lq_dm_decode_f32(two, 1, &dm, y), LQ_ERR_INVALID_ARG);
  lq_dm_config bad = {-1, 0, 0, 0, 0, 0};
  ASSERT_FAILS(lq_dm_encode_f32(g_sig, n, &bad, bits, r), LQ_ERR_INVALID_ARG);
  bad = (lq_dm_config){0.1, 1, 0, 0.9, 0, 0};
  ASSERT_FAILS(lq_dm_encode_f32(g_sig, n, &bad, bits, r), LQ_ERR_INVALID_ARG);
  ASSERT_FAILS(lq_dm_encode_f32(g_sig, n, NULL, bits, r), LQ_ERR_INVALID_ARG);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  struct CMUnitTest tests[NKERNELS + 16];
  size_t nt = 0;
  tests[nt++] = (struct CMUnitTest){"log_golden", test_log_golden, NULL, NULL, NULL};
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_log_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[nt++] = (struct CMUnitTest){"apot", test_apot, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"companders", test_companders, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"log_adc", test_log_adc, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"lut", test_lut, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"lloyd_max", test_lloyd_max, NULL, NULL, NULL};
  tests[nt++] = (struct CMUnitTest){"delta_dm_dpcm", test_delta_dm_dpcm, NULL, NULL, NULL};
  return _cmocka_run_group_tests("nonuniform", tests, nt, NULL, NULL);
}
