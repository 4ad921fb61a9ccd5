/* Kernel tests of the observers module: every kernel in
 * observers_kernels.inc is called directly over every remainder path,
 * unaligned pointers and special values, and must equal _ref bit for bit. */
#include "lq_test.h"

#include "observers/observers_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "observers/observers_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { MAXN = 4099 + 8 };

static void run_rows(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n, int variant) {
  /* split n elements into rows x cols for several column counts */
  static const size_t colsv[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 64};
  for (size_t ci = 0; ci < sizeof colsv / sizeof colsv[0]; ci++) {
    size_t cols = colsv[ci];
    size_t rows = n / cols;
    float a0[80], a1[80], b0[80], b1[80];
    for (size_t c = 0; c < cols + 1; c++) {
      /* start from finite, +-Inf and NaN accumulators */
      float init = variant == 2 && c % 5 == 0 ? NAN : variant == 3 ? (c % 2 ? 0.0f : -0.0f) : INFINITY;
      a0[c] = b0[c] = init;
      a1[c] = b1[c] = variant == 3 ? (c % 2 ? -0.0f : 0.0f) : -init;
    }
    ((lq_uk_obs_minmax_rows_f32_fn)k->fn)(rows, cols, x, a0, a1);
    ((lq_uk_obs_minmax_rows_f32_fn)ref->fn)(rows, cols, x, b0, b1);
    LQ_ASSERT_BITS_EQUAL(a0, b0, (cols + 1) * 4, k->name);
    LQ_ASSERT_BITS_EQUAL(a1, b1, (cols + 1) * 4, k->name);
  }
}

static void run_hist(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n, int variant) {
  static const uint32_t nbv[] = {1, 7, 256, 2048};
  static const float los[] = {-100.0f, -3.0f, 0.0f, 0.0f};
  static const float his[] = {100.0f, 57.5f, 100.0f, 1e-3f};
  static uint32_t ca[2049], cb[2049];
  for (size_t bi = 0; bi < 4; bi++)
    for (size_t ri = 0; ri < 4; ri++)
      for (int absval = 0; absval < 2; absval++) {
        uint32_t nb = nbv[bi];
        memset(ca, 0, sizeof ca);
        memset(cb, 0, sizeof cb);
        ca[nb] = cb[nb] = 0xdeadbeefu; /* guard */
        ((lq_uk_obs_hist_f32_fn)k->fn)(n, x, los[ri], his[ri], nb, absval, ca);
        ((lq_uk_obs_hist_f32_fn)ref->fn)(n, x, los[ri], his[ri], nb, absval, cb);
        assert_int_equal(ca[nb], 0xdeadbeefu);
        LQ_ASSERT_BITS_EQUAL(ca, cb, (nb + 1) * 4, k->name);
      }
  (void)variant;
}

static void test_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  int is_hist = strcmp(k->slot, "obs_hist_f32") == 0;
  static float buf[MAXN + 16];
  for (int variant = 0; variant < 4; variant++) {
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++) {
      size_t n = lq_test_sizes[s];
      for (size_t off = 0; off < 4; off++) {
        float* x = buf + off;
        /* the histogram kernel's contract is finite input */
        lq_test_fill(x, n, 77 + variant * 13 + off, 100.0f, variant >= 1 && !is_hist);
        if (variant == 3) /* exact edges, signed zeros, values near hi */
          for (size_t i = 0; i < n; i++) x[i] = (i % 4 == 0) ? 0.0f : (i % 4 == 1) ? -0.0f : (i % 4 == 2) ? 100.0f : 57.5f;
        if (is_hist) run_hist(k, ref, x, n, variant);
        else run_rows(k, ref, x, n, variant);
      }
    }
  }
}

static void test_hist_ref_values(void** state) {
  (void)state;
  /* torch.histc([0, 0.5, 1, 1, 2, 2.5, 3], bins=3, min=0, max=3) = [2, 2, 3] */
  const float x[] = {0.0f, 0.5f, 1.0f, 1.0f, 2.0f, 2.5f, 3.0f, -0.1f, 3.1f};
  uint32_t c[3] = {0, 0, 0};
  lq_uk_obs_hist_f32__ref(9, x, 0.0f, 3.0f, 3, 0, c);
  assert_int_equal(c[0], 2);
  assert_int_equal(c[1], 2);
  assert_int_equal(c[2], 3);
  uint32_t d[3] = {0, 0, 0};
  lq_uk_obs_hist_f32__ref(9, x, 0.0f, 3.0f, 3, 1, d); /* |-0.1| lands in bin 0 */
  assert_int_equal(d[0], 3);
  float mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
  const float r[] = {1.0f, -0.0f, 0.0f, NAN, -2.0f, 5.0f};
  lq_uk_obs_minmax_rows_f32__ref(3, 2, r, mn, mx);
  assert_true(mn[0] == -2.0f && mx[0] == 1.0f);
  assert_true(mn[1] != mn[1] && mx[1] != mx[1]); /* NaN sticky */
}

int main(void) {
  struct CMUnitTest tests[NKERNELS + 1];
  for (size_t i = 0; i < NKERNELS; i++) {
    tests[i] = (struct CMUnitTest){kernels[i].name, test_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[NKERNELS] = (struct CMUnitTest){"hist_ref_values", test_hist_ref_values, NULL, NULL, NULL};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
