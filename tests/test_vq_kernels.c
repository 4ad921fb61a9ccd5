/* Kernel tests of the vq module: every kernel of vq_kernels.inc is called
 * directly on all remainder paths, unaligned pointers and special values
 * (NaN, +-Inf, -0, subnormals, ties) and must equal the _ref kernel bit for
 * bit. */
#include "lq_test.h"

#include "vq/vq_kernels.h"

#define LQ_UKERNEL LQ_TEST_KERNEL_ROW
static const lq_test_kernel kernels[] = {
#include "vq/vq_kernels.inc"
};
#undef LQ_UKERNEL
#define NKERNELS (sizeof kernels / sizeof kernels[0])

enum { MAXN = 4099 + 8 };

/* Bitwise equality, except that any NaN equals any NaN: C leaves the payload
 * and sign of a NaN produced from NaN operands to the compiler (it may
 * commute a + b), so only NaN-ness is a contract. */
static void assert_same_floats(const float* a, const float* b, size_t n, const char* what) {
  for (size_t i = 0; i < n; i++) {
    if (isnan(a[i]) && isnan(b[i])) continue;
    if (lq_test_bits(a[i]) != lq_test_bits(b[i])) fail_msg("%s: element %zu: %a vs ref %a", what, i, a[i], b[i]);
  }
}
static float bufa[MAXN + 16], bufb[MAXN + 16], bufc[MAXN * 8 + 64];

/* variant 0: plain; 1: specials; 2: many exact ties; 3: all +Inf/NaN */
static void fill_variant(float* x, size_t n, uint64_t seed, int variant) {
  lq_test_fill(x, n, seed, 100.0f, variant == 1);
  if (variant == 2)
    for (size_t i = 0; i < n; i++) x[i] = (float)(lq_rng_u32(seed, i) % 4) - 1.0f + ((i & 3) == 0 ? -0.0f : 0.0f);
  if (variant == 3)
    for (size_t i = 0; i < n; i++) x[i] = (i % 3) ? INFINITY : NAN;
}

static void check_argmin_l2(const lq_test_kernel* k, const lq_test_kernel* ref) {
  for (int variant = 0; variant < 4; variant++)
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++)
      for (size_t off = 0; off < 3; off++) {
        size_t n = lq_test_sizes[s];
        float *ip = bufa + off, *cn = bufb + off;
        fill_variant(ip, n, 11 + variant + off, variant);
        fill_variant(cn, n, 77 + variant + off, variant == 3 ? 0 : variant);
        if (variant == 2) /* |x|^2 + |c|^2 - 2 ip == 0 exactly in places: clamp and ties */
          for (size_t i = 0; i < n; i++) cn[i] = 2.0f * ip[i] - 3.0f + (float)(i % 2);
        for (int xi = 0; xi < 3; xi++) {
          float xn = xi == 0 ? 3.0f : xi == 1 ? 0.0f : 1e30f;
          int32_t ia = -1, ib = -2;
          float da, db;
          ((lq_uk_vq_argmin_l2_f32_i32_fn)k->fn)(n, ip, cn, xn, &ia, &da);
          ((lq_uk_vq_argmin_l2_f32_i32_fn)ref->fn)(n, ip, cn, xn, &ib, &db);
          if (ia != ib || lq_test_bits(da) != lq_test_bits(db))
            fail_msg("%s n=%zu v=%d: (%d,%a) vs ref (%d,%a)", k->name, n, variant, ia, da, ib, db);
        }
      }
}

static void check_argmin(const lq_test_kernel* k, const lq_test_kernel* ref) {
  for (int variant = 0; variant < 4; variant++)
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++)
      for (size_t off = 0; off < 3; off++) {
        size_t n = lq_test_sizes[s];
        float* v = bufa + off;
        fill_variant(v, n, 5 + variant * 7 + off, variant);
        if (variant == 1 && n > 20) { v[3] = -1e-45f; v[n - 2] = -1e-45f; } /* subnormal tie */
        int32_t ia = -1, ib = -2;
        float da, db;
        ((lq_uk_vq_argmin_f32_i32_fn)k->fn)(n, v, &ia, &da);
        ((lq_uk_vq_argmin_f32_i32_fn)ref->fn)(n, v, &ib, &db);
        if (ia != ib || lq_test_bits(da) != lq_test_bits(db))
          fail_msg("%s n=%zu v=%d: (%d,%a) vs ref (%d,%a)", k->name, n, variant, ia, da, ib, db);
      }
}

static void check_l2sqr_ny(const lq_test_kernel* k, const lq_test_kernel* ref) {
  static float oa[MAXN + 1], ob[MAXN + 1];
  const size_t dims[] = {0, 1, 2, 3, 4, 7, 8, 16};
  for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++)
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++) {
      size_t d = dims[di], ny = lq_test_sizes[s];
      if (d * ny > MAXN * 8) continue;
      for (size_t off = 0; off < 2; off++) {
        float* x = bufa + off;
        float* y = bufc + off;
        int sp = (s + di) % 3 == 0;
        lq_test_fill(x, d, 3 + s, 10.0f, sp);
        lq_test_fill(y, d * ny, 9 + s + di, 10.0f, sp);
        oa[ny] = ob[ny] = 42.0f;
        ((lq_uk_vq_l2sqr_ny_f32_f32_fn)k->fn)(d, ny, x, y, ny, oa);
        ((lq_uk_vq_l2sqr_ny_f32_f32_fn)ref->fn)(d, ny, x, y, ny, ob);
        assert_true(oa[ny] == 42.0f);
        assert_same_floats(oa, ob, ny, k->name);
      }
    }
}

static void check_adc(const lq_test_kernel* k, const lq_test_kernel* ref) {
  static uint8_t codes[4099 * 32 + 8];
  static float table[32 * 256], oa[4100], ob[4100];
  const size_t Ms[] = {1, 2, 3, 4, 7, 8, 9, 16, 24, 32};
  for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++) {
    size_t M = Ms[mi];
    lq_test_fill(table, M * 256, 17 + M, 50.0f, M % 3 == 0);
    for (size_t s = 0; s < LQ_TEST_NSIZES; s++) {
      size_t n = lq_test_sizes[s];
      for (size_t off = 0; off < 3; off++) {
        uint8_t* c = codes + off;
        for (size_t i = 0; i < n * M; i++) c[i] = (uint8_t)lq_rng_u32(31 + M, i);
        oa[n] = ob[n] = 42.0f;
        ((lq_uk_vq_adc_scan_u8_f32_fn)k->fn)(n, M, c, table, oa);
        ((lq_uk_vq_adc_scan_u8_f32_fn)ref->fn)(n, M, c, table, ob);
        assert_true(oa[n] == 42.0f);
        assert_same_floats(oa, ob, n, k->name);
      }
    }
  }
}

/* adc_scan4 against four reference adc_scans with the same codes. */
static void check_adc4(const lq_test_kernel* k) {
  const lq_test_kernel* one = lq_test_ref_kernel(kernels, NKERNELS, "vq_adc_scan_u8_f32");
  static uint8_t codes[1031 * 24 + 8];
  static float tab[4][24 * 256], got[4][1032], want[1032];
  const size_t Ms[] = {1, 2, 3, 8, 9, 24};
  const size_t ns[] = {0, 1, 2, 7, 1031};
  for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++) {
    size_t M = Ms[mi];
    for (int q = 0; q < 4; q++) lq_test_fill(tab[q], M * 256, 40 + 4 * M + (size_t)q, 50.0f, q == 3);
    for (size_t si = 0; si < sizeof ns / sizeof ns[0]; si++) {
      size_t n = ns[si];
      uint8_t* c = codes + (si % 3); /* unaligned too */
      for (size_t i = 0; i < n * M; i++) c[i] = (uint8_t)lq_rng_u32(77 + M, i);
      const float* tables[4] = {tab[0], tab[1], tab[2], tab[3]};
      float* outs[4] = {got[0], got[1], got[2], got[3]};
      for (int q = 0; q < 4; q++) got[q][n] = 42.0f;
      ((lq_uk_vq_adc_scan4_u8_f32_fn)k->fn)(n, M, c, tables, outs);
      for (int q = 0; q < 4; q++) {
        assert_true(got[q][n] == 42.0f); /* nothing written past n */
        ((lq_uk_vq_adc_scan_u8_f32_fn)one->fn)(n, M, c, tab[q], want);
        assert_same_floats(got[q], want, n, k->name);
      }
    }
  }
}

/* adc_filter8 against eight reference adc_scans: the appended (code, lane)
 * list must be exactly the entries with sum <= threshold, in order, with
 * the scan's bits. Thresholds: +Inf (all), -Inf (none), a mid value (some),
 * ties at the threshold (integer-valued tables). */
static void check_filter8(const lq_test_kernel* k, const lq_test_kernel* fref) {
  const lq_test_kernel* one = lq_test_ref_kernel(kernels, NKERNELS, "vq_adc_scan_u8_f32");
  static uint8_t codes[1031 * 24 + 8];
  static float tab[8][24 * 256], t8[24 * 256 * 8], want[8][1032];
  static uint32_t cg[1032 * 8], cr[1032 * 8];
  static float dg[1032 * 8], dr[1032 * 8];
  const size_t Ms[] = {1, 2, 3, 8, 9, 16, 24};
  const size_t ns[] = {0, 1, 2, 3, 7, 1031};
  for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++) {
    size_t M = Ms[mi];
    for (int ties = 0; ties < 2; ties++) {
      for (int q = 0; q < 8; q++) {
        lq_test_fill(tab[q], M * 256, 90 + 8 * M + (size_t)q, 50.0f, 0);
        for (size_t j = 0; j < M * 256; j++) {
          if (ties) tab[q][j] = (float)(lq_rng_u32(5 + (uint64_t)q, j) % 3);
          else tab[q][j] = fabsf(tab[q][j]);
          if (q == 7 && j % 37 == 0) tab[q][j] = INFINITY;
          t8[j * 8 + (size_t)q] = tab[q][j];
        }
      }
      for (size_t si = 0; si < sizeof ns / sizeof ns[0]; si++) {
        size_t n = ns[si];
        uint8_t* c = codes + (si % 3);
        for (size_t i = 0; i < n * M; i++) c[i] = (uint8_t)lq_rng_u32(13 + M, i);
        for (int q = 0; q < 8; q++) ((lq_uk_vq_adc_scan_u8_f32_fn)one->fn)(n, M, c, tab[q], want[q]);
        float thr[8] = {INFINITY, -INFINITY, 0, 0, 0, 0, 0, INFINITY};
        for (int q = 2; q < 7; q++) thr[q] = n ? want[q][n / 2] : 1.0f; /* about half pass, ties included */
        size_t ng = ((lq_uk_vq_adc_filter8_u8_f32_fn)k->fn)(n, M, c, t8, thr, cg, dg);
        size_t nr = ((lq_uk_vq_adc_filter8_u8_f32_fn)fref->fn)(n, M, c, t8, thr, cr, dr);
        size_t e = 0;
        for (size_t i = 0; i < n; i++)
          for (int q = 0; q < 8; q++)
            if (want[q][i] <= thr[q]) {
              if (e >= ng || cg[e] != (uint32_t)(i * 8 + (size_t)q) || lq_test_bits(dg[e]) != lq_test_bits(want[q][i]))
                fail_msg("%s M=%zu n=%zu: entry %zu (code %zu lane %d) wrong", k->name, M, n, e, i, q);
              e++;
            }
        if (ng != e || nr != e) fail_msg("%s M=%zu n=%zu: %zu / ref %zu entries, %zu expected", k->name, M, n, ng, nr, e);
        assert_memory_equal(cg, cr, e * sizeof(uint32_t));
      }
    }
  }
}

static void test_kernel(void** state) {
  const lq_test_kernel* k = (const lq_test_kernel*)*state;
  if (!lq_test_isa_available(k->isa)) skip();
  const lq_test_kernel* ref = lq_test_ref_kernel(kernels, NKERNELS, k->slot);
  if (strcmp(k->slot, "vq_argmin_l2_f32_i32") == 0) check_argmin_l2(k, ref);
  else if (strcmp(k->slot, "vq_argmin_f32_i32") == 0) check_argmin(k, ref);
  else if (strcmp(k->slot, "vq_l2sqr_ny_f32_f32") == 0) check_l2sqr_ny(k, ref);
  else if (strcmp(k->slot, "vq_adc_scan_u8_f32") == 0) check_adc(k, ref);
  else if (strcmp(k->slot, "vq_adc_scan4_u8_f32") == 0) check_adc4(k);
  else if (strcmp(k->slot, "vq_adc_filter8_u8_f32") == 0) check_filter8(k, ref);
  else fail_msg("untested slot %s", k->slot);
}

/* The reference itself: first minimum wins, NaN never wins, clamp at 0. */
static void test_ref_semantics(void** state) {
  (void)state;
  const lq_test_kernel* am = lq_test_ref_kernel(kernels, NKERNELS, "vq_argmin_f32_i32");
  float v[6] = {NAN, 3.0f, 1.0f, -0.0f, 0.0f, -0.0f};
  int32_t i;
  float d;
  ((lq_uk_vq_argmin_f32_i32_fn)am->fn)(6, v, &i, &d);
  assert_int_equal(i, 3);
  assert_int_equal(lq_test_bits(d), 0x80000000u);
  float allnan[3] = {NAN, NAN, INFINITY};
  ((lq_uk_vq_argmin_f32_i32_fn)am->fn)(3, allnan, &i, &d);
  assert_int_equal(i, 0);
  assert_true(isinf(d) && d > 0);
  const lq_test_kernel* l2 = lq_test_ref_kernel(kernels, NKERNELS, "vq_argmin_l2_f32_i32");
  float ip[3] = {2.0f, 2.0f, 1.0f}, cn[3] = {3.0f, 4.0f, 0.5f};
  /* d = (1 + cn) - 2ip = {0, 1, -0.5 → 0}: first zero wins */
  ((lq_uk_vq_argmin_l2_f32_i32_fn)l2->fn)(3, ip, cn, 1.0f, &i, &d);
  assert_int_equal(i, 0);
  assert_true(d == 0.0f);
  const lq_test_kernel* adc = lq_test_ref_kernel(kernels, NKERNELS, "vq_adc_scan_u8_f32");
  static float table[2 * 256];
  for (int j = 0; j < 512; j++) table[j] = (float)j;
  uint8_t c[2] = {3, 5};
  float out;
  ((lq_uk_vq_adc_scan_u8_f32_fn)adc->fn)(1, 2, c, table, &out);
  assert_true(out == 3.0f + 261.0f);
}

int main(void) {
  struct CMUnitTest tests[NKERNELS + 1];
  size_t nt = 0;
  for (size_t i = 0; i < NKERNELS; i++) {
    if (kernels[i].isa == 0) continue;
    tests[nt++] = (struct CMUnitTest){kernels[i].name, test_kernel, NULL, NULL, (void*)&kernels[i]};
  }
  tests[nt++] = (struct CMUnitTest){"ref_semantics", test_ref_semantics, NULL, NULL, NULL};
  return _cmocka_run_group_tests("vq_kernels", tests, nt, NULL, NULL);
}
