/* Kernel tests of the ggml K-quant slots (ggml_kernels.h): every quantizer
 * and dequantizer kernel of llm_kernels.inc equals the reference bit for bit;
 * quantizers on data
 * built to reach the searches' corner cases -- exact ties on the 1/8 grid,
 * zero and constant sub-blocks (flat: max == min), tiny values near the
 * GROUP_MAX_EPS cut, huge values, one-signed data, sparse spikes, -0.0.
 * (The reference itself equals ggml's quantizers: bench/compare/llm_vs_ggml.sh.) */
#include "lq_test.h"

#include "llm/llm_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "llm/llm_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { NSB = 3, N = NSB * 256, NVARIANTS = 10 };

static void fill_variant(float* x, int variant, uint64_t seed) {
  lq_test_fill(x, N, seed, 1.0f, 0);
  for (int i = 0; i < N; i++) {
    const uint32_t r = lq_rng_u32(seed ^ 0x5151u, (uint64_t)i);
    float v = x[i];
    switch (variant) {
      case 0: break;
      case 1: v = v * (r % 61 == 0 ? 40.0f : 1.0f); break;                       /* outliers */
      case 2: v = (float)((int)(r % 33) - 16) * 0.125f; break;                   /* ties on the 1/8 grid */
      case 3: { /* zero, constant, one-spike and -0.0 sub-blocks of 16 */
        const int sb = (i / 16) % 5;
        v = sb == 0 ? 0.0f : sb == 1 ? 0.75f : sb == 2 ? (i % 16 == 7 ? -3.0f : 0.0f) : sb == 3 ? -0.0f : v;
        break;
      }
      case 4: v *= (i / 16) % 2 ? 1e-16f : 1e-14f; break;                        /* around GROUP_MAX_EPS */
      case 5: v = v * 3e4f + (r % 97 == 0 ? 6e4f : 0.0f); break;                 /* large */
      case 6: v = fabsf(v) + 0.01f; break;                                       /* all positive */
      case 7: v = -fabsf(v) - 2.0f; break;                                       /* all negative */
      case 8: v = r % 23 == 0 ? v * 50.0f : (r % 3 ? 0.0f : -0.0f); break;       /* sparse spikes */
      case 9: v = (float)((int)(r % 9) - 4) * 0.5f * (float)(1 + (i / 32) % 3); break; /* ties, q2/q3 grids */
    }
    x[i] = v;
  }
}

static size_t k_block_bytes(const char* slot) {
  if (strstr(slot, "q2_k")) return 84;
  if (strstr(slot, "q3_k")) return 110;
  if (strstr(slot, "q4_k")) return 144;
  if (strstr(slot, "q5_k")) return 176;
  return 210;
}

static void test_k_quant(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  static float xbuf[N + 4];
  static uint8_t qa[NSB * 210 + 8], qb[NSB * 210 + 8];
  const size_t bytes = NSB * k_block_bytes(k->slot);
  for (int variant = 0; variant < NVARIANTS; variant++) {
    for (size_t off = 0; off < 2; off++) { /* unaligned input and output */
      float* x = xbuf + off;
      fill_variant(x, variant, 77 + 13 * (uint64_t)variant + off);
      memset(qa, 0xA5, sizeof qa);
      memset(qb, 0x5A, sizeof qb);
      assert_int_equal(((lq_uk_llm_ggml_quant_fn)k->fn)(NSB, x, qa + off), 0);
      assert_int_equal(((lq_uk_llm_ggml_quant_fn)ref->fn)(NSB, x, qb + off), 0);
      if (memcmp(qa + off, qb + off, bytes) != 0)
        fail_msg("%s variant %d off %zu: bytes differ", k->name, variant, off);
      assert_int_equal(qa[off + bytes], 0xA5); /* nothing written past the row */
    }
  }
}

/* Dequantizers on random block bytes (every scale and code pattern; fp16
 * d/dmin made finite half the time) and on quantized data: bits equal,
 * NaN (from a NaN d) only against NaN. */
static void test_k_dequant(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  const size_t bsz = k_block_bytes(k->slot);
  static uint8_t in[NSB * 210 + 8];
  static float ya[N + 8], yb[N + 8], xbuf[N];
  char qslot[32];
  snprintf(qslot, sizeof qslot, "%.*s_quant", (int)(strlen(k->slot) - strlen("_dequant")), k->slot);
  const lq_test_kernel* quant = lq_test_ref_kernel(kernels, NKERNELS, qslot);
  assert_non_null(quant);
  for (int variant = 0; variant < 6; variant++) {
    for (size_t off = 0; off < 2; off++) {
      if (variant < 4) {
        for (size_t b = 0; b < NSB * bsz; b++) in[off + b] = (uint8_t)lq_rng_u32(900 + (uint64_t)variant, b);
        if (variant & 1) /* finite, moderate fp16 scales: every even byte pair's high byte */
          for (size_t b = off + 1; b < off + NSB * bsz; b += 2) in[b] &= 0x7B;
      } else {
        fill_variant(xbuf, variant == 4 ? 1 : 3, 5 + off);
        assert_int_equal(((lq_uk_llm_ggml_quant_fn)quant->fn)(NSB, xbuf, in + off), 0);
      }
      ya[N + off] = yb[N + off] = 7.0f;
      ((lq_uk_llm_ggml_dequant_fn)k->fn)(NSB, in + off, ya + off);
      ((lq_uk_llm_ggml_dequant_fn)ref->fn)(NSB, in + off, yb + off);
      assert_true(ya[N + off] == 7.0f);
      for (size_t e = 0; e < N; e++)
        if (lq_test_bits(ya[off + e]) != lq_test_bits(yb[off + e]) && !(isnan(ya[off + e]) && isnan(yb[off + e])))
          fail_msg("%s variant %d element %zu: %a vs ref %a", k->name, variant, e, ya[off + e], yb[off + e]);
    }
  }
}

int main(void) {
  struct CMUnitTest tests[NKERNELS];
  size_t nt = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    if (strstr(kernels[i].slot, "_k_quant"))
      tests[nt++] = (struct CMUnitTest){kernels[i].name, test_k_quant, NULL, NULL, (void*)&kernels[i]};
    else if (strstr(kernels[i].slot, "_k_dequant"))
      tests[nt++] = (struct CMUnitTest){kernels[i].name, test_k_dequant, NULL, NULL, (void*)&kernels[i]};
  }
  return _cmocka_run_group_tests("llm_ggml_k", tests, nt, NULL, NULL);
}
