/* Public-API tests of the llm module: golden vectors from
 * tests/vectors/gen_llm.py (bitsandbytes' default-backend algorithm in
 * torch, an exact OCP minifloat reference, ggml's reference quantizers
 * transcribed in numpy float32), special cases, and every bad input. */
#include "lq_test.h"

/* ------------------------------------------------------ golden reader --- */
typedef struct garr {
  char kind;
  size_t bytes;
  const void* p;
} garr;
typedef struct grec {
  char name[96];
  uint32_t narr;
  garr a[8];
} grec;

static unsigned char* g_blob;
static size_t g_size;
static grec* g_recs;
static uint32_t g_nrec;

static void load_golden(void) {
  if (g_blob) return;
  g_blob = lq_test_read_vector("llm_golden.bin", &g_size);
  assert_true(g_size > 12 && memcmp(g_blob, "LQGOLD01", 8) == 0);
  memcpy(&g_nrec, g_blob + 8, 4);
  g_recs = calloc(g_nrec, sizeof *g_recs);
  size_t off = 12;
  for (uint32_t r = 0; r < g_nrec; r++) {
    uint32_t len, narr;
    memcpy(&len, g_blob + off, 4);
    off += 4;
    assert_true(len < sizeof g_recs[r].name);
    memcpy(g_recs[r].name, g_blob + off, len);
    off += len;
    memcpy(&narr, g_blob + off, 4);
    off += 4;
    assert_true(narr <= 8);
    g_recs[r].narr = narr;
    for (uint32_t k = 0; k < narr; k++) {
      uint64_t nb;
      g_recs[r].a[k].kind = (char)g_blob[off];
      memcpy(&nb, g_blob + off + 1, 8);
      off += 9;
      g_recs[r].a[k].bytes = (size_t)nb;
      void* copy = malloc((size_t)nb + 1); /* aligned copy: the blob packs arrays at odd offsets */
      assert_non_null(copy);
      memcpy(copy, g_blob + off, (size_t)nb);
      g_recs[r].a[k].p = copy;
      off += (size_t)nb;
      assert_true(off <= g_size);
    }
  }
}

/* Calls fn for every record whose name starts with prefix; returns the count. */
static int each_record(const char* prefix, void (*fn)(const grec*)) {
  load_golden();
  int n = 0;
  for (uint32_t r = 0; r < g_nrec; r++)
    if (strncmp(g_recs[r].name, prefix, strlen(prefix)) == 0) {
      fn(&g_recs[r]);
      n++;
    }
  return n;
}

static const float* gf(const grec* r, int k) { return (const float*)r->a[k].p; }
static const uint8_t* gb(const grec* r, int k) { return (const uint8_t*)r->a[k].p; }
static const int32_t* gi(const grec* r, int k) { return (const int32_t*)r->a[k].p; }

static void assert_floats_bits(const float* a, const float* b, size_t n, const char* what) {
  for (size_t i = 0; i < n; i++)
    if (lq_test_bits(a[i]) != lq_test_bits(b[i]) && !(isnan(a[i]) && isnan(b[i])))
      fail_msg("%s: element %zu: %a vs expected %a", what, i, a[i], b[i]);
}

/* every expected failure also clears the text, so later checks start clean */
#define expect_error(got, want) (lq_test_expect_error((got), (want), NULL), lq_clear_error())

/* ------------------------------------------------------- bitsandbytes --- */
static void check_bnb4(const grec* r) {
  const int32_t* p = gi(r, 0);
  size_t bs = (size_t)p[0], n = (size_t)p[1];
  lq_bnb4_type t = p[2] ? LQ_BNB4_FP4 : LQ_BNB4_NF4;
  size_t nb;
  assert_int_equal(lq_bnb4_num_blocks(n, bs, &nb), LQ_OK);
  assert_int_equal(nb * 4, r->a[3].bytes);
  assert_int_equal((n + 1) / 2, r->a[2].bytes);
  uint8_t* packed = malloc((n + 1) / 2 + 1);
  float* absmax = malloc(nb * 4);
  float* y = malloc(n * 4 + 4);
  packed[(n + 1) / 2] = 0xA5;
  y[n] = 42.0f;
  assert_int_equal(lq_bnb4_quantize(t, gf(r, 1), n, bs, packed, absmax), LQ_OK);
  assert_int_equal(packed[(n + 1) / 2], 0xA5);
  LQ_ASSERT_BITS_EQUAL(packed, gb(r, 2), (n + 1) / 2, r->name);
  assert_floats_bits(absmax, gf(r, 3), nb, r->name);
  /* dequantize the golden bytes with the golden absmax */
  assert_int_equal(lq_bnb4_dequantize(t, gb(r, 2), gf(r, 3), n, bs, y), LQ_OK);
  assert_true(y[n] == 42.0f);
  assert_floats_bits(y, gf(r, 4), n, r->name);
  free(packed);
  free(absmax);
  free(y);
}

static void test_bnb4_golden(void** state) {
  (void)state;
  assert_true(each_record("bnb4_", check_bnb4) >= 10);
}

static void check_bnb8(const grec* r) {
  size_t bs = (size_t)gi(r, 0)[0], n = (size_t)gi(r, 0)[1], nb = (n + bs - 1) / bs;
  uint8_t* q = malloc(n);
  float* am = malloc(nb * 4);
  float* y = malloc(n * 4);
  assert_int_equal(lq_bnb_quantize_blockwise8(gf(r, 1), n, bs, NULL, q, am), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(q, gb(r, 2), n, r->name);
  assert_floats_bits(am, gf(r, 3), nb, r->name);
  assert_int_equal(lq_bnb_dequantize_blockwise8(gb(r, 2), gf(r, 3), n, bs, NULL, y), LQ_OK);
  assert_floats_bits(y, gf(r, 4), n, r->name);
  free(q);
  free(am);
  free(y);
}

static void check_dq(const grec* r) {
  size_t nb = r->a[0].bytes / 4, nn = (nb + 255) / 256;
  const float torch_offset = gf(r, 3)[0];
  uint8_t* q = malloc(nb);
  float* nested = malloc(nn * 4);
  float* back = malloc(nb * 4);
  float off;
  /* with bitsandbytes' offset: identical bytes */
  assert_int_equal(lq_bnb_double_quant(gf(r, 0), nb, &torch_offset, q, nested, &off), LQ_OK);
  assert_true(lq_test_bits(off) == lq_test_bits(torch_offset));
  LQ_ASSERT_BITS_EQUAL(q, gb(r, 1), nb, r->name);
  assert_floats_bits(nested, gf(r, 2), nn, r->name);
  assert_int_equal(lq_bnb_double_dequant(gb(r, 1), gf(r, 2), nb, torch_offset, NULL, back), LQ_OK);
  assert_floats_bits(back, gf(r, 4), nb, r->name);
  /* own mean: within 1 ulp of torch's float32 mean */
  assert_int_equal(lq_bnb_double_quant(gf(r, 0), nb, NULL, q, nested, &off), LQ_OK);
  int64_t du = (int64_t)lq_test_bits(off) - (int64_t)lq_test_bits(torch_offset);
  assert_true(du >= -1 && du <= 1);
  /* the dequantized absmax stays close to the original (8-bit dynamic code) */
  for (size_t i = 0; i < nb; i++) assert_true(fabsf(back[i] - gf(r, 0)[i]) <= 0.02f * gf(r, 0)[i] + 1e-6f);
  free(q);
  free(nested);
  free(back);
}

static void test_bnb8_and_double_quant_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("bnb8_", check_bnb8), 3);
  assert_int_equal(each_record("bnb_dq_", check_dq), 3);
  /* the embedded dynamic map equals torch's */
  float code[256];
  assert_int_equal(lq_bnb_dynamic_map(code), LQ_OK);
  load_golden();
  for (uint32_t i = 0; i < g_nrec; i++)
    if (strcmp(g_recs[i].name, "bnb_dynamic_map") == 0) assert_floats_bits(code, gf(&g_recs[i], 0), 256, "dynamic map");
}

static void test_bnb4_hand_checked(void** state) {
  (void)state;
  float code[16];
  assert_int_equal(lq_bnb4_code(LQ_BNB4_NF4, code), LQ_OK);
  assert_true(code[0] == -1.0f && code[7] == 0.0f && code[15] == 1.0f && code[8] == 0.07958029955625534f);
  assert_int_equal(lq_bnb4_code(LQ_BNB4_FP4, code), LQ_OK);
  assert_true(code[3] == 1.0f && code[2] == 8.0f / 12.0f && code[1] == 0.0625f / 12.0f && code[11] == -1.0f);
  /* x = {max, -max, 0, tiny...}: NF4 codes 15, 0, 7, 7; packed high nibble first */
  float x[64] = {2.0f, -2.0f, 0.0f, 1e-9f};
  uint8_t p[32];
  float am;
  assert_int_equal(lq_nf4_quantize(x, 64, 64, p, &am), LQ_OK);
  assert_true(am == 2.0f);
  assert_int_equal(p[0], 0xF0);
  assert_int_equal(p[1], 0x77);
  /* 0.5 * max: nearest NF4 value is 0.44070983 (code 12); midpoint 12/13 is 0.50166 */
  x[2] = 1.0f;
  x[3] = 1.0034f; /* 0.5017 > bound 0.50166342: code 13 */
  assert_int_equal(lq_nf4_quantize(x, 64, 64, p, &am), LQ_OK);
  assert_int_equal(p[1], 0xCD);
  /* FP4: +0 -> 0x0, -tiny -> 0x8, 0.75*max -> 8/12 (code 2), -max -> 0xB */
  float f[64] = {0.0f, -1e-9f, 1.5f, -2.0f};
  assert_int_equal(lq_bnb4_quantize(LQ_BNB4_FP4, f, 64, 64, p, &am), LQ_OK);
  assert_int_equal(p[0], 0x08);
  assert_int_equal(p[1], 0x2B);
  /* odd n: one zero element padded; tail block stores the clamped absmax */
  float z[3] = {0.0f, 0.0f, 0.0f}, y[3];
  uint8_t pz[2];
  assert_int_equal(lq_nf4_quantize(z, 3, 64, pz, &am), LQ_OK);
  assert_true(am == 1e-38f);
  assert_int_equal(pz[0], 0x77);
  assert_int_equal(pz[1], 0x77);
  assert_int_equal(lq_nf4_dequantize(pz, &am, 3, 64, y), LQ_OK);
  assert_true(y[0] == 0.0f && y[2] == 0.0f);
}

static void test_bnb_bad_inputs(void** state) {
  (void)state;
  float x[64] = {0}, am[2], code[256];
  uint8_t p[64];
  size_t nb;
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 48, p, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 16, p, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 8192, p, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize((lq_bnb4_type)7, x, 64, 64, p, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, NULL, 64, 64, p, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 64, NULL, am), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 64, p, NULL), LQ_ERR_INVALID_ARG);
  x[5] = NAN;
  expect_error(lq_bnb4_quantize(LQ_BNB4_NF4, x, 64, 64, p, am), LQ_ERR_NUMERIC);
  x[5] = INFINITY;
  expect_error(lq_bnb4_quantize(LQ_BNB4_FP4, x, 64, 64, p, am), LQ_ERR_NUMERIC);
  expect_error(lq_bnb_quantize_blockwise8(x, 64, 64, NULL, p, am), LQ_ERR_NUMERIC);
  x[5] = 0.0f;
  assert_int_equal(lq_bnb4_quantize(LQ_BNB4_NF4, x, 0, 64, NULL, NULL), LQ_OK); /* n == 0: no-op */
  expect_error(lq_bnb4_dequantize(LQ_BNB4_NF4, p, am, 64, 100, x), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_dequantize(LQ_BNB4_NF4, NULL, am, 64, 64, x), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_num_blocks(10, 0, &nb), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_num_blocks(10, 64, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_code(LQ_BNB4_NF4, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb_quantize_blockwise8(x, 64, 0, NULL, p, am), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_bnb_dynamic_map(code), LQ_OK);
  code[10] = 5.0f; /* unsorted */
  expect_error(lq_bnb_quantize_blockwise8(x, 64, 64, code, p, am), LQ_ERR_INVALID_ARG);
  float off, nested[1], bad = NAN;
  expect_error(lq_bnb_double_quant(x, 0, NULL, p, nested, &off), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb_double_quant(x, 4, &bad, p, nested, &off), LQ_ERR_NUMERIC);
  expect_error(lq_bnb_double_quant(x, 4, NULL, NULL, nested, &off), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb_double_dequant(p, nested, 4, NAN, NULL, x), LQ_ERR_NUMERIC);
  expect_error(lq_bnb_double_dequant(NULL, nested, 4, 0.0f, NULL, x), LQ_ERR_INVALID_ARG);
}

/* --------------------------------------------------------- minifloats --- */
static void check_mf_decode(const grec* r) {
  lq_minifloat f = (lq_minifloat)gi(r, 0)[0];
  size_t n = r->a[1].bytes;
  float y[256];
  assert_int_equal(lq_minifloat_decode(f, gb(r, 1), n, y), LQ_OK);
  assert_floats_bits(y, gf(r, 2), n, r->name);
}

static void check_mf_encode(const grec* r) {
  lq_minifloat f = (lq_minifloat)gi(r, 0)[0];
  size_t n = r->a[1].bytes / 4;
  uint8_t* c = malloc(n);
  assert_int_equal(lq_minifloat_encode(f, 1, gf(r, 1), n, c), LQ_OK);
  for (size_t i = 0; i < n; i++)
    if (c[i] != gb(r, 2)[i]) fail_msg("%s sat: x=%a -> 0x%02x, expected 0x%02x", r->name, gf(r, 1)[i], c[i], gb(r, 2)[i]);
  assert_int_equal(lq_minifloat_encode(f, 0, gf(r, 1), n, c), LQ_OK);
  for (size_t i = 0; i < n; i++)
    if (c[i] != gb(r, 3)[i]) fail_msg("%s nonsat: x=%a -> 0x%02x, expected 0x%02x", r->name, gf(r, 1)[i], c[i], gb(r, 3)[i]);
  free(c);
}

/* The bulk encoder (rounding on the f32 bits) equals the scalar
 * frexp/nearbyint encoder on spread bit patterns, exact ties of every mantissa
 * width and values around each format's range ends; bulk decode (a table for
 * n >= 256) equals the scalar decode bit for bit. */
static void test_minifloat_bulk_equals_scalar(void** state) {
  (void)state;
  enum { N = 1 << 16 };
  float* x = malloc(N * sizeof(float));
  uint8_t* got = malloc(N);
  float* y = malloc(N * sizeof(float));
  assert_non_null(x);
  assert_non_null(got);
  assert_non_null(y);
  for (int f = 0; f < LQ_MINIFLOAT_COUNT_; f++) {
    for (int round = 0; round < 4; round++) {
      size_t k = 0;
      for (uint64_t draw = 0; k < N; draw++) {
        uint32_t u = lq_rng_u32(900 + (uint64_t)round, draw);
        if (round == 1) u = (u & ~0x1FFFFFu) | 0x100000u; /* tie at mbits 2 */
        if (round == 2) u = (u & ~0xFFFFFu) | 0x80000u;   /* tie at mbits 3 */
        if (round == 3) u = (u & 0x80000000u) | ((u % 40u + 100u) << 23) | (u & 0x7FFFFFu); /* near the ranges */
        float v;
        memcpy(&v, &u, sizeof v);
        if (isnan(v) && f >= LQ_FP6_E2M3) continue; /* rejected by formats without NaN */
        x[k++] = v;
      }
      for (int sat = 0; sat < 2; sat++) {
        assert_int_equal(lq_minifloat_encode((lq_minifloat)f, sat, x, N, got), LQ_OK);
        for (size_t i = 0; i < N; i++)
          if (got[i] != lq_minifloat_from_f32((lq_minifloat)f, sat, x[i]))
            fail_msg("format %d sat %d x=%a: bulk 0x%02x, scalar 0x%02x", f, sat, x[i], got[i],
                     lq_minifloat_from_f32((lq_minifloat)f, sat, x[i]));
      }
    }
    uint8_t codes[512];
    for (unsigned c = 0; c < 512; c++) codes[c] = (uint8_t)(c * 7u);
    assert_int_equal(lq_minifloat_decode((lq_minifloat)f, codes, 512, y), LQ_OK);
    for (unsigned c = 0; c < 512; c++) {
      float w = lq_minifloat_to_f32((lq_minifloat)f, codes[c]);
      assert_memory_equal(&y[c], &w, sizeof w);
    }
  }
  free(x);
  free(got);
  free(y);
}

/* The scaled forms equal dividing into / multiplying a buffer first; bad
 * scales and NaN in formats without NaN are rejected. */
static void test_minifloat_scaled(void** state) {
  (void)state;
  enum { N = 1000 };
  static float x[N], xs[N], y[N], w[N];
  static uint8_t a[N], b[N];
  lq_test_fill(x, N, 31, 1e3f, 1);
  for (size_t i = 0; i < N; i++)
    if (isnan(x[i])) x[i] = 0.75f;
  static const float sc[] = {1.0f, 0.37f, 3.2e-3f, 448.0f / 1e3f, -7.0f};
  for (int f = 0; f < LQ_MINIFLOAT_COUNT_; f++) {
    for (size_t k = 0; k < sizeof sc / sizeof sc[0]; k++) {
      for (size_t i = 0; i < N; i++) xs[i] = x[i] / sc[k];
      assert_int_equal(lq_minifloat_encode_scaled((lq_minifloat)f, 1, x, N, sc[k], a), LQ_OK);
      assert_int_equal(lq_minifloat_encode((lq_minifloat)f, 1, xs, N, b), LQ_OK);
      assert_memory_equal(a, b, N);
      assert_int_equal(lq_minifloat_decode_scaled((lq_minifloat)f, a, N, sc[k], y), LQ_OK);
      assert_int_equal(lq_minifloat_decode((lq_minifloat)f, a, N, w), LQ_OK);
      for (size_t i = 0; i < N; i++) w[i] *= sc[k];
      assert_memory_equal(y, w, sizeof y);
    }
  }
  expect_error(lq_minifloat_encode_scaled(LQ_FP8_E4M3, 1, x, N, 0.0f, a), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode_scaled(LQ_FP8_E4M3, 1, x, N, NAN, a), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode_scaled(LQ_FP8_E4M3, 1, x, N, INFINITY, a), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode_scaled((lq_minifloat)5, 1, x, N, 1.0f, a), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode_scaled(LQ_FP8_E4M3, 1, NULL, N, 1.0f, a), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_decode_scaled(LQ_FP8_E4M3, a, N, 1.0f, NULL), LQ_ERR_INVALID_ARG);
  x[N - 3] = NAN;
  assert_int_equal(lq_minifloat_encode_scaled(LQ_FP4_E2M1, 1, x, N, 2.0f, a), LQ_ERR_NUMERIC);
  assert_non_null(strstr(lq_last_error(), "x[997]"));
  lq_clear_error();
  assert_int_equal(lq_minifloat_encode_scaled(LQ_FP8_E5M2, 1, x, N, 2.0f, a), LQ_OK);
  assert_int_equal(a[N - 3], 0x7E);
}

/* The e2m1 / fp8 schemes' encode (packed nibbles, chunks of 1024) and
 * decode equal their roundtrip for odd lengths and chunk boundaries. */
static void test_minifloat_scheme_lengths(void** state) {
  (void)state;
  static const char* const specs[] = {"e2m1", "e2m1:fit=none", "fp8", "fp8_e5m2:fit=none"};
  static const size_t lens[] = {1, 2, 3, 1023, 1024, 1025, 2049};
  enum { NMAX = 2049 };
  static float x[NMAX], y[NMAX], z[NMAX];
  static uint8_t enc[NMAX + 8];
  lq_test_fill(x, NMAX, 71, 4.0f, 0);
  for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
    lq_scheme* s = NULL;
    assert_int_equal(lq_scheme_parse(specs[k], &s), LQ_OK);
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
      const lq_shape sh = {1, {(int64_t)lens[l]}};
      size_t bytes;
      assert_int_equal(lq_scheme_roundtrip(s, &sh, x, y, NULL), LQ_OK);
      assert_int_equal(lq_scheme_encoded_size(s, &sh, &bytes), LQ_OK);
      assert_true(bytes <= sizeof enc);
      assert_int_equal(lq_scheme_encode(s, &sh, x, enc, bytes), LQ_OK);
      memset(z, 0xFF, sizeof z);
      assert_int_equal(lq_scheme_decode(s, &sh, enc, bytes, z), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(z, y, lens[l] * sizeof(float), specs[k]);
    }
    lq_scheme_destroy(s);
  }
}

static void test_minifloat_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("mf_decode_", check_mf_decode), 5);
  assert_int_equal(each_record("mf_encode_", check_mf_encode), 5);
}

/* Exhaustive properties: every finite code decodes and re-encodes to itself
 * (both modes), and decode is monotone in the magnitude code. */
static void test_minifloat_roundtrip_all_codes(void** state) {
  (void)state;
  const int widths[] = {8, 8, 6, 6, 4};
  for (int f = 0; f < LQ_MINIFLOAT_COUNT_; f++) {
    float prev = -1.0f;
    for (unsigned c = 0; c < (1u << widths[f]); c++) {
      float v = lq_minifloat_to_f32((lq_minifloat)f, (uint8_t)c);
      unsigned mag = c & ((1u << (widths[f] - 1)) - 1u);
      if (c < (1u << (widths[f] - 1))) {
        if (!isnan(v)) {
          assert_true(v > prev || (c == 0 && v == 0.0f));
          prev = v;
        }
      }
      if (isnan(v) || isinf(v)) continue;
      for (int sat = 0; sat < 2; sat++) assert_int_equal(lq_minifloat_from_f32((lq_minifloat)f, sat, v), c);
      (void)mag;
    }
  }
  /* anchors from the OCP spec */
  assert_true(lq_minifloat_to_f32(LQ_FP8_E4M3, 0x7E) == 448.0f);
  assert_true(isnan(lq_minifloat_to_f32(LQ_FP8_E4M3, 0x7F)));
  assert_true(lq_minifloat_to_f32(LQ_FP8_E4M3, 0x01) == 0x1p-9f);
  assert_true(lq_minifloat_to_f32(LQ_FP8_E5M2, 0x7B) == 57344.0f);
  assert_true(isinf(lq_minifloat_to_f32(LQ_FP8_E5M2, 0x7C)));
  assert_true(lq_minifloat_to_f32(LQ_FP8_E5M2, 0x01) == 0x1p-16f);
  assert_true(lq_minifloat_to_f32(LQ_FP6_E2M3, 0x1F) == 7.5f);
  assert_true(lq_minifloat_to_f32(LQ_FP6_E3M2, 0x1F) == 28.0f);
  assert_true(lq_minifloat_to_f32(LQ_FP4_E2M1, 0x7) == 6.0f && lq_minifloat_to_f32(LQ_FP4_E2M1, 0x1) == 0.5f);
  assert_int_equal(lq_minifloat_from_f32(LQ_FP8_E4M3, 0, 464.0f), 0x7E); /* tie to even stays finite */
  assert_int_equal(lq_minifloat_from_f32(LQ_FP8_E4M3, 0, 465.0f), 0x7F); /* NaN */
  assert_int_equal(lq_minifloat_from_f32(LQ_FP8_E4M3, 1, 1e9f), 0x7E);
  assert_int_equal(lq_minifloat_from_f32(LQ_FP8_E5M2, 0, 61440.0f), 0x7C); /* tie rounds to Inf */
  assert_int_equal(lq_minifloat_from_f32(LQ_FP8_E5M2, 1, -INFINITY), 0xFB);
  assert_int_equal(lq_minifloat_from_f32(LQ_FP4_E2M1, 0, 2.5f), 0x4); /* tie to even: 2 */
  assert_int_equal(lq_minifloat_from_f32(LQ_FP4_E2M1, 0, -0.0f), 0x8);
}

static void test_minifloat_bad_inputs(void** state) {
  (void)state;
  float x[2] = {1.0f, NAN}, y[2];
  uint8_t c[2] = {0, 0};
  expect_error(lq_minifloat_encode((lq_minifloat)9, 1, x, 2, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode(LQ_FP4_E2M1, 1, x, 2, c), LQ_ERR_NUMERIC);
  expect_error(lq_minifloat_encode(LQ_FP8_E4M3, 1, NULL, 2, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_encode(LQ_FP8_E4M3, 1, x, 2, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_decode((lq_minifloat)-1, c, 2, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_minifloat_decode(LQ_FP8_E5M2, NULL, 2, y), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_minifloat_encode(LQ_FP8_E4M3, 0, x, 2, c), LQ_OK);
  assert_int_equal(c[1], 0x7F);
}

/* ------------------------------------------------------------------ MX --- */
static void check_mx(const grec* r) {
  lq_mx_type t = (lq_mx_type)gi(r, 0)[0];
  size_t n = r->a[1].bytes / 4, bb;
  assert_int_equal(lq_mx_block_bytes(t, &bb), LQ_OK);
  assert_int_equal(r->a[2].bytes, n / 32 * bb);
  uint8_t* q = malloc(r->a[2].bytes);
  float* y = malloc(n * 4);
  assert_int_equal(lq_mx_quantize(t, gf(r, 1), n, q), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(q, gb(r, 2), r->a[2].bytes, r->name);
  /* dequantize: element value times 2^(scale - 127), checked against the
   * element codec independently */
  assert_int_equal(lq_mx_dequantize(t, q, n, y), LQ_OK);
  for (size_t i = 0; i < n; i++) {
    float amax = 0.0f;
    for (size_t j = i / 32 * 32; j < i / 32 * 32 + 32; j++) amax = fmaxf(amax, fabsf(gf(r, 1)[j]));
    float scale = ldexpf(1.0f, (int)q[i / 32 * bb] - 127);
    /* error bound: half an element ulp at the top binade, relative to the scale */
    assert_true(fabsf(y[i] - gf(r, 1)[i]) <= 0.5f * amax + scale);
  }
  free(q);
  free(y);
}

static void test_mx_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("mx_", check_mx), 18);
  /* hand check: MXFP4 block of {6, 3, 0.5, ...}: amax 6 -> shared exp 2-2=0 -> scale byte 127 */
  float x[32] = {6.0f, 3.0f, 0.5f, -1.25f};
  uint8_t q[17];
  float y[32];
  assert_int_equal(lq_mx_quantize(LQ_MXFP4, x, 32, q), LQ_OK);
  assert_int_equal(q[0], 127);
  assert_int_equal(q[1], 0x57); /* 6 -> 0x7 low nibble, 3 -> 0x5 high nibble */
  assert_int_equal(q[2], 0xA1); /* 0.5 -> 0x1, -1.25 -> -1 (tie to even) = 0xA */
  assert_int_equal(lq_mx_dequantize(LQ_MXFP4, q, 32, y), LQ_OK);
  assert_true(y[0] == 6.0f && y[1] == 3.0f && y[2] == 0.5f && y[3] == -1.0f && y[4] == 0.0f);
  q[0] = 0xFF;
  assert_int_equal(lq_mx_dequantize(LQ_MXFP4, q, 32, y), LQ_OK);
  assert_true(isnan(y[0]) && isnan(y[31]));
  /* MXINT8: 1.0 in a block with amax 1 -> exp 0, q = 64 */
  float z[32] = {1.0f, -0.5f};
  uint8_t qi[33];
  assert_int_equal(lq_mx_quantize(LQ_MXINT8, z, 32, qi), LQ_OK);
  assert_int_equal(qi[0], 127);
  assert_int_equal(qi[1], 64);
  assert_int_equal((int8_t)qi[2], -32);
}

static void test_mx_bad_inputs(void** state) {
  (void)state;
  float x[64] = {0};
  uint8_t q[80];
  size_t bb;
  expect_error(lq_mx_quantize(LQ_MXFP4, x, 33, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_mx_quantize((lq_mx_type)6, x, 32, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_mx_quantize(LQ_MXFP8_E4M3, NULL, 32, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_mx_block_bytes((lq_mx_type)-3, &bb), LQ_ERR_INVALID_ARG);
  expect_error(lq_mx_block_bytes(LQ_MXFP4, NULL), LQ_ERR_INVALID_ARG);
  x[3] = INFINITY;
  expect_error(lq_mx_quantize(LQ_MXINT8, x, 64, q), LQ_ERR_NUMERIC);
  expect_error(lq_mx_dequantize(LQ_MXINT8, q, 31, x), LQ_ERR_INVALID_ARG);
  expect_error(lq_mx_dequantize(LQ_MXINT8, NULL, 32, x), LQ_ERR_INVALID_ARG);
}

/* ---------------------------------------------------------------- ggml --- */
static void check_ggml(const grec* r) {
  lq_ggml_type t = (lq_ggml_type)gi(r, 0)[0];
  size_t n = (size_t)gi(r, 0)[1], rb;
  assert_int_equal(lq_ggml_row_bytes(t, n, &rb), LQ_OK);
  assert_int_equal(rb, r->a[2].bytes);
  uint8_t* q = malloc(rb + 1);
  float* y = malloc(n * 4);
  q[rb] = 0x5A;
  assert_int_equal(lq_ggml_quantize(t, gf(r, 1), n, q), LQ_OK);
  assert_int_equal(q[rb], 0x5A);
  LQ_ASSERT_BITS_EQUAL(q, gb(r, 2), rb, r->name);
  assert_int_equal(lq_ggml_dequantize(t, gb(r, 2), n, y), LQ_OK);
  assert_floats_bits(y, gf(r, 3), n, r->name);
  free(q);
  free(y);
}

static void test_ggml_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("ggml_", check_ggml), 44);
}

static void test_ggml_traits_and_hand_checked(void** state) {
  (void)state;
  static const struct { lq_ggml_type t; const char* name; size_t bs, bytes; } want[] = {
      {LQ_GGML_Q4_0, "q4_0", 32, 18}, {LQ_GGML_Q4_1, "q4_1", 32, 20}, {LQ_GGML_Q5_0, "q5_0", 32, 22},
      {LQ_GGML_Q5_1, "q5_1", 32, 24}, {LQ_GGML_Q8_0, "q8_0", 32, 34}, {LQ_GGML_Q2_K, "q2_K", 256, 84},
      {LQ_GGML_Q3_K, "q3_K", 256, 110}, {LQ_GGML_Q4_K, "q4_K", 256, 144}, {LQ_GGML_Q5_K, "q5_K", 256, 176},
      {LQ_GGML_Q6_K, "q6_K", 256, 210}, {LQ_GGML_IQ4_NL, "iq4_nl", 32, 18}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    lq_ggml_traits tr;
    lq_ggml_type t;
    assert_int_equal(lq_ggml_type_traits(want[i].t, &tr), LQ_OK);
    assert_string_equal(tr.name, want[i].name);
    assert_int_equal(tr.block_size, want[i].bs);
    assert_int_equal(tr.block_bytes, want[i].bytes);
    assert_int_equal(lq_ggml_type_from_name(want[i].name, &t), LQ_OK);
    assert_int_equal(t, want[i].t);
  }
  { /* IQ4_NL all-zero block: d = 0 and, since ntry > 0 re-derives the
       indices from id = 0, every index is 8 (level +1), as ggml writes it. */
    float z[32] = {0};
    uint8_t blk[18];
    assert_int_equal(lq_ggml_quantize(LQ_GGML_IQ4_NL, z, 32, blk), LQ_OK);
    assert_int_equal(blk[0] | blk[1], 0);
    for (int j = 2; j < 18; j++) assert_int_equal(blk[j], 0x88);
  }
  lq_ggml_type t;
  assert_int_equal(lq_ggml_type_from_name("Q4_k", &t), LQ_OK);
  assert_int_equal(t, LQ_GGML_Q4_K);
  /* Q4_0 hand check: max |x| = -8 at index 1 (after +8 at index 0? no: the
   * first of equal |x| wins) -> d = 8/-8 = -1; x=8 -> (int8)(-8+8.5)=0 */
  float x[32] = {8.0f, -8.0f, 1.0f};
  uint8_t b[18];
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q4_0, x, 32, b), LQ_OK);
  assert_int_equal(b[0] | (b[1] << 8), lq_f32_to_f16(-1.0f));
  assert_int_equal(b[2] & 0xF, 0);  /* 8 * -1 + 8.5 -> 0 */
  assert_int_equal(b[3] & 0xF, 15); /* -8 * -1 + 8.5 = 16.5 -> 16 -> MIN 15 */
  assert_int_equal(b[4] & 0xF, 7);  /* 1 * -1 + 8.5 = 7.5 -> 7 */
  /* Q8_0: roundf half away: 0.5*127/127 ... x = {127, 63.5} -> d = 1, q = 127, 64 */
  float z[32] = {127.0f, 63.5f, -63.5f};
  uint8_t c[34];
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, z, 32, c), LQ_OK);
  assert_int_equal((int8_t)c[2], 127);
  assert_int_equal((int8_t)c[3], 64);
  assert_int_equal((int8_t)c[4], -64);
}

/* lq_nf4_gemv on a quantized weight equals the double-precision product of
 * the dequantized weight (lq_nf4_dequantize) with x, within the bound. */
static void test_nf4_gemv(void** state) {
  (void)state;
  enum { R = 6, C = 320, BS = 64 };
  static float w[R * C], wd[R * C], x[C], am[R * C / BS], y[R + 1];
  static uint8_t p[R * C / 2];
  for (size_t i = 0; i < R * C; i++) w[i] = 0.02f * (2.0f * lq_rng_uniform_f32(77, i) - 1.0f);
  for (size_t i = 0; i < C; i++) x[i] = 2.0f * lq_rng_uniform_f32(78, i) - 1.0f;
  assert_int_equal(lq_nf4_quantize(w, R * C, BS, p, am), LQ_OK);
  assert_int_equal(lq_nf4_dequantize(p, am, R * C, BS, wd), LQ_OK);
  y[R] = 123.0f;
  assert_int_equal(lq_nf4_gemv(p, am, R, C, BS, x, y), LQ_OK);
  assert_true(y[R] == 123.0f);
  for (size_t r = 0; r < R; r++) {
    double exact = 0.0, mag = 0.0;
    for (size_t c = 0; c < C; c++) {
      exact += (double)wd[r * C + c] * x[c];
      mag += fabs((double)wd[r * C + c] * x[c]);
    }
    /* wd itself carries one float rounding per weight: 1 more u per term */
    assert_true(fabs((double)y[r] - exact) <= (C + 3) * 0x1p-24 * mag);
  }
  expect_error(lq_nf4_gemv(p, am, R, C, 48, x, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_nf4_gemv(p, am, R, 96, 64, x, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_bnb4_gemv((lq_bnb4_type)5, p, am, R, C, BS, x, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_nf4_gemv(NULL, am, R, C, BS, x, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_nf4_gemv(p, am, R, C, BS, NULL, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_nf4_gemv(p, am, R, C, BS, x, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_nf4_gemv(p, am, SIZE_MAX, 64, 64, x, y), LQ_ERR_OVERFLOW);
  y[0] = 5.0f;
  assert_int_equal(lq_nf4_gemv(NULL, NULL, 1, 0, 64, NULL, y), LQ_OK);
  assert_true(y[0] == 0.0f);
}

static void test_ggml_vec_dot(void** state) {
  (void)state;
  enum { N = 32 * 37 };
  float x[N], w[N], yx[N], yw[N];
  lq_test_fill(x, N, 91, 3.0f, 0);
  lq_test_fill(w, N, 92, 1.0f, 0);
  uint8_t q4[37 * 18], q8x[37 * 34], q8w[37 * 34];
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q4_0, w, N, q4), LQ_OK);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, x, N, q8x), LQ_OK);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, w, N, q8w), LQ_OK);
  assert_int_equal(lq_ggml_dequantize(LQ_GGML_Q4_0, q4, N, yw), LQ_OK);
  assert_int_equal(lq_ggml_dequantize(LQ_GGML_Q8_0, q8x, N, yx), LQ_OK);
  double ref = 0.0, ref8 = 0.0;
  for (int i = 0; i < N; i++) ref += (double)yw[i] * yx[i];
  assert_int_equal(lq_ggml_dequantize(LQ_GGML_Q8_0, q8w, N, yw), LQ_OK);
  for (int i = 0; i < N; i++) ref8 += (double)yw[i] * yx[i];
  float s;
  assert_int_equal(lq_ggml_vec_dot(LQ_GGML_Q4_0, q4, LQ_GGML_Q8_0, q8x, N, &s), LQ_OK);
  assert_true(fabs(s - ref) <= 1e-4 * (fabs(ref) + 1.0)); /* same products, float accumulation order only */
  assert_int_equal(lq_ggml_vec_dot(LQ_GGML_Q8_0, q8w, LQ_GGML_Q8_0, q8x, N, &s), LQ_OK);
  assert_true(fabs(s - ref8) <= 1e-4 * (fabs(ref8) + 1.0));
  expect_error(lq_ggml_vec_dot(LQ_GGML_Q4_1, q4, LQ_GGML_Q8_0, q8x, N, &s), LQ_ERR_UNSUPPORTED);
  expect_error(lq_ggml_vec_dot(LQ_GGML_Q4_0, q4, LQ_GGML_Q4_0, q8x, N, &s), LQ_ERR_UNSUPPORTED);
  expect_error(lq_ggml_vec_dot(LQ_GGML_Q4_0, q4, LQ_GGML_Q8_0, q8x, 33, &s), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_vec_dot(LQ_GGML_Q4_0, NULL, LQ_GGML_Q8_0, q8x, 32, &s), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_vec_dot(LQ_GGML_Q4_0, q4, LQ_GGML_Q8_0, q8x, 32, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_ggml_vec_dot(LQ_GGML_Q8_0, q8w, LQ_GGML_Q8_0, q8x, 0, &s), LQ_OK);
  assert_true(s == 0.0f);
}

static void test_ggml_bad_inputs(void** state) {
  (void)state;
  float x[256] = {0};
  uint8_t q[256];
  size_t rb;
  lq_ggml_traits tr;
  lq_ggml_type t;
  expect_error(lq_ggml_quantize((lq_ggml_type)5, x, 32, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_quantize(LQ_GGML_Q4_0, x, 31, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_quantize(LQ_GGML_Q4_K, x, 32, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_quantize(LQ_GGML_Q4_0, NULL, 32, q), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_quantize(LQ_GGML_Q4_0, x, 32, NULL), LQ_ERR_INVALID_ARG);
  x[7] = NAN;
  expect_error(lq_ggml_quantize(LQ_GGML_Q6_K, x, 256, q), LQ_ERR_NUMERIC);
  expect_error(lq_ggml_dequantize(LQ_GGML_Q8_0, q, 40, x), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_dequantize(LQ_GGML_Q8_0, NULL, 32, x), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_type_traits((lq_ggml_type)0, &tr), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_type_traits(LQ_GGML_Q4_0, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_type_from_name("q4_00", &t), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_type_from_name(NULL, &t), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_row_bytes(LQ_GGML_Q4_0, 33, &rb), LQ_ERR_INVALID_ARG);
  expect_error(lq_ggml_row_bytes(LQ_GGML_Q8_0, (SIZE_MAX / 32) * 32, &rb), LQ_ERR_OVERFLOW);
}

/* ------------------------------------------------------- GPTQ / AWQ --- */
static void check_wq(const grec* r) {
  const int32_t* p = gi(r, 0);
  lq_wq_config cfg = {p[1], p[2], p[3], (lq_wq_rule)p[0]};
  size_t rows = (size_t)p[4], cols = (size_t)p[5], ng;
  assert_int_equal(lq_wq_num_groups(&cfg, rows, cols, &ng), LQ_OK);
  size_t nsc = cfg.group_size == -1 ? ng : rows * ng;
  assert_int_equal(nsc * 4, r->a[3].bytes);
  uint8_t* q = malloc(rows * cols);
  float* sc = malloc(nsc * 4);
  int32_t* z = malloc(nsc * 4);
  float* y = malloc(rows * cols * 4);
  assert_int_equal(lq_wq_quantize(&cfg, gf(r, 1), rows, cols, q, sc, z), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(q, gb(r, 2), rows * cols, r->name);
  assert_floats_bits(sc, gf(r, 3), nsc, r->name);
  LQ_ASSERT_BITS_EQUAL(z, gi(r, 4), nsc * 4, r->name);
  assert_int_equal(lq_wq_dequantize(&cfg, q, sc, z, rows, cols, y), LQ_OK);
  assert_floats_bits(y, gf(r, 5), rows * cols, r->name);
  /* packing round trip (bits 2/3/4/8, as AutoGPTQ) */
  if ((cfg.bits == 2 || cfg.bits == 3 || cfg.bits == 4 || cfg.bits == 8) &&
      cols % (cfg.bits == 3 ? 32 : (size_t)(32 / cfg.bits)) == 0) {
    uint32_t* packed = malloc(rows * cols * (size_t)cfg.bits / 32 * 4);
    uint8_t* back = malloc(rows * cols);
    assert_int_equal(lq_gptq_pack(cfg.bits, q, rows, cols, packed), LQ_OK);
    assert_int_equal(lq_gptq_unpack(cfg.bits, packed, rows, cols, back), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(back, q, rows * cols, "gptq pack round trip");
    free(packed);
    free(back);
  }
  free(q);
  free(sc);
  free(z);
  free(y);
}

static void test_wq_golden(void** state) {
  (void)state;
  assert_int_equal(each_record("wq_", check_wq), 7);
}

static void test_gptq_pack_layout(void** state) {
  (void)state;
  /* 2 output rows x 8 input columns, 4-bit: word (0, r) holds columns 0..7 LSB-first */
  uint8_t q[16] = {1, 2, 3, 4, 5, 6, 7, 8, 15, 0, 15, 0, 1, 1, 1, 1};
  uint32_t w[2];
  assert_int_equal(lq_gptq_pack(4, q, 2, 8, w), LQ_OK);
  assert_int_equal(w[0], 0x87654321u);
  assert_int_equal(w[1], 0x11110F0Fu);
  /* 8-bit, 1 row x 8 cols: two words (rows = 1 each) */
  uint8_t q8[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  uint32_t w8[2];
  assert_int_equal(lq_gptq_pack(8, q8, 1, 8, w8), LQ_OK);
  assert_int_equal(w8[0], 0x44332211u);
  assert_int_equal(w8[1], 0x88776655u);
  /* qzeros: zero - 1, packed along the output dimension; zero 0 wraps to 15 */
  int32_t z[8] = {8, 8, 1, 0, 16 - 1, 3, 2, 9}; /* rows = 8, ngroups = 1 */
  uint32_t qz;
  assert_int_equal(lq_gptq_pack_zeros(4, z, 8, 1, &qz), LQ_OK);
  assert_int_equal(qz, 0x812EF077u); /* nibbles (z-1)&15 = 7,7,0,15,14,2,1,8 from the LSB */
}

static void test_wq_bad_inputs(void** state) {
  (void)state;
  float w[64] = {0};
  uint8_t q[64];
  float sc[64];
  int32_t z[64];
  uint32_t pk[64];
  size_t ng;
  lq_wq_config bad_bits = {9, 0, 0, LQ_WQ_GPTQ}, bad_gs = {4, 3, 0, LQ_WQ_GPTQ}, bad_rule = {4, 0, 0, (lq_wq_rule)5};
  lq_wq_config bad_gs2 = {4, -2, 0, LQ_WQ_AWQ};
  expect_error(lq_wq_quantize(&bad_bits, w, 8, 8, q, sc, z), LQ_ERR_INVALID_ARG);
  expect_error(lq_wq_quantize(&bad_gs, w, 8, 8, q, sc, z), LQ_ERR_INVALID_ARG);
  expect_error(lq_wq_quantize(&bad_rule, w, 8, 8, q, sc, z), LQ_ERR_INVALID_ARG);
  expect_error(lq_wq_quantize(&bad_gs2, w, 8, 8, q, sc, z), LQ_ERR_INVALID_ARG);
  expect_error(lq_wq_quantize(NULL, NULL, 8, 8, q, sc, z), LQ_ERR_INVALID_ARG);
  expect_error(lq_wq_quantize(NULL, w, SIZE_MAX, 3, q, sc, z), LQ_ERR_OVERFLOW);
  expect_error(lq_wq_num_groups(NULL, 8, 8, NULL), LQ_ERR_INVALID_ARG);
  w[9] = NAN;
  expect_error(lq_wq_quantize(NULL, w, 8, 8, q, sc, z), LQ_ERR_NUMERIC);
  expect_error(lq_wq_dequantize(NULL, NULL, sc, z, 8, 8, w), LQ_ERR_INVALID_ARG);
  memset(q, 0, sizeof q);
  expect_error(lq_gptq_pack(3, q, 8, 8, pk), LQ_ERR_INVALID_ARG);
  expect_error(lq_gptq_pack(4, q, 8, 6, pk), LQ_ERR_INVALID_ARG);
  q[3] = 16;
  expect_error(lq_gptq_pack(4, q, 8, 8, pk), LQ_ERR_INVALID_ARG);
  expect_error(lq_gptq_unpack(8, NULL, 8, 8, q), LQ_ERR_INVALID_ARG);
  z[0] = 16;
  expect_error(lq_gptq_pack_zeros(4, z, 8, 1, pk), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_wq_num_groups(NULL, 8, 8, &ng), LQ_OK);
  assert_int_equal(ng, 1);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bnb4_golden),
      cmocka_unit_test(test_minifloat_bulk_equals_scalar),
      cmocka_unit_test(test_bnb8_and_double_quant_golden),
      cmocka_unit_test(test_bnb4_hand_checked),
      cmocka_unit_test(test_bnb_bad_inputs),
      cmocka_unit_test(test_minifloat_golden),
      cmocka_unit_test(test_minifloat_scaled),
      cmocka_unit_test(test_minifloat_scheme_lengths),
      cmocka_unit_test(test_minifloat_roundtrip_all_codes),
      cmocka_unit_test(test_minifloat_bad_inputs),
      cmocka_unit_test(test_mx_golden),
      cmocka_unit_test(test_mx_bad_inputs),
      cmocka_unit_test(test_ggml_golden),
      cmocka_unit_test(test_ggml_traits_and_hand_checked),
      cmocka_unit_test(test_ggml_vec_dot),
      cmocka_unit_test(test_nf4_gemv),
      cmocka_unit_test(test_ggml_bad_inputs),
      cmocka_unit_test(test_wq_golden),
      cmocka_unit_test(test_gptq_pack_layout),
      cmocka_unit_test(test_wq_bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
