/* Kernel tests of the uniform module: every kernel of uniform_kernels.inc is
 * called directly on every remainder path, unaligned pointers, special
 * values, every rounding mode and stochastic index runs that cross a 2^32
 * key boundary, and must equal the _ref kernel bit for bit (memcmp). */
#include "lq_test.h"

#include "uniform/uniform_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "uniform/uniform_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { MAXN = 4099 + 8 };

typedef struct {
  float scale;
  int32_t zp, qmin, qmax;
} qp;

/* parameter sets per output type: full range, narrow/sub-range, big zp */
static const qp qp_s8[] = {{0.05f, 0, -128, 127}, {0.0123f, -7, -127, 127}, {1.0f, 3, -8, 7}, {1e-3f, 100, -128, 127}, {7.5f, -128, -128, 127}};
static const qp qp_u8[] = {{0.05f, 128, 0, 255}, {0.0123f, 3, 0, 254}, {1.0f, 7, 0, 15}, {1e-3f, 250, 0, 255}, {0.5f, 0, 0, 1}};
static const qp qp_s16[] = {{0.05f, 0, -32768, 32767}, {1e-4f, -300, -2048, 2047}, {1.0f, 5, -512, 511}};
static const qp qp_u16[] = {{0.05f, 32768, 0, 65535}, {1e-4f, 300, 0, 4095}, {1.0f, 5, 0, 1023}};

static const uint64_t index0s[] = {0, 12345, 0xFFFFFFFFull - 40, 0x1FFFFFFF0ull};

static void fill_x(float* x, size_t n, uint64_t seed, float amp) {
  lq_test_fill(x, n, seed, amp, 1);
  /* exact ties at the scale and awkward codes */
  for (size_t i = 0; i < n; i += 5) x[i] = (float)((int)(lq_rng_u32(seed, i) % 600) - 300) * 0.5f * (amp / 150.0f);
}

static void args_for(lq_uq_args* a, const qp* p, lq_round mode, uint64_t seed, uint64_t index0) {
  memset(a, 0, sizeof *a);
  a->inv_scale = 1.0f / p->scale;
  a->scale = p->scale;
  a->zero_point = (float)p->zp;
  a->qmin = (float)p->qmin;
  a->qmax = (float)p->qmax;
  a->mode = mode;
  a->seed = seed;
  a->index0 = index0;
}

static float xbuf[MAXN + 4], sbuf[MAXN + 4];
static int32_t zbuf[MAXN + 4];
static uint8_t o1[2 * MAXN + 64], o2[2 * MAXN + 64];

#define GUARD 0xA5

static void check_quant(const lq_test_kernel* k, const lq_test_kernel* ref, const qp* ps, size_t nps, size_t osz) {
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    for (size_t off = 0; off < 4; off += 3) {
      float* x = xbuf + off;
      for (size_t pi = 0; pi < nps; pi++) {
        fill_x(x, n, 17 + si * 31 + pi, ps[pi].scale * (float)(ps[pi].qmax - ps[pi].qmin) * 0.7f);
        for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
          for (size_t ii = 0; ii < (m == LQ_ROUND_STOCHASTIC ? 4u : 1u); ii++) {
            lq_uq_args a;
            args_for(&a, &ps[pi], (lq_round)m, 99 + pi, index0s[ii]);
            const size_t bo = off * osz; /* unaligned for bytes, element-aligned for 16-bit outputs */
            memset(o1, GUARD, sizeof o1);
            memset(o2, GUARD, sizeof o2);
            ((void (*)(size_t, const float*, const lq_uq_args*, void*))k->fn)(n, x, &a, o1 + bo);
            ((void (*)(size_t, const float*, const lq_uq_args*, void*))ref->fn)(n, x, &a, o2 + bo);
            assert_int_equal(o1[bo + n * osz], GUARD);
            if (bo) assert_int_equal(o1[bo - 1], GUARD);
            char what[160];
            snprintf(what, sizeof what, "%s n=%zu off=%zu params=%zu mode=%s index0=%llu", k->name, n, off, pi,
                     lq_round_name((lq_round)m), (unsigned long long)a.index0);
            LQ_ASSERT_BITS_EQUAL(o1 + bo, o2 + bo, n * osz, what);
          }
        }
      }
    }
  }
}

static void check_quant_pe(const lq_test_kernel* k, const lq_test_kernel* ref, const qp* ps, size_t osz) {
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    float* x = xbuf + 1;
    fill_x(x, n, 5 + si, 6.0f);
    for (size_t i = 0; i < n; i++) {
      sbuf[i] = 0.01f + 0.2f * lq_rng_uniform_f32(77, i);
      zbuf[i] = ps[0].qmin + (int32_t)(lq_rng_u32(78, i) % (uint32_t)(ps[0].qmax - ps[0].qmin + 1));
    }
    for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
      for (size_t ii = 0; ii < (m == LQ_ROUND_STOCHASTIC ? 4u : 1u); ii++) {
        lq_uq_args a;
        args_for(&a, &ps[0], (lq_round)m, 5, index0s[ii]);
        memset(o1, GUARD, sizeof o1);
        memset(o2, GUARD, sizeof o2);
        ((void (*)(size_t, const float*, const float*, const int32_t*, const lq_uq_args*, void*))k->fn)(n, x, sbuf, zbuf, &a, o1);
        ((void (*)(size_t, const float*, const float*, const int32_t*, const lq_uq_args*, void*))ref->fn)(n, x, sbuf, zbuf, &a, o2);
        assert_int_equal(o1[n * osz], GUARD);
        char what[160];
        snprintf(what, sizeof what, "%s n=%zu mode=%s", k->name, n, lq_round_name((lq_round)m));
        LQ_ASSERT_BITS_EQUAL(o1, o2, n * osz, what);
      }
    }
  }
}

static void check_fake(const lq_test_kernel* k, const lq_test_kernel* ref) {
  static float y1[MAXN + 1], y2[MAXN + 1];
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    for (size_t pi = 0; pi < 5; pi++) {
      const qp* p = pi < 3 ? &qp_s8[pi] : &qp_u16[pi - 3];
      fill_x(xbuf + 2, n, 3 + pi, p->scale * (float)(p->qmax - p->qmin));
      for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
        for (size_t ii = 0; ii < (m == LQ_ROUND_STOCHASTIC ? 4u : 1u); ii++) {
          lq_uq_args a;
          args_for(&a, p, (lq_round)m, 7, index0s[ii]);
          y1[n] = y2[n] = 42.0f;
          ((lq_uk_uq_fake_f32_fn)k->fn)(n, xbuf + 2, &a, y1);
          ((lq_uk_uq_fake_f32_fn)ref->fn)(n, xbuf + 2, &a, y2);
          assert_true(y1[n] == 42.0f);
          LQ_ASSERT_BITS_EQUAL(y1, y2, n * 4, k->name);
        }
      }
    }
  }
}

static void check_dequant(const lq_test_kernel* k, const lq_test_kernel* ref, size_t osz, int pe) {
  static float y1[MAXN + 1], y2[MAXN + 1];
  static uint8_t q[2 * MAXN + 8];
  for (size_t i = 0; i < sizeof q; i++) q[i] = (uint8_t)lq_rng_u32(11, i);
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    for (size_t i = 0; i < n; i++) {
      sbuf[i] = 0.001f + lq_rng_uniform_f32(12, i);
      zbuf[i] = (int32_t)(lq_rng_u32(13, i) % 200) - 50;
    }
    for (size_t off = 0; off < 2; off++) {
      const void* qp_ = q + off * osz;
      y1[n] = y2[n] = 42.0f;
      if (pe) {
        ((void (*)(size_t, const void*, const float*, const int32_t*, float*))k->fn)(n, qp_, sbuf, zbuf, y1);
        ((void (*)(size_t, const void*, const float*, const int32_t*, float*))ref->fn)(n, qp_, sbuf, zbuf, y2);
      } else {
        ((void (*)(size_t, const void*, float, int32_t, float*))k->fn)(n, qp_, 0.0371f, -13, y1);
        ((void (*)(size_t, const void*, float, int32_t, float*))ref->fn)(n, qp_, 0.0371f, -13, y2);
      }
      assert_true(y1[n] == 42.0f);
      LQ_ASSERT_BITS_EQUAL(y1, y2, n * 4, k->name);
    }
  }
}

static void check_pack(const lq_test_kernel* k, const lq_test_kernel* ref) {
  static uint8_t c[MAXN + 8];
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    for (size_t i = 0; i < n + 8; i++) c[i] = (uint8_t)lq_rng_u32(21 + si, i); /* high bits must be ignored */
    for (size_t off = 0; off < 2; off++) {
      memset(o1, GUARD, sizeof o1);
      memset(o2, GUARD, sizeof o2);
      ((lq_uk_pack_fn)k->fn)(n, c + off, o1);
      ((lq_uk_pack_fn)ref->fn)(n, c + off, o2);
      /* n + 1 bytes: ref wrote ceil(n * bits / 8), the rest must stay GUARD in both */
      LQ_ASSERT_BITS_EQUAL(o1, o2, n + 1, k->name);
    }
  }
}

static void check_unpack(const lq_test_kernel* k, const lq_test_kernel* ref) {
  static uint8_t p[MAXN + 8];
  for (size_t i = 0; i < sizeof p; i++) p[i] = (uint8_t)lq_rng_u32(31, i);
  for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
    size_t n = lq_test_sizes[si];
    for (int sgn = 0; sgn < 2; sgn++) {
      for (size_t off = 0; off < 2; off++) {
        memset(o1, GUARD, sizeof o1);
        memset(o2, GUARD, sizeof o2);
        ((lq_uk_unpack_fn)k->fn)(n, p + off, sgn, o1 + off);
        ((lq_uk_unpack_fn)ref->fn)(n, p + off, sgn, o2 + off);
        assert_int_equal(o1[off + n], GUARD);
        LQ_ASSERT_BITS_EQUAL(o1, o2, n + 2, k->name);
      }
    }
  }
}

static void test_every_kernel_matches_ref(void** state) {
  (void)state;
  size_t ran = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    const lq_test_kernel* k = &kernels[i];
    if (!lq_test_isa_available(k->isa)) {
      printf("  (skipping %s: ISA not on this CPU)\n", k->name);
      continue;
    }
    const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
    const char* s = k->slot;
    if (!strcmp(s, "uniform_quant_f32_s8")) check_quant(k, ref, qp_s8, 5, 1);
    else if (!strcmp(s, "uniform_quant_f32_u8")) check_quant(k, ref, qp_u8, 5, 1);
    else if (!strcmp(s, "uniform_quant_f32_s16")) check_quant(k, ref, qp_s16, 3, 2);
    else if (!strcmp(s, "uniform_quant_f32_u16")) check_quant(k, ref, qp_u16, 3, 2);
    else if (!strcmp(s, "uniform_quant_pe_f32_s8")) check_quant_pe(k, ref, qp_s8, 1);
    else if (!strcmp(s, "uniform_quant_pe_f32_u8")) check_quant_pe(k, ref, qp_u8, 1);
    else if (!strcmp(s, "uniform_fake_quant_f32")) check_fake(k, ref);
    else if (!strcmp(s, "uniform_dequant_s8_f32") || !strcmp(s, "uniform_dequant_u8_f32")) check_dequant(k, ref, 1, 0);
    else if (!strcmp(s, "uniform_dequant_s16_f32") || !strcmp(s, "uniform_dequant_u16_f32")) check_dequant(k, ref, 2, 0);
    else if (!strcmp(s, "uniform_dequant_pe_s8_f32") || !strcmp(s, "uniform_dequant_pe_u8_f32")) check_dequant(k, ref, 1, 1);
    else if (!strncmp(s, "uniform_pack", 12)) check_pack(k, ref);
    else if (!strncmp(s, "uniform_unpack", 14)) check_unpack(k, ref);
    else fail_msg("no test for slot %s", s);
    ran++;
  }
  assert_true(ran >= 19);
}

/* The reference quantize kernel against the scalar definition written out
 * longhand (lq_round_f32 + clamp), so the reference itself is pinned. */
static void test_ref_matches_round_f32(void** state) {
  (void)state;
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, "uniform_quant_f32_s8");
  float x[LQ_TEST_NSPECIALS + 64];
  size_t n = 0;
  for (size_t i = 0; i < LQ_TEST_NSPECIALS; i++) x[n++] = lq_test_specials[i];
  for (int i = -32; i < 32; i++) x[n++] = (float)i * 0.25f;
  for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
    lq_uq_args a;
    args_for(&a, &qp_s8[0], (lq_round)m, 1234, 0xFFFFFFF0ull);
    a.inv_scale = 1.0f; /* scale 1: codes = rounded values + 0 */
    int8_t q[LQ_TEST_NSPECIALS + 64];
    ((lq_uk_uq_f32_s8_fn)ref->fn)(n, x, &a, q);
    for (size_t i = 0; i < n; i++) {
      float v = x[i] != x[i] ? 0.0f : x[i];
      float r = lq_round_f32(v, (lq_round)m, 1234, 0xFFFFFFF0ull + i);
      float t = r < -128.0f ? -128.0f : (r > 127.0f ? 127.0f : r);
      if (q[i] != (int8_t)(int)t) fail_msg("mode %s x=%a: %d vs %d", lq_round_name((lq_round)m), x[i], q[i], (int)t);
    }
  }
}

/* Outputs of 4 MiB and more take the streaming-store path of the AVX2
 * kernels (after an alignment head): same codes as the reference. */
static void test_large_streaming_paths(void** state) {
  (void)state;
  const size_t n = ((size_t)1 << 22) + 37;
  float* x = malloc(n * sizeof(float));
  uint8_t* a = malloc(2 * n + 64);
  uint8_t* b = malloc(2 * n + 64);
  float* ya = malloc((n + 8) * sizeof(float));
  float* yb = malloc((n + 8) * sizeof(float));
  assert_true(x && a && b && ya && yb);
  for (size_t i = 0; i < n; i++) x[i] = lq_test_uniform(8, i, -5.0f, 5.0f);
  for (size_t i = 0; i < NKERNELS; i++) {
    const lq_test_kernel* k = &kernels[i];
    if (!lq_test_isa_available(k->isa) || k->isa == 0) continue;
    const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
    int is8 = !strcmp(k->slot, "uniform_quant_f32_s8") || !strcmp(k->slot, "uniform_quant_f32_u8");
    int is16 = !strcmp(k->slot, "uniform_quant_f32_s16") || !strcmp(k->slot, "uniform_quant_f32_u16");
    if (is8 || is16) {
      size_t osz = is8 ? 1 : 2;
      const qp* p = !strcmp(k->slot, "uniform_quant_f32_s8") ? &qp_s8[0] : !strcmp(k->slot, "uniform_quant_f32_u8") ? &qp_u8[0]
                    : !strcmp(k->slot, "uniform_quant_f32_s16") ? &qp_s16[1] : &qp_u16[1];
      for (int m = 0; m < LQ_ROUND_COUNT_; m += 7) { /* half_even and stochastic */
        lq_uq_args ar;
        args_for(&ar, p, (lq_round)m, 3, 0xFFF00000ull);
        size_t off = 5 * osz; /* misaligned start: exercises the alignment head */
        ((void (*)(size_t, const float*, const lq_uq_args*, void*))k->fn)(n, x, &ar, a + off);
        ((void (*)(size_t, const float*, const lq_uq_args*, void*))ref->fn)(n, x, &ar, b + off);
        LQ_ASSERT_BITS_EQUAL(a + off, b + off, n * osz, k->name);
      }
    } else if (!strcmp(k->slot, "uniform_dequant_s8_f32") || !strcmp(k->slot, "uniform_dequant_u8_f32")) {
      for (size_t j = 0; j < n; j++) a[j] = (uint8_t)lq_rng_u32(4, j);
      ((lq_uk_udq_u8_f32_fn)k->fn)(n, a, 0.02f, 3, ya + 3);
      ((lq_uk_udq_u8_f32_fn)ref->fn)(n, a, 0.02f, 3, yb + 3);
      LQ_ASSERT_BITS_EQUAL(ya + 3, yb + 3, n * 4, k->name);
    }
  }
  free(x);
  free(a);
  free(b);
  free(ya);
  free(yb);
}

/* The AVX2 per-tensor stochastic path rounds in the integer domain when
 * |zero_point| <= 2^23 (falling back to the float path above that): both
 * sides of that limit, full-range outputs (clamped by the saturating packs)
 * and sub-ranges (clamped in int32), values whose f + zp lands just around
 * qmin/qmax, and values past the int32 conversion range (cvt gives
 * INT32_MIN) must all equal the reference bit for bit. */
static void test_stochastic_int_domain_edges(void** state) {
  (void)state;
  static const char* slots[] = {"uniform_quant_f32_s8", "uniform_quant_f32_u8", "uniform_quant_f32_s16",
                                "uniform_quant_f32_u16"};
  static const float full[4][2] = {{-128, 127}, {0, 255}, {-32768, 32767}, {0, 65535}};
  static const float sub[4][2] = {{-100, 50}, {3, 200}, {-1000, 900}, {5, 40000}};
  static const float zps[] = {0.0f, 0x1p23f, -0x1p23f, 0x1p23f + 2.0f, -0x1p23f - 2.0f, 0x1p24f, -0x1p24f, 77.0f};
  static const float invs[] = {1.0f, 0.75f};
  enum { NE = 700 };
  static float x[NE];
  static uint8_t o1[2 * NE], o2[2 * NE];
  size_t checked = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    const lq_test_kernel* k = &kernels[i];
    int kind = -1;
    for (int s = 0; s < 4; s++)
      if (!strcmp(k->slot, slots[s])) kind = s;
    if (kind < 0 || !lq_test_isa_available(k->isa)) continue;
    const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
    const size_t osz = kind < 2 ? 1 : 2;
    for (int r = 0; r < 2; r++) {
      const float* lim = r ? sub[kind] : full[kind];
      for (size_t zi = 0; zi < sizeof zps / sizeof zps[0]; zi++) {
        for (size_t ii = 0; ii < 2; ii++) {
          const float zp = zps[zi], inv = invs[ii];
          /* v = x * inv around -zp + qmin and -zp + qmax (codes near both
           * clamp edges), random values, huge values and the specials */
          for (size_t j = 0; j < NE; j++) {
            float edge = (j & 1) ? lim[1] : lim[0];
            float v = -zp + edge + (float)((int)(j % 9) - 4) + lq_rng_uniform_f32(41 + zi, j);
            if (j % 7 == 3) v = lq_test_uniform(43, j, -400.0f, 400.0f);
            if (j % 23 == 5) v = (j & 2 ? 1.0f : -1.0f) * (float)(j % 5 + 1) * 1.5e9f;
            x[j] = v / inv;
          }
          for (size_t j = 0; j < LQ_TEST_NSPECIALS; j++) x[11 * j + 1] = lq_test_specials[j];
          lq_uq_args a;
          memset(&a, 0, sizeof a);
          a.inv_scale = inv;
          a.scale = 1.0f / inv;
          a.zero_point = zp;
          a.qmin = lim[0];
          a.qmax = lim[1];
          a.mode = LQ_ROUND_STOCHASTIC;
          a.seed = 21 + zi;
          a.index0 = 0xFFFFFFFFull - 300; /* crosses a key change */
          for (size_t off = 0; off < 2; off++) {
            size_t n = NE - off * 13; /* one run with a vector tail */
            ((void (*)(size_t, const float*, const lq_uq_args*, void*))k->fn)(n, x, &a, o1);
            ((void (*)(size_t, const float*, const lq_uq_args*, void*))ref->fn)(n, x, &a, o2);
            char what[160];
            snprintf(what, sizeof what, "%s range=%d zp=%g inv=%g n=%zu", k->name, r, (double)zp, (double)inv, n);
            LQ_ASSERT_BITS_EQUAL(o1, o2, n * osz, what);
            checked++;
          }
        }
      }
    }
  }
  assert_true(checked >= 4 * 2 * 8 * 2 * 2); /* at least the reference kernels themselves */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stochastic_int_domain_edges),
      cmocka_unit_test(test_every_kernel_matches_ref),
      cmocka_unit_test(test_ref_matches_round_f32),
      cmocka_unit_test(test_large_streaming_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
