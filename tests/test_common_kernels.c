/* Kernel tests of the common module: every kernel in common_kernels.inc is
 * called directly (not through dispatch) on every remainder path, unaligned
 * pointers and special values, and must equal the _ref kernel bit for bit. */
#include "lq_test.h"

#include "common/common_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "common/common_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { MAXN = 4099 + 8 };

typedef void (*runner)(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n);

static void run_minmax(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n) {
  float a0, a1, b0, b1;
  ((lq_uk_reduce_minmax_f32_fn)k->fn)(n, x, &a0, &a1);
  ((lq_uk_reduce_minmax_f32_fn)ref->fn)(n, x, &b0, &b1);
  if (lq_test_bits(a0) != lq_test_bits(b0) || lq_test_bits(a1) != lq_test_bits(b1))
    fail_msg("%s n=%zu: (%a,%a) vs ref (%a,%a)", k->name, n, a0, a1, b0, b1);
}
static void run_absmax(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n) {
  float a, b;
  ((lq_uk_reduce_absmax_f32_fn)k->fn)(n, x, &a);
  ((lq_uk_reduce_absmax_f32_fn)ref->fn)(n, x, &b);
  if (lq_test_bits(a) != lq_test_bits(b)) fail_msg("%s n=%zu: %a vs ref %a", k->name, n, a, b);
}
static void run_sum(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n) {
  double a, b;
  ((lq_uk_reduce_sum_f32_fn)k->fn)(n, x, &a);
  ((lq_uk_reduce_sum_f32_fn)ref->fn)(n, x, &b);
  if (memcmp(&a, &b, sizeof a) != 0) fail_msg("%s n=%zu: %a vs ref %a", k->name, n, a, b);
}
static void run_f32_u16(const lq_test_kernel* k, const lq_test_kernel* ref, const float* x, size_t n) {
  uint16_t a[MAXN + 1], b[MAXN + 1];
  a[n] = b[n] = 0xBEEF; /* guard: no write past n */
  ((lq_uk_convert_f32_u16_fn)k->fn)(n, x, a);
  ((lq_uk_convert_f32_u16_fn)ref->fn)(n, x, b);
  assert_int_equal(a[n], 0xBEEF);
  LQ_ASSERT_BITS_EQUAL(a, b, n * 2, k->name);
}
static void run_u16_f32(const lq_test_kernel* k, const lq_test_kernel* ref, const float* xf, size_t n) {
  /* Reinterpret the float buffer's bits as 16-bit patterns: covers NaN
   * payloads, subnormals and infinities of f16/bf16. */
  uint16_t in[MAXN] = {0};
  for (size_t i = 0; i < n; i++) in[i] = (uint16_t)(lq_test_bits(xf[i]) >> (i & 1 ? 16 : 3));
  float a[MAXN + 1], b[MAXN + 1];
  a[n] = b[n] = 42.0f;
  ((lq_uk_convert_u16_f32_fn)k->fn)(n, in, a);
  ((lq_uk_convert_u16_f32_fn)ref->fn)(n, in, b);
  assert_true(a[n] == 42.0f);
  LQ_ASSERT_BITS_EQUAL(a, b, n * 4, k->name);
}

static runner runner_for(const char* slot) {
  if (strcmp(slot, "reduce_minmax_f32") == 0) return run_minmax;
  if (strcmp(slot, "reduce_absmax_f32") == 0) return run_absmax;
  if (strncmp(slot, "reduce_sum", 10) == 0) return run_sum;
  if (strcmp(slot, "convert_f32_f16") == 0 || strcmp(slot, "convert_f32_bf16") == 0) return run_f32_u16;
  return run_u16_f32;
}

static void test_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  runner run = runner_for(k->slot);
  static float buf[MAXN + 16];
  for (int variant = 0; variant < 6; variant++) {
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++) {
      size_t n = lq_test_sizes[s];
      for (size_t off = 0; off < 4; off++) { /* unaligned starts */
        float* x = buf + off;
        float scale = variant == 3 ? 1e-40f : variant == 4 ? 70000.0f : 100.0f;
        lq_test_fill(x, n, 1000 + variant * 31 + off, scale, variant >= 1);
        if (variant == 5) /* signed zeros only: the -0/+0 rule decides */
          for (size_t i = 0; i < n; i++) x[i] = (lq_rng_u32(7, i) & 1) ? -0.0f : 0.0f;
        if (variant == 2 && n > 0) x[n - 1] = NAN; /* NaN in the tail */
        run(k, ref, x, n);
      }
    }
  }
  /* Every f32 bit pattern class near the f16 range limits and ties. */
  for (uint32_t base = 0x33000000u; base < 0x48000000u; base += 0x00800000u) {
    for (size_t i = 0; i < 4096; i++) buf[i] = lq_test_float(base + (uint32_t)(i * 2047u) + (i & 1 ? 0x80000000u : 0));
    run(k, ref, buf, 4096);
  }
}

static void test_ref_minmax_semantics(void** state) {
  (void)state;
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, "reduce_minmax_f32");
  float x[4] = {0.0f, -0.0f, 3.0f, -2.0f}, mn, mx;
  ((lq_uk_reduce_minmax_f32_fn)ref->fn)(2, x, &mn, &mx);
  assert_int_equal(lq_test_bits(mn), 0x80000000u); /* -0 */
  assert_int_equal(lq_test_bits(mx), 0x00000000u); /* +0 */
  ((lq_uk_reduce_minmax_f32_fn)ref->fn)(4, x, &mn, &mx);
  assert_true(mn == -2.0f && mx == 3.0f);
  ((lq_uk_reduce_minmax_f32_fn)ref->fn)(0, x, &mn, &mx);
  assert_true(isinf(mn) && mn > 0 && isinf(mx) && mx < 0);
}

int main(void) {
  struct CMUnitTest tests[NKERNELS + 1];
  size_t nt = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue; /* the reference is the oracle */
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[nt++] = (struct CMUnitTest){"ref_minmax_semantics", test_ref_minmax_semantics, NULL, NULL, NULL};
  return _cmocka_run_group_tests("common_kernels", tests, nt, NULL, NULL);
}
