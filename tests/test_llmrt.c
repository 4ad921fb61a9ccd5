/* Tests of the llmrt module: every int8 GEMM kernel against the scalar
 * reference (memcmp), golden vectors from tests/vectors/gen_llmrt.py
 * (bitsandbytes' LLM.int8() decomposition in int64/float64, a Python
 * transcription of the KIVI cache, torch autograd for QLoRA), finite
 * differences, error bounds against full precision, and every bad input. */
#include "lq_test.h"

#include "llmrt/llmrt_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "llmrt/llmrt_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

/* ------------------------------------------------------ golden reader --- */
typedef struct garr { char kind; size_t bytes; void* p; } garr;
typedef struct grec { char name[96]; uint32_t narr; garr a[24]; } grec;
static grec* g_recs;
static uint32_t g_nrec;

static void load_golden(void) {
  if (g_recs) return;
  size_t size;
  unsigned char* blob = lq_test_read_vector("llmrt_golden.bin", &size);
  assert_true(size > 12 && memcmp(blob, "LQGOLD01", 8) == 0);
  memcpy(&g_nrec, blob + 8, 4);
  g_recs = calloc(g_nrec, sizeof *g_recs);
  size_t off = 12;
  for (uint32_t r = 0; r < g_nrec; r++) {
    uint32_t len, narr;
    memcpy(&len, blob + off, 4);
    off += 4;
    assert_true(len < sizeof g_recs[r].name);
    memcpy(g_recs[r].name, blob + off, len);
    off += len;
    memcpy(&narr, blob + off, 4);
    off += 4;
    assert_true(narr <= 24);
    g_recs[r].narr = narr;
    for (uint32_t k = 0; k < narr; k++) {
      uint64_t nb;
      g_recs[r].a[k].kind = (char)blob[off];
      memcpy(&nb, blob + off + 1, 8);
      off += 9;
      g_recs[r].a[k].bytes = (size_t)nb;
      g_recs[r].a[k].p = malloc((size_t)nb + 8); /* aligned copy */
      memcpy(g_recs[r].a[k].p, blob + off, (size_t)nb);
      off += (size_t)nb;
      assert_true(off <= size);
    }
  }
  free(blob);
}
static int each_record(const char* prefix, void (*fn)(const grec*)) {
  load_golden();
  int n = 0;
  for (uint32_t r = 0; r < g_nrec; r++)
    if (strncmp(g_recs[r].name, prefix, strlen(prefix)) == 0) { fn(&g_recs[r]); n++; }
  return n;
}
#define GF(r, k) ((const float*)(r)->a[k].p)
#define GD(r, k) ((const double*)(r)->a[k].p)
#define GB(r, k) ((const uint8_t*)(r)->a[k].p)
#define GI(r, k) ((const int32_t*)(r)->a[k].p)
#define GH(r, k) ((const uint16_t*)(r)->a[k].p)

/* every expected failure also clears the text, so later checks start clean */
#define expect_error(got, want) (lq_test_expect_error((got), (want), NULL), lq_clear_error())
static void assert_close(double got, double want, double tol, const char* what, size_t i) {
  if (!(fabs(got - want) <= tol)) fail_msg("%s[%zu]: %.9g vs golden %.9g (tol %.3g)", what, i, got, want, tol);
}
static const double U = 1.1920928955078125e-07; /* 2^-23 */

/* --------------------------------------------------------- kernels ------ */
static void test_gemm_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  static const size_t ms[] = {0, 1, 2, 3, 5, 9}, ns[] = {0, 1, 3, 4, 5, 8, 9, 13}, ks[] = {0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 257};
  int8_t* a = malloc(9 * 257 + 4);
  int8_t* b = malloc(13 * 257 + 4);
  int32_t c1[9 * 13 + 1], c2[9 * 13 + 1];
  for (int variant = 0; variant < 3; variant++)
    for (size_t im = 0; im < sizeof ms / sizeof *ms; im++)
      for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
        for (size_t ik = 0; ik < sizeof ks / sizeof *ks; ik++)
          for (size_t off = 0; off < 3; off += 2) {
            size_t m = ms[im], n = ns[in], kk = ks[ik];
            int8_t *ap = a + off, *bp = b + off + 1; /* unaligned */
            for (size_t i = 0; i < m * kk; i++)
              ap[i] = variant == 1 ? -128 : (int8_t)lq_rng_u32(11 + variant, i);
            for (size_t i = 0; i < n * kk; i++)
              bp[i] = variant == 1 ? (i & 1 ? -128 : 127) : variant == 2 ? -128 : (int8_t)lq_rng_u32(99, i);
            c1[m * n] = c2[m * n] = 0x5a5a5a5a;
            ((lq_uk_llmrt_gemm_s8_fn)k->fn)(m, n, kk, ap, bp, c1);
            ((lq_uk_llmrt_gemm_s8_fn)ref->fn)(m, n, kk, ap, bp, c2);
            assert_int_equal(c1[m * n], 0x5a5a5a5a);
            LQ_ASSERT_BITS_EQUAL(c1, c2, m * n * 4, k->name);
          }
  /* All -128: every product is 2^14, the saturating-madd case. */
  memset(a, 0x80, 257);
  memset(b, 0x80, 257);
  ((lq_uk_llmrt_gemm_s8_fn)k->fn)(1, 1, 257, a, b, c1);
  assert_int_equal(c1[0], 257 * 16384);
  free(a);
  free(b);
}

static void test_gemm_ref_values(void** state) {
  (void)state;
  const int8_t a[6] = {1, -2, 3, 127, -128, 0}, b[6] = {4, 5, -6, -128, -128, 7};
  int32_t c[2];
  lq_uk_llmrt_gemm_s8__ref(2, 1, 3, a, b, c);
  assert_int_equal(c[0], 4 - 10 - 18);
  assert_int_equal(c[1], 127 * 4 + -128 * 5 + 0);
  assert_int_equal(lq_int8_gemm_s8(a, b, 1, 2, 3, c), LQ_OK);
  assert_int_equal(c[0], 4 - 10 - 18);
  assert_int_equal(c[1], -128 + 256 + 21); /* a[0..2] . b[3..5] */
}

/* ------------------------------------------------------------ int8 ------ */
static void check_int8(const grec* r) {
  const int32_t* p = GI(r, 0);
  const size_t m = p[0], k = p[1], n = p[2], nout_g = p[6];
  const int hk = p[3], whalf = p[4], plain = p[5];
  lq_int8_config cfg = {GF(r, 1)[0], plain, (lq_half_kind)hk};
  int8_t* xq = malloc(m * k);
  float* xs = malloc(m * sizeof(float));
  uint32_t* cols = malloc(k * sizeof(uint32_t));
  uint16_t* xh = malloc(m * k * 2 + 2);
  size_t nout = 99;
  /* Too little room: BUFFER_TOO_SMALL reports the count. */
  if (nout_g > 0) {
    expect_error(lq_int8_quantize_act(&cfg, GF(r, 2), m, k, xq, xs, nout_g - 1, cols, xh, &nout),
                 LQ_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(nout, nout_g);
  }
  assert_int_equal(lq_int8_quantize_act(&cfg, GF(r, 2), m, k, xq, xs, k, cols, xh, &nout), LQ_OK);
  assert_int_equal(nout, nout_g);
  LQ_ASSERT_BITS_EQUAL(xq, GB(r, 4), m * k, r->name);
  LQ_ASSERT_BITS_EQUAL(xs, GF(r, 5), m * 4, r->name);
  for (size_t o = 0; o < nout; o++) assert_int_equal(cols[o], GI(r, 6)[o]);
  LQ_ASSERT_BITS_EQUAL(xh, GH(r, 7), m * nout * 2, r->name);
  int8_t* wq = malloc(n * k);
  float* ws = malloc(n * sizeof(float));
  assert_int_equal(lq_int8_quantize_rows(GF(r, 3), n, k, wq, ws), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(wq, GB(r, 8), n * k, r->name);
  LQ_ASSERT_BITS_EQUAL(ws, GF(r, 9), n * 4, r->name);
  lq_int8_act xa = {xq, xs, m, k, cols, nout, xh, (lq_half_kind)hk};
  lq_int8_weight wa = {wq, ws, n, k, whalf ? GH(r, 10) : NULL, LQ_HALF_F16};
  float* y = malloc(m * n * sizeof(float));
  int32_t* acc = malloc(m * n * sizeof(int32_t));
  assert_int_equal(lq_int8_matmul(&xa, &wa, y, acc), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(acc, GI(r, 11), m * n * 4, r->name);
  for (size_t i = 0; i < m * n; i++) /* 3 roundings in the int8 part + one per outlier column */
    assert_close(y[i], GD(r, 12)[i], (double)(nout + 4) * U * GD(r, 13)[i] + 1e-30, r->name, i);
  float* y2 = malloc(m * n * sizeof(float));
  assert_int_equal(lq_int8_matmul(&xa, &wa, y2, NULL), LQ_OK); /* without acc_out: same bits */
  LQ_ASSERT_BITS_EQUAL(y, y2, m * n * 4, r->name);
  free(xq); free(xs); free(cols); free(xh); free(wq); free(ws); free(y); free(y2); free(acc);
}
static void test_int8_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("int8_", check_int8), 7);
}

/* LLM.int8() beats plain int8 on activations with outlier features. */
static void test_int8_outliers_help(void** state) {
  (void)state;
  enum { M = 16, K = 256, N = 32 };
  static float x[M * K], w[N * K], yref[M * N], y1[M * N], y2[M * N];
  lq_test_fill(x, M * K, 5, 1.0f, 0);
  lq_test_fill(w, N * K, 6, 0.05f, 0);
  for (int i = 0; i < M; i++) x[i * K + 7] = 60.0f * (i & 1 ? 1 : -1), x[i * K + 99] = 25.0f;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int c = 0; c < K; c++) s += (double)x[i * K + c] * w[j * K + c];
      yref[i * N + j] = (float)s;
    }
  static int8_t xq[M * K], wq[N * K];
  static float xs[M], ws[N];
  static uint32_t cols[K];
  static uint16_t xh[M * K];
  size_t nout;
  assert_int_equal(lq_int8_quantize_rows(w, N, K, wq, ws), LQ_OK);
  double e[2];
  for (int mode = 0; mode < 2; mode++) {
    lq_int8_config cfg = {0, mode, LQ_HALF_F16};
    assert_int_equal(lq_int8_quantize_act(&cfg, x, M, K, xq, xs, K, cols, xh, &nout), LQ_OK);
    assert_int_equal(nout, mode ? 0 : 2);
    lq_int8_act xa = {xq, xs, M, K, cols, nout, xh, LQ_HALF_F16};
    lq_int8_weight wa = {wq, ws, N, K, NULL, LQ_HALF_F16};
    assert_int_equal(lq_int8_matmul(&xa, &wa, mode ? y2 : y1, NULL), LQ_OK);
    double s = 0, r = 0;
    for (int i = 0; i < M * N; i++) {
      double d = (mode ? y2 : y1)[i] - yref[i];
      s += d * d;
      r += (double)yref[i] * yref[i];
    }
    e[mode] = sqrt(s / r);
  }
  /* Outliers of 60 crush the other features to a few int8 levels. */
  assert_true(e[0] < 0.02);
  assert_true(e[1] > 4 * e[0]);
}

static void test_int8_bad_inputs(void** state) {
  (void)state;
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int8_t q[8];
  float s[2];
  uint32_t cols[4];
  uint16_t h[8];
  size_t nout;
  expect_error(lq_int8_quantize_rows(NULL, 2, 4, q, s), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_quantize_rows(x, 2, 4, NULL, s), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_quantize_rows(x, 2, 4, q, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_quantize_rows(x, SIZE_MAX, 4, q, s), LQ_ERR_OVERFLOW);
  assert_int_equal(lq_int8_quantize_rows(NULL, 0, 4, NULL, NULL), LQ_OK);
  x[3] = NAN;
  expect_error(lq_int8_quantize_rows(x, 2, 4, q, s), LQ_ERR_NUMERIC);
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_NUMERIC);
  x[3] = INFINITY;
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_NUMERIC);
  x[3] = 4;
  lq_int8_config bad = {-1.0f, 0, LQ_HALF_F16};
  expect_error(lq_int8_quantize_act(&bad, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_INVALID_ARG);
  bad.threshold = NAN;
  expect_error(lq_int8_quantize_act(&bad, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_INVALID_ARG);
  lq_int8_config bad2 = {0, 2, LQ_HALF_F16};
  expect_error(lq_int8_quantize_act(&bad2, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_INVALID_ARG);
  lq_int8_config bad3 = {0, 0, (lq_half_kind)7};
  expect_error(lq_int8_quantize_act(&bad3, x, 2, 4, q, s, 4, cols, h, &nout), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 4, cols, h, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 4, NULL, h, &nout), LQ_ERR_INVALID_ARG);
  /* 6, 7, 8 reach the threshold: columns 1, 2, 3 are outliers; no room. */
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 2, cols, h, &nout), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(nout, 3);
  expect_error(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 3, cols, NULL, &nout), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_int8_quantize_act(NULL, x, 2, 4, q, s, 3, cols, h, &nout), LQ_OK);
  /* Row 0 = {1,2,3,4}: absmax over non-outliers {1,2,3,4} is 4; outlier columns zeroed. */
  assert_true(s[0] == 4.0f && s[1] == 5.0f);
  assert_int_equal(q[0], 32); /* rne(1 * 127/4) = rne(31.75) */
  assert_int_equal(q[1] | q[2] | q[3] | q[5] | q[6] | q[7], 0);
  assert_int_equal(q[4], 127);
  assert_int_equal(cols[0] * 100 + cols[1] * 10 + cols[2], 123);
  assert_true(lq_f16_to_f32(h[0]) == 2.0f && lq_f16_to_f32(h[5]) == 8.0f);
  /* An all-zero row quantizes to zeros with absmax 0. */
  float z[4] = {0, -0.0f, 0, 0};
  assert_int_equal(lq_int8_quantize_rows(z, 1, 4, q, s), LQ_OK);
  assert_true(s[0] == 0.0f && q[0] == 0 && q[3] == 0);

  int8_t wq[8] = {0};
  float ws[2] = {1, 1};
  lq_int8_act xa = {q, s, 2, 4, cols, 3, h, LQ_HALF_F16};
  lq_int8_weight wa = {wq, ws, 2, 4, NULL, LQ_HALF_F16};
  float y[4];
  expect_error(lq_int8_matmul(NULL, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_matmul(&xa, NULL, y, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_matmul(&xa, &wa, NULL, NULL), LQ_ERR_INVALID_ARG);
  wa.cols = 3;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  wa.cols = 4;
  uint32_t badcols[3] = {1, 1, 2};
  xa.outlier_cols = badcols;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  badcols[1] = 9;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  xa.outlier_cols = cols;
  xa.n_outliers = 5;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  xa.n_outliers = 3;
  xa.outlier_type = (lq_half_kind)3;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  xa.outlier_type = LQ_HALF_F16;
  wa.half = h;
  wa.half_type = (lq_half_kind)3;
  expect_error(lq_int8_matmul(&xa, &wa, y, NULL), LQ_ERR_INVALID_ARG);
  int32_t c[1];
  expect_error(lq_int8_gemm_s8(wq, wq, 1, 1, LQ_INT8_MAX_K + 1, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_gemm_s8(wq, wq, SIZE_MAX, 2, 4, c), LQ_ERR_OVERFLOW);
  expect_error(lq_int8_gemm_s8(NULL, wq, 1, 1, 4, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_int8_gemm_s8(wq, wq, 1, 1, 4, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_int8_gemm_s8(NULL, NULL, 0, 5, 4, NULL), LQ_OK);
}

/* ------------------------------------------------------------ KIVI ------ */
static void check_kivi(const grec* r) {
  const int32_t* p = GI(r, 0);
  const size_t d = p[0], n = p[4], nq = p[5];
  lq_kivi_config cfg = {d, n, p[1], p[2] == 32 ? 0 : p[2], p[3]};
  lq_kivi_cache* c;
  assert_int_equal(lq_kivi_create(&cfg, &c), LQ_OK);
  const float *K = GF(r, 1), *V = GF(r, 2), *q = GF(r, 3);
  for (size_t t = 0; t < n; t++) assert_int_equal(lq_kivi_append(c, K + t * d, V + t * d), LQ_OK);
  assert_int_equal(lq_kivi_length(c), n);
  expect_error(lq_kivi_append(c, K, V), LQ_ERR_BUFFER_TOO_SMALL); /* full */
  float* kh = malloc(n * d * sizeof(float));
  float* vh = malloc(n * d * sizeof(float));
  assert_int_equal(lq_kivi_dequantize(c, kh, vh), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(kh, GF(r, 4), n * d * 4, r->name); /* exact: the same float32 quantization */
  LQ_ASSERT_BITS_EQUAL(vh, GF(r, 5), n * d * 4, r->name);
  lq_kivi_stats st;
  assert_int_equal(lq_kivi_get_stats(c, &st), LQ_OK);
  assert_int_equal(st.n_quantized, nq);
  assert_int_equal(st.n_residual, n - nq);
  float* sc = malloc(n * sizeof(float));
  float* pr = malloc(n * sizeof(float));
  float* out = malloc(d * sizeof(float));
  assert_int_equal(lq_kivi_scores(c, q, sc), LQ_OK);
  double eps_s = 0;
  for (size_t t = 0; t < n; t++) {
    double tol = (double)(d + 4) * U * GD(r, 7)[t];
    assert_close(sc[t], GD(r, 6)[t], tol, "kivi scores", t);
    eps_s = tol > eps_s ? tol : eps_s;
  }
  assert_int_equal(lq_kivi_attention(c, q, 0.0f, pr, out), LQ_OK);
  const double scale = 1.0 / sqrt((double)d);
  /* p error: from the scores (relative 2 scale eps_s) and the softmax's own
   * n + 8 roundings; out error: that times max |v^| plus n roundings. */
  double tp = 2 * scale * eps_s + (double)(n + 8) * U, vmax = 0;
  for (size_t i = 0; i < n * d; i++) vmax = fabs(vh[i]) > vmax ? fabs(vh[i]) : vmax;
  for (size_t t = 0; t < n; t++) assert_close(pr[t], GD(r, 8)[t], tp * GD(r, 8)[t] + 1e-12, "kivi probs", t);
  for (size_t ch = 0; ch < d; ch++)
    assert_close(out[ch], GD(r, 9)[ch], (tp + (double)(n + 8) * U) * vmax, "kivi out", ch);
  free(kh); free(vh); free(sc); free(pr); free(out);
  lq_kivi_destroy(c);
}
static void test_kivi_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("kivi_", check_kivi), 6);
}

/* Error of the quantized attention against full precision, on keys with
 * outlier channels; and the memory it saves. */
static double kivi_attention_error(int bits, int residual, size_t n, size_t d, lq_kivi_stats* st) {
  lq_kivi_config cfg = {d, n, bits, 0, residual};
  lq_kivi_cache* c;
  assert_int_equal(lq_kivi_create(&cfg, &c), LQ_OK);
  float* K = malloc(n * d * sizeof(float));
  float* V = malloc(n * d * sizeof(float));
  float q[256], out[256];
  lq_test_fill(K, n * d, 71, 1.0f, 0);
  lq_test_fill(V, n * d, 72, 1.0f, 0);
  lq_test_fill(q, d, 73, 1.0f, 0);
  for (size_t t = 0; t < n; t++) K[t * d + 3] *= 8.0f, K[t * d + 17] += 5.0f; /* outlier channels */
  for (size_t t = 0; t < n; t++) assert_int_equal(lq_kivi_append(c, K + t * d, V + t * d), LQ_OK);
  float* p = malloc(n * sizeof(float));
  assert_int_equal(lq_kivi_attention(c, q, 0.0f, p, out), LQ_OK);
  double* s = malloc(n * sizeof(double));
  double mx = -1e300, sum = 0, err = 0, nrm = 0;
  for (size_t t = 0; t < n; t++) {
    s[t] = 0;
    for (size_t ch = 0; ch < d; ch++) s[t] += (double)q[ch] * K[t * d + ch];
    s[t] /= sqrt((double)d);
    mx = s[t] > mx ? s[t] : mx;
  }
  for (size_t t = 0; t < n; t++) sum += (s[t] = exp(s[t] - mx));
  for (size_t ch = 0; ch < d; ch++) {
    double o = 0;
    for (size_t t = 0; t < n; t++) o += s[t] / sum * V[t * d + ch];
    err += (out[ch] - o) * (out[ch] - o);
    nrm += o * o;
  }
  assert_int_equal(lq_kivi_get_stats(c, st), LQ_OK);
  free(K); free(V); free(p); free(s);
  lq_kivi_destroy(c);
  return sqrt(err / nrm);
}
static void test_kivi_error_and_memory(void** state) {
  (void)state;
  lq_kivi_stats st;
  double e2 = kivi_attention_error(2, 0, 1024, 128, &st);
  /* 1024 tokens: 896 quantized (28 groups), 128 residual. Per quantized
   * token, 2-bit: K codes 32 B + K scale/min 128 ch * 8 B / 32 tokens = 32 B,
   * V codes 32 B + 4 groups * 8 B = 32 B: 128 B vs 512 B in fp16. */
  assert_int_equal(st.n_quantized, 896);
  assert_int_equal(st.n_residual, 128);
  assert_int_equal(st.quantized_bytes, 896 * 128);
  assert_int_equal(st.residual_bytes, 128 * 128 * 4 * 2);
  assert_int_equal(st.fp16_bytes, 1024 * 128 * 4);
  assert_true(st.allocated_bytes >= st.quantized_bytes + st.residual_bytes);
  double e4 = kivi_attention_error(4, 0, 1024, 128, &st);
  assert_int_equal(st.quantized_bytes, 896 * (64 + 32 + 64 + 32));
  double e2nr = kivi_attention_error(2, -1, 1024, 128, &st);
  assert_int_equal(st.n_quantized, 1024);
  print_message("KIVI attention rel. error: 2-bit %.4f, 4-bit %.4f, 2-bit no residual %.4f\n", e2, e4, e2nr);
  /* With near-uniform attention over values uniform in [-1, 1] (std
   * 1/sqrt 3), the output's relative error is about the value noise over
   * the value spread: (2 / maxq) / sqrt 12 / (1 / sqrt 3) = 1 / maxq, i.e.
   * 0.333 (2-bit) and 0.0667 (4-bit); the residual window lowers it. */
  assert_true(e2 < 1.1 / 3.0 && e2 > 0.8 / 3.0);
  assert_true(e4 < 1.1 / 15.0 && e4 > 0.8 / 15.0);
  assert_true(e4 * 4 < e2);
  assert_true(e2 < e2nr);
}

static void test_kivi_bad_inputs(void** state) {
  (void)state;
  lq_kivi_cache* c = (lq_kivi_cache*)1;
  lq_kivi_config cfg = {64, 100, 0, 0, 0};
  expect_error(lq_kivi_create(NULL, &c), LQ_ERR_INVALID_ARG);
  expect_error(lq_kivi_create(&cfg, NULL), LQ_ERR_INVALID_ARG);
  cfg.bits = 3;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  assert_null(c);
  cfg.bits = 2;
  cfg.group = 24; /* does not divide 64 */
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.group = -3;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.group = 512;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.group = 0;
  cfg.residual = -2;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.residual = 0;
  cfg.head_dim = 0;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.head_dim = 64;
  cfg.max_tokens = 0;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_INVALID_ARG);
  cfg.max_tokens = SIZE_MAX / 8;
  expect_error(lq_kivi_create(&cfg, &c), LQ_ERR_OVERFLOW);
  cfg.max_tokens = 40;
  cfg.residual = -1;
  assert_int_equal(lq_kivi_create(&cfg, &c), LQ_OK);
  float k[64], v[64], q[64], p[40], o[64];
  lq_test_fill(k, 64, 1, 1.0f, 0);
  lq_test_fill(v, 64, 2, 1.0f, 0);
  lq_test_fill(q, 64, 3, 1.0f, 0);
  expect_error(lq_kivi_attention(c, q, 0.0f, p, o), LQ_ERR_STATE); /* empty */
  assert_int_equal(lq_kivi_scores(c, q, p), LQ_OK);
  assert_int_equal(lq_kivi_weighted_values(c, p, o), LQ_OK);
  assert_true(o[0] == 0.0f && o[63] == 0.0f);
  expect_error(lq_kivi_append(NULL, k, v), LQ_ERR_INVALID_ARG);
  expect_error(lq_kivi_append(c, NULL, v), LQ_ERR_INVALID_ARG);
  expect_error(lq_kivi_append(c, k, NULL), LQ_ERR_INVALID_ARG);
  k[5] = NAN;
  expect_error(lq_kivi_append(c, k, v), LQ_ERR_NUMERIC);
  k[5] = 3e38f;
  expect_error(lq_kivi_append(c, k, v), LQ_ERR_NUMERIC);
  k[5] = 1.0f;
  v[9] = -INFINITY;
  expect_error(lq_kivi_append(c, k, v), LQ_ERR_NUMERIC);
  v[9] = 0.5f;
  assert_int_equal(lq_kivi_length(c), 0);
  for (int t = 0; t < 40; t++) assert_int_equal(lq_kivi_append(c, k, v), LQ_OK);
  expect_error(lq_kivi_append(c, k, v), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(lq_kivi_length(c), 40);
  /* Identical tokens: every key group is constant (scale 0) and decodes exactly. */
  float kh[40 * 64];
  assert_int_equal(lq_kivi_dequantize(c, kh, NULL), LQ_OK);
  assert_memory_equal(kh, k, sizeof k);
  assert_memory_equal(kh + 31 * 64, k, sizeof k);
  expect_error(lq_kivi_attention(c, NULL, 0.0f, p, o), LQ_ERR_INVALID_ARG);
  expect_error(lq_kivi_attention(c, q, NAN, p, o), LQ_ERR_NUMERIC);
  q[0] = INFINITY;
  expect_error(lq_kivi_attention(c, q, 0.0f, p, o), LQ_ERR_NUMERIC);
  q[0] = 0.0f;
  assert_int_equal(lq_kivi_attention(c, q, 0.0f, p, o), LQ_OK);
  for (int t = 0; t < 40; t++) assert_true(fabsf(p[t] - 0.025f) < 1e-6f); /* equal scores */
  expect_error(lq_kivi_get_stats(c, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_kivi_dequantize(NULL, kh, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_kivi_length(NULL), 0);
  lq_kivi_destroy(c);
  lq_kivi_destroy(NULL);
}

/* ----------------------------------------------------------- QLoRA ------ */
static void check_qlora(const grec* r) {
  const int32_t* p = GI(r, 0);
  const size_t out = p[0], in = p[1], bs = p[2], rank = p[3], batch = p[5];
  const int dq = p[4];
  const float alpha = GF(r, 1)[0];
  lq_qlora_config cfg = {bs, !dq, (int32_t)rank, alpha, 0};
  /* From float32: the same NF4 (+DQ) bytes as bitsandbytes' algorithm. */
  lq_qlora* L;
  assert_int_equal(lq_qlora_create(&cfg, GF(r, 2), out, in, &L), LQ_OK);
  float* wd = malloc(out * in * sizeof(float));
  assert_int_equal(lq_qlora_dequantize_base(L, wd), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(wd, GF(r, 7), out * in * 4, r->name);
  size_t nb = (out * in + bs - 1) / bs, bytes;
  assert_int_equal(lq_qlora_base_bytes(L, &bytes), LQ_OK);
  assert_int_equal(bytes, (out * in + 1) / 2 + (dq ? nb + 4 * ((nb + 255) / 256) + 4 : 4 * nb));
  lq_qlora_destroy(L);
  /* From the stored tensors. */
  lq_qlora_nf4 base = {bs, GB(r, 3), dq ? NULL : GF(r, 4), GB(r, 5), GF(r, 6), GF(r, 1)[1], NULL};
  assert_int_equal(lq_qlora_create_nf4(&cfg, &base, out, in, &L), LQ_OK);
  memset(wd, 0, out * in * sizeof(float));
  assert_int_equal(lq_qlora_dequantize_base(L, wd), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(wd, GF(r, 7), out * in * 4, r->name);
  float *A, *B, s;
  size_t rk;
  assert_int_equal(lq_qlora_adapters(L, &A, &B, &rk, &s), LQ_OK);
  assert_int_equal(rk, rank);
  assert_true(s == alpha / (float)rank);
  memcpy(A, GF(r, 8), rank * in * sizeof(float));
  memcpy(B, GF(r, 9), out * rank * sizeof(float));
  const float *x = GF(r, 10), *dy = GF(r, 11);
  float* y = malloc(batch * out * sizeof(float));
  float* da = malloc(rank * in * sizeof(float));
  float* db = malloc(out * rank * sizeof(float));
  float* dx = malloc(batch * in * sizeof(float));
  assert_int_equal(lq_qlora_forward(L, x, batch, y), LQ_OK);
  for (size_t i = 0; i < batch * out; i++) assert_close(y[i], GD(r, 12)[i], (in + rank + 8) * U * GD(r, 16)[i], "y", i);
  assert_int_equal(lq_qlora_backward(L, x, dy, batch, da, db, dx), LQ_OK);
  for (size_t i = 0; i < rank * in; i++) assert_close(da[i], GD(r, 13)[i], (batch + out + 8) * U * GD(r, 17)[i], "dA", i);
  for (size_t i = 0; i < out * rank; i++) assert_close(db[i], GD(r, 14)[i], (batch + in + 8) * U * GD(r, 18)[i], "dB", i);
  for (size_t i = 0; i < batch * in; i++) assert_close(dx[i], GD(r, 15)[i], (out + rank + 8) * U * GD(r, 19)[i], "dx", i);
  free(wd); free(y); free(da); free(db); free(dx);
  lq_qlora_destroy(L);
}
static void test_qlora_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("qlora_", check_qlora), 4);
}

static double qlora_loss(lq_qlora* L, const float* x, const float* dy, size_t batch, size_t out) {
  float y[4 * 96];
  assert_int_equal(lq_qlora_forward(L, x, batch, y), LQ_OK);
  double s = 0;
  for (size_t i = 0; i < batch * out; i++) s += (double)dy[i] * y[i];
  return s;
}
/* Central differences of L = sum dy * y: y is linear in A, in B and in x
 * separately, so the difference quotient is exact up to float32 rounding. */
static void test_qlora_finite_differences(void** state) {
  (void)state;
  enum { OUT = 96, IN = 80, BATCH = 3, R = 4 };
  static float w[OUT * IN], x[BATCH * IN], dy[BATCH * OUT], da[R * IN], db[OUT * R], dx[BATCH * IN];
  lq_test_fill(w, OUT * IN, 31, 0.1f, 0);
  lq_test_fill(x, BATCH * IN, 32, 1.0f, 0);
  lq_test_fill(dy, BATCH * OUT, 33, 1.0f, 0);
  lq_qlora_config cfg = {0, 0, R, 8.0f, 5};
  lq_qlora* L;
  assert_int_equal(lq_qlora_create(&cfg, w, OUT, IN, &L), LQ_OK);
  float *A, *B;
  assert_int_equal(lq_qlora_adapters(L, &A, &B, NULL, NULL), LQ_OK);
  for (int i = 0; i < OUT * R; i++) assert_true(B[i] == 0.0f); /* PEFT init */
  for (int i = 0; i < R * IN; i++) assert_true(fabsf(A[i]) <= 1.0f / sqrtf((float)IN));
  lq_test_fill(B, OUT * R, 34, 0.3f, 0);
  assert_int_equal(lq_qlora_backward(L, x, dy, BATCH, da, db, dx), LQ_OK);
  const float h = 0.25f; /* a power of two: the perturbation is exact */
  for (int t = 0; t < 3; t++) {
    float* ps[3] = {A, B, x};
    float* gs[3] = {da, db, dx};
    int sizes[3] = {R * IN, OUT * R, BATCH * IN};
    for (int j = 0; j < 6; j++) {
      int idx = (int)(lq_rng_u32(40 + t, j) % (uint32_t)sizes[t]);
      float keep = ps[t][idx];
      ps[t][idx] = keep + h;
      double lp = qlora_loss(L, x, dy, BATCH, OUT);
      ps[t][idx] = keep - h;
      double lm = qlora_loss(L, x, dy, BATCH, OUT);
      ps[t][idx] = keep;
      double fd = (lp - lm) / (2 * h);
      if (fabs(fd - gs[t][idx]) > 2e-3 * (1 + fabs(fd))) fail_msg("param %d idx %d: fd %g vs grad %g", t, idx, fd, gs[t][idx]);
    }
  }
  lq_qlora_destroy(L);
}

/* A few Adam steps on a regression whose target differs from the frozen
 * base by a rank-2 update: the loss must fall by 20x. */
static void test_qlora_training(void** state) {
  (void)state;
  enum { OUT = 32, IN = 48, N = 64, R = 4 };
  static float w0[OUT * IN], wt[OUT * IN], x[N * IN], yt[N * OUT], y[N * OUT], dy[N * OUT], da[R * IN], db[OUT * R];
  static float ma[R * IN], va[R * IN], mb[OUT * R], vb[OUT * R];
  lq_test_fill(w0, OUT * IN, 51, 0.2f, 0);
  float u[OUT * 2], v[2 * IN];
  lq_test_fill(u, OUT * 2, 52, 1.0f, 0);
  lq_test_fill(v, 2 * IN, 53, 0.2f, 0);
  for (int j = 0; j < OUT; j++)
    for (int c = 0; c < IN; c++) wt[j * IN + c] = w0[j * IN + c] + u[j * 2] * v[c] + u[j * 2 + 1] * v[IN + c];
  lq_test_fill(x, N * IN, 54, 1.0f, 0);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < OUT; j++) {
      float s = 0;
      for (int c = 0; c < IN; c++) s += x[i * IN + c] * wt[j * IN + c];
      yt[i * OUT + j] = s;
    }
  lq_qlora_config cfg = {32, 0, R, 8.0f, 1};
  lq_qlora* L;
  assert_int_equal(lq_qlora_create(&cfg, w0, OUT, IN, &L), LQ_OK);
  float *A, *B;
  assert_int_equal(lq_qlora_adapters(L, &A, &B, NULL, NULL), LQ_OK);
  double first = 0, last = 0;
  for (int step = 1; step <= 300; step++) {
    assert_int_equal(lq_qlora_forward(L, x, N, y), LQ_OK);
    double loss = 0;
    for (int i = 0; i < N * OUT; i++) {
      float e = y[i] - yt[i];
      loss += (double)e * e / (N * OUT);
      dy[i] = 2.0f * e / (N * OUT);
    }
    if (step == 1) first = loss;
    last = loss;
    assert_int_equal(lq_qlora_backward(L, x, dy, N, da, db, NULL), LQ_OK);
    const float lr = 0.02f, b1 = 0.9f, b2 = 0.999f;
    const float c1 = 1.0f - powf(b1, (float)step), c2 = 1.0f - powf(b2, (float)step);
    for (int i = 0; i < R * IN; i++) {
      ma[i] = b1 * ma[i] + (1 - b1) * da[i];
      va[i] = b2 * va[i] + (1 - b2) * da[i] * da[i];
      A[i] -= lr * (ma[i] / c1) / (sqrtf(va[i] / c2) + 1e-8f);
    }
    for (int i = 0; i < OUT * R; i++) {
      mb[i] = b1 * mb[i] + (1 - b1) * db[i];
      vb[i] = b2 * vb[i] + (1 - b2) * db[i] * db[i];
      B[i] -= lr * (mb[i] / c1) / (sqrtf(vb[i] / c2) + 1e-8f);
    }
  }
  print_message("QLoRA training loss %.5f -> %.5f\n", first, last);
  assert_true(last * 20 < first);
  lq_qlora_destroy(L);
}

static void test_qlora_bad_inputs(void** state) {
  (void)state;
  float w[64 * 2] = {0}, x[64] = {0}, y[2], da[64], db[2], dx[64];
  lq_qlora* L = (lq_qlora*)1;
  lq_qlora_config cfg = {0, 0, 1, 0, 0};
  expect_error(lq_qlora_create(&cfg, NULL, 2, 64, &L), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_create(&cfg, w, 2, 64, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_create(&cfg, w, 0, 64, &L), LQ_ERR_INVALID_ARG);
  assert_null(L);
  expect_error(lq_qlora_create(&cfg, w, SIZE_MAX, 64, &L), LQ_ERR_OVERFLOW);
  cfg.blocksize = 48;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_INVALID_ARG);
  cfg.blocksize = 8192;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_INVALID_ARG);
  cfg.blocksize = 0;
  cfg.rank = -1;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_INVALID_ARG);
  cfg.rank = 1;
  cfg.alpha = NAN;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_INVALID_ARG);
  cfg.alpha = 0;
  cfg.no_double_quant = 5;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_INVALID_ARG);
  cfg.no_double_quant = 0;
  w[7] = INFINITY;
  expect_error(lq_qlora_create(&cfg, w, 2, 64, &L), LQ_ERR_NUMERIC);
  w[7] = 0;
  lq_qlora_nf4 base = {64, NULL, NULL, NULL, NULL, 0, NULL};
  expect_error(lq_qlora_create_nf4(&cfg, &base, 2, 64, &L), LQ_ERR_INVALID_ARG);
  uint8_t packed[64] = {0}, qa[2] = {255, 255};
  float nested[1] = {NAN};
  base.packed = packed;
  expect_error(lq_qlora_create_nf4(&cfg, &base, 2, 64, &L), LQ_ERR_INVALID_ARG); /* no absmax at all */
  base.qabsmax = qa;
  base.nested_absmax = nested;
  expect_error(lq_qlora_create_nf4(&cfg, &base, 2, 64, &L), LQ_ERR_NUMERIC);
  nested[0] = 1.0f;
  base.offset = INFINITY;
  expect_error(lq_qlora_create_nf4(&cfg, &base, 2, 64, &L), LQ_ERR_NUMERIC);
  base.offset = 0.5f;
  expect_error(lq_qlora_create_nf4(NULL, NULL, 2, 64, &L), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_qlora_create_nf4(&cfg, &base, 2, 64, &L), LQ_OK);
  /* NF4 code 0 is -1; absmax = dynamic_map[255] (= 1) * 1 + 0.5. */
  float wd[128];
  assert_int_equal(lq_qlora_dequantize_base(L, wd), LQ_OK);
  assert_true(wd[0] == -1.5f && wd[127] == -1.5f);
  expect_error(lq_qlora_forward(NULL, x, 1, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_forward(L, NULL, 1, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_forward(L, x, 1, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_forward(L, x, SIZE_MAX, y), LQ_ERR_OVERFLOW);
  assert_int_equal(lq_qlora_forward(L, NULL, 0, NULL), LQ_OK);
  x[3] = NAN;
  expect_error(lq_qlora_forward(L, x, 1, y), LQ_ERR_NUMERIC);
  expect_error(lq_qlora_backward(L, x, y, 1, da, db, dx), LQ_ERR_NUMERIC);
  x[3] = 0;
  y[1] = INFINITY;
  expect_error(lq_qlora_backward(L, x, y, 1, da, db, dx), LQ_ERR_NUMERIC);
  expect_error(lq_qlora_backward(L, x, y, 1, NULL, db, dx), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_backward(L, x, y, 1, da, NULL, dx), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_backward(L, NULL, y, 1, da, db, dx), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_adapters(NULL, NULL, NULL, NULL, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_dequantize_base(L, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_qlora_base_bytes(L, NULL), LQ_ERR_INVALID_ARG);
  lq_qlora_destroy(L);
  lq_qlora_destroy(NULL);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  struct CMUnitTest tests[NKERNELS + 16];
  size_t nt = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_gemm_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  const struct CMUnitTest rest[] = {
      cmocka_unit_test(test_gemm_ref_values),       cmocka_unit_test(test_int8_golden),
      cmocka_unit_test(test_int8_outliers_help),    cmocka_unit_test(test_int8_bad_inputs),
      cmocka_unit_test(test_kivi_golden),           cmocka_unit_test(test_kivi_error_and_memory),
      cmocka_unit_test(test_kivi_bad_inputs),       cmocka_unit_test(test_qlora_golden),
      cmocka_unit_test(test_qlora_finite_differences), cmocka_unit_test(test_qlora_training),
      cmocka_unit_test(test_qlora_bad_inputs)};
  for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) tests[nt++] = rest[i];
  return _cmocka_run_group_tests("llmrt", tests, nt, NULL, NULL);
}
