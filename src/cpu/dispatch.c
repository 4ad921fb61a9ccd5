/* The dispatch table: built once (pthread_once) by walking every module's
 * kernel list and taking the first kernel whose ISA bits are all active. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/dispatch.h"

#if defined(__AVX__) && !defined(LQ_NATIVE_BUILD)
#error "the dispatcher must be built without AVX flags: it runs before the CPU is known"
#endif

static lq_dispatch lq_table;
static const char* lq_table_impl[LQ_SLOT_COUNT];
static const char* const lq_slot_names[LQ_SLOT_COUNT] = {
#define LQ_SLOT(name, type) #name,
#include "cpu/all_slots.inc"
#undef LQ_SLOT
};
static uint64_t lq_detected, lq_env_mask = ~0ull, lq_user_mask = ~0ull;
static char lq_env_warning[160];
static pthread_once_t lq_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lq_rebuild_lock = PTHREAD_MUTEX_INITIALIZER;

static void lq_build_table(uint64_t active) {
  lq_dispatch t;
  memset(&t, 0, sizeof t);
  t.isa = active;
#define LQ_UKERNEL(slot, bits, fn)                                  \
  if (t.slot == NULL && (((uint64_t)(bits)) & ~active) == 0) {      \
    t.slot = fn;                                                    \
    lq_table_impl[LQ_SLOT_INDEX_##slot] = #fn;                      \
  }
#include "cpu/all_kernels.inc"
#undef LQ_UKERNEL
  lq_table = t;
}

static void lq_dispatch_init(void) {
  lq_detected = lq_cpu_detect();
#ifndef LQ_NO_GETENV
  const char* env = getenv("LIBQUANT_ISA");
  if (env != NULL && env[0] != '\0') {
    uint64_t m;
    if (lq_isa_parse(env, &m) == LQ_OK) {
      lq_env_mask = m;
    } else {
      /* Ignored, never fatal: the CLI prints this warning. */
      lq_env_warning[0] = '\0';
      strncat(lq_env_warning, "LIBQUANT_ISA='", sizeof lq_env_warning - 1);
      strncat(lq_env_warning, env, 64);
      strncat(lq_env_warning, "' is not scalar|sse2|avx2|avx512|neon|native; ignored",
              sizeof lq_env_warning - strlen(lq_env_warning) - 1);
      lq_clear_error();
    }
  }
#endif
  lq_build_table(lq_detected & lq_env_mask & lq_user_mask);
}

const lq_dispatch* lq_dispatch_get(void) {
  pthread_once(&lq_once, lq_dispatch_init);
  return &lq_table;
}

uint64_t lq_isa_detected(void) {
  lq_dispatch_get();
  return lq_detected;
}

uint64_t lq_isa_active(void) { return lq_dispatch_get()->isa; }

const char* lq_isa_env_warning(void) {
  lq_dispatch_get();
  return lq_env_warning[0] ? lq_env_warning : NULL;
}

lq_status lq_isa_set_mask(uint64_t mask) {
  lq_dispatch_get();
  pthread_mutex_lock(&lq_rebuild_lock);
  lq_user_mask = mask;
  lq_build_table(lq_detected & lq_env_mask & lq_user_mask);
  pthread_mutex_unlock(&lq_rebuild_lock);
  return LQ_OK;
}

lq_status lq_isa_parse(const char* name, uint64_t* mask_out) {
  LQ_REQUIRE_PTR(name);
  LQ_REQUIRE_PTR(mask_out);
  static const struct { const char* name; uint64_t mask; } names[] = {
      {"scalar", 0},
      {"sse2", LQ_ISA_SSE2},
      {"avx2", LQ_ISA_SSE2 | LQ_ISA_AVX2},
      {"avx512", LQ_ISA_SSE2 | LQ_ISA_AVX2 | LQ_ISA_AVX512 | LQ_ISA_AVX512VNNI | LQ_ISA_AVX512BF16},
      {"neon", LQ_ISA_NEON | LQ_ISA_NEON_DOTPROD},
      {"native", ~0ull},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcasecmp(name, names[i].name) == 0) {
      *mask_out = names[i].mask;
      return LQ_OK;
    }
  }
  return lq_fail(LQ_ERR_INVALID_ARG, "unknown ISA name '%.64s' (expected scalar, sse2, avx2, avx512, neon, native)", name);
}

const char* lq_isa_name(uint64_t bit) {
  switch (bit) {
    case 0: return "scalar";
    case LQ_ISA_SSE2: return "sse2";
    case LQ_ISA_AVX2: return "avx2";
    case LQ_ISA_AVX512: return "avx512";
    case LQ_ISA_AVX512VNNI: return "avx512vnni";
    case LQ_ISA_AVX512BF16: return "avx512bf16";
    case LQ_ISA_NEON: return "neon";
    case LQ_ISA_NEON_DOTPROD: return "neon_dotprod";
    default: return "unknown";
  }
}

size_t lq_dispatch_slot_count(void) { return LQ_SLOT_COUNT; }

lq_status lq_dispatch_slot_info(size_t i, const char** slot_out, const char** kernel_out) {
  lq_dispatch_get();
  if (i >= LQ_SLOT_COUNT) return lq_fail(LQ_ERR_INVALID_ARG, "slot %zu out of range (%d slots)", i, (int)LQ_SLOT_COUNT);
  if (slot_out) *slot_out = lq_slot_names[i];
  if (kernel_out) *kernel_out = lq_table_impl[i];
  return LQ_OK;
}
