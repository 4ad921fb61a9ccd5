/* Shared helpers for the CMocka suites: ISA skipping, kernel tables from the
 * modules' *_kernels.inc lists, deterministic data, golden-file loading. */
#ifndef LQ_TEST_H
#define LQ_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "libquant.h"

/* Asserts that a call failed with `want` and left an error text (containing
 * `needle` when not NULL); the message names both statuses and the text. */
static inline void lq_test_expect_error(lq_status got, lq_status want, const char* needle) {
  if (got != want)
    fail_msg("status %s, expected %s (%s)", lq_status_string(got), lq_status_string(want), lq_last_error());
  if (lq_last_error()[0] == '\0') fail_msg("%s without an error text", lq_status_string(got));
  if (needle && strstr(lq_last_error(), needle) == NULL)
    fail_msg("error text '%s' lacks '%s'", lq_last_error(), needle);
}

/* One row of a module's kernel list. */
typedef struct lq_test_kernel {
  const char* slot;
  uint64_t isa;
  void (*fn)(void);
  const char* name;
} lq_test_kernel;

#define LQ_TEST_KERNEL_ROW(slot, bits, fn) {#slot, (uint64_t)(bits), (void (*)(void))(fn), #fn},

/* The reference kernel of a slot (ISA bits 0). */
static inline const lq_test_kernel* lq_test_ref_kernel(const lq_test_kernel* t, size_t n, const char* slot) {
  for (size_t i = 0; i < n; i++)
    if (t[i].isa == 0 && strcmp(t[i].slot, slot) == 0) return &t[i];
  fail_msg("no reference kernel for slot %s", slot);
  return NULL;
}

static inline int lq_test_isa_available(uint64_t isa) { return (lq_isa_detected() & isa) == isa; }

/* Exit code CTest treats as "skipped" (SKIP_RETURN_CODE 77). */
#define LQ_TEST_SKIP_CODE 77

/* Public-API suites run once per LIBQUANT_ISA value; when the requested ISA
 * is not on this CPU the run is a skip, not a silent scalar rerun. */
static inline void lq_test_skip_if_env_isa_missing(void) {
  const char* env = getenv("LIBQUANT_ISA");
  uint64_t mask;
  if (env == NULL || lq_isa_parse(env, &mask) != LQ_OK || mask == 0 || mask == ~0ull) return;
  uint64_t want = mask & ~(LQ_ISA_SSE2 | LQ_ISA_AVX512VNNI | LQ_ISA_AVX512BF16 | LQ_ISA_NEON_DOTPROD);
  if ((lq_isa_detected() & want) != want) {
    printf("skipping: LIBQUANT_ISA=%s is not available on this CPU\n", env);
    exit(LQ_TEST_SKIP_CODE);
  }
}

/* Deterministic test data from the library's own counter-based RNG. */
static inline float lq_test_uniform(uint64_t seed, uint64_t i, float lo, float hi) {
  return lo + (hi - lo) * lq_rng_uniform_f32(seed, i);
}

/* Awkward float values every element-wise kernel is tested on. */
static const float lq_test_specials[] = {
    0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f,
    1e-45f, -1e-45f, 1.17549435e-38f, -1.17549435e-38f, 3.4028235e38f, -3.4028235e38f,
    INFINITY, -INFINITY, NAN, -NAN, 65504.0f, 65520.0f, 1e30f, -1e30f, 127.5f, -128.5f, 255.5f};
#define LQ_TEST_NSPECIALS (sizeof lq_test_specials / sizeof lq_test_specials[0])

/* Sizes that hit every remainder path of tiles up to 64 elements. */
static const size_t lq_test_sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                                       47, 48, 63, 64, 65, 127, 128, 129, 255, 256, 1000, 4099};
#define LQ_TEST_NSIZES (sizeof lq_test_sizes / sizeof lq_test_sizes[0])

/* Fills n floats: mostly uniform in [-scale, scale], with specials sprinkled
 * in when with_specials is set. */
static inline void lq_test_fill(float* x, size_t n, uint64_t seed, float scale, int with_specials) {
  for (size_t i = 0; i < n; i++) {
    x[i] = lq_test_uniform(seed, i, -scale, scale);
    if (with_specials && lq_rng_u32(seed ^ 0x5bd1e995u, i) % 7 == 0)
      x[i] = lq_test_specials[lq_rng_u32(seed + 1, i) % LQ_TEST_NSPECIALS];
  }
}

static inline uint32_t lq_test_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float lq_test_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Reads a whole golden file from tests/vectors (LQ_TEST_VECTORS_DIR). */
static inline void* lq_test_read_vector(const char* name, size_t* bytes_out) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", LQ_TEST_VECTORS_DIR, name);
  FILE* f = fopen(path, "rb");
  if (!f) fail_msg("cannot open golden file %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  void* buf = malloc((size_t)len + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *bytes_out = (size_t)len;
  return buf;
}

/* A golden file of exactly `expect` float32 values (fails the test otherwise). */
static inline float* lq_test_load_f32(const char* name, size_t expect) {
  size_t bytes;
  float* p = (float*)lq_test_read_vector(name, &bytes);
  if (bytes != expect * 4) fail_msg("%s: %zu bytes, expected %zu floats", name, bytes, expect);
  return p;
}

/* Bitwise equality that reports the first mismatch. */
#define LQ_ASSERT_BITS_EQUAL(a, b, nbytes, what)                                                \
  do {                                                                                          \
    const unsigned char* pa_ = (const unsigned char*)(a);                                       \
    const unsigned char* pb_ = (const unsigned char*)(b);                                       \
    for (size_t k_ = 0; k_ < (size_t)(nbytes); k_++)                                            \
      if (pa_[k_] != pb_[k_]) fail_msg("%s: first difference at byte %zu (0x%02x vs 0x%02x)", what, k_, pa_[k_], pb_[k_]); \
  } while (0)

#endif
