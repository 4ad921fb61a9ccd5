/* libquant core: status codes, errors, version, ISA dispatch control,
 * f16/bf16 conversion, reductions and the counter-based RNG.
 * Included by <libquant.h>; do not include directly. */
#ifndef LIBQUANT_CORE_H_7F3A91C2
#define LIBQUANT_CORE_H_7F3A91C2

/* ---------------------------------------------------------------- status -- */

/*! lq_status : values are pinned forever; new codes are only appended. */
typedef enum lq_status {
  LQ_OK = 0,
  LQ_ERR_INVALID_ARG = 1,      /* NULL pointer, bad enum, inconsistent sizes */
  LQ_ERR_UNSUPPORTED = 2,      /* valid request this build or CPU cannot serve */
  LQ_ERR_OUT_OF_MEMORY = 3,
  LQ_ERR_BUFFER_TOO_SMALL = 4,
  LQ_ERR_NOT_CONVERGED = 5,
  LQ_ERR_NUMERIC = 6,          /* NaN/Inf where finite values are required */
  LQ_ERR_BLAS = 7,             /* BLAS/LAPACK reported a failure */
  LQ_ERR_STATE = 8,            /* object used in the wrong state (e.g. encode before train) */
  LQ_ERR_OVERFLOW = 9,         /* a size or byte count does not fit in size_t/int64 */
  LQ_ERR_IO = 10,              /* file could not be read or written */
  LQ_ERR_FORMAT = 11,          /* malformed or hostile serialized data */
  LQ_ERR_CANCELLED = 12        /* a progress callback asked to stop */
} lq_status;

/*! lq_status_string() : a static, never-NULL name such as "LQ_ERR_INVALID_ARG".
 *  Unknown values give "LQ_ERR_UNKNOWN". Thread-safe. */
LQ_API const char* lq_status_string(lq_status s);

/*! lq_last_error() : the detail sentence of the last failure on the calling
 *  thread (e.g. "group_size 100 does not divide 4096"), or "" if none.
 *  The pointer stays valid until the next libquant call on this thread. */
LQ_API const char* lq_last_error(void);

/*! lq_clear_error() : resets lq_last_error() to "" on the calling thread. */
LQ_API void lq_clear_error(void);

/* -------------------------------------------------------------- progress -- */
/*! lq_progress_fn : progress of a long-running call (k-means and codec
 *  training, model conversion). `done` is the fraction finished in [0, 1],
 *  non-decreasing within one call; it is called on the calling thread, never
 *  concurrently, and last with 1.0 when the call completes. Return 0 to go on,
 *  non-zero to cancel: the call stops at its next check (between iterations),
 *  returns LQ_ERR_CANCELLED, frees what it allocated and leaves its outputs
 *  unspecified (an object being trained stays untrained). */
typedef int (*lq_progress_fn)(double done, void* user);

/* --------------------------------------------------------------- version -- */
/*! Run-time version of the linked library (compare with LQ_VERSION_NUMBER). */
LQ_API unsigned lq_version_number(void);
LQ_API const char* lq_version_string(void);

/* ------------------------------------------------------------------- ISA -- */
/* ISA bits. x86: SSE2 is baseline; AVX2 implies FMA and F16C; AVX512 means
 * F+BW+DQ+VL. aarch64: NEON is baseline on every aarch64 CPU. */
#define LQ_ISA_SSE2 (1ull << 0)
#define LQ_ISA_AVX2 (1ull << 1)
#define LQ_ISA_AVX512 (1ull << 2)
#define LQ_ISA_AVX512VNNI (1ull << 3)
#define LQ_ISA_AVX512BF16 (1ull << 4)
#define LQ_ISA_NEON (1ull << 8)
#define LQ_ISA_NEON_DOTPROD (1ull << 9)

/*! lq_isa_detected() : ISA bits this CPU and OS support (cpuid + xgetbv on x86,
 *  getauxval on aarch64), restricted to what this build compiled kernels for. */
LQ_API uint64_t lq_isa_detected(void);

/*! lq_isa_active() : the bits kernels are chosen from: detected, masked by
 *  LIBQUANT_ISA (read once) and by lq_isa_set_mask(). */
LQ_API uint64_t lq_isa_active(void);

/*! lq_isa_set_mask() : restricts the active set to detected & mask (never adds)
 *  and rebuilds the dispatch table. Use ~0ull to restore. For tests and
 *  benchmarks: not safe while other threads call libquant. */
LQ_API lq_status lq_isa_set_mask(uint64_t mask);

/*! lq_isa_parse() : maps a LIBQUANT_ISA name (scalar, sse2, avx2, avx512,
 *  neon, native; case-insensitive) to its mask. Unknown: LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_isa_parse(const char* name, uint64_t* mask_out);

/*! lq_isa_name() : the name of one ISA bit ("avx2", ...), or "scalar" for 0,
 *  or "unknown". */
LQ_API const char* lq_isa_name(uint64_t bit);

/*! lq_isa_env_warning() : if LIBQUANT_ISA held a value that could not be
 *  parsed, a sentence saying so (it was ignored); otherwise NULL. */
LQ_API const char* lq_isa_env_warning(void);

/*! Dispatch introspection: slot i in [0, lq_dispatch_slot_count()) has a name
 *  ("reduce_minmax_f32") and the kernel chosen for it
 *  ("lq_uk_reduce_minmax_f32__avx512"). Returns LQ_ERR_INVALID_ARG past the end. */
LQ_API size_t lq_dispatch_slot_count(void);
LQ_API lq_status lq_dispatch_slot_info(size_t i, const char** slot_out, const char** kernel_out);

/* ------------------------------------------------------------ rounding -- */
/*! lq_round : every quantizer takes one. Zero (LQ_ROUND_HALF_EVEN) is the
 *  default and matches PyTorch (nearbyint under FE_TONEAREST). */
typedef enum lq_round {
  LQ_ROUND_HALF_EVEN = 0,  /* nearest, ties to even (banker's) */
  LQ_ROUND_HALF_UP = 1,    /* nearest, ties toward +inf: floor(x + 1/2) computed exactly */
  LQ_ROUND_HALF_AWAY = 2,  /* nearest, ties away from zero (C roundf) */
  LQ_ROUND_AWAY = 3,       /* directed away from zero (ceil for x>0, floor for x<0) */
  LQ_ROUND_FLOOR = 4,
  LQ_ROUND_CEIL = 5,
  LQ_ROUND_TRUNC = 6,      /* toward zero */
  LQ_ROUND_STOCHASTIC = 7, /* floor(x) + [u < x - floor(x)], u from lq_rng_uniform_f32(seed, index) */
  LQ_ROUND_COUNT_ = 8
} lq_round;

/*! lq_round_name() / lq_round_parse() : "half_even", "half_up", "half_away",
 *  "away", "floor", "ceil", "trunc", "stochastic". */
LQ_API const char* lq_round_name(lq_round r);
LQ_API lq_status lq_round_parse(const char* name, lq_round* out);

/*! lq_round_f32() : rounds x to an integral float under mode r. Stochastic
 *  mode draws u = lq_rng_uniform_f32(seed, index). NaN and +-Inf pass through
 *  unchanged. Pure function; the SIMD quantizers agree with it bit for bit. */
LQ_API float lq_round_f32(float x, lq_round r, uint64_t seed, uint64_t index);

/* ------------------------------------------------------------------ RNG -- */
/*! Counter-based RNG: a pure function of (seed, index), so stochastic work is
 *  reproducible whatever the ISA, thread count or call chunking.
 *  lq_rng_u32 = triple32(lo32(index) + k_lo) ^ k_hi, with (k_lo, k_hi) =
 *  splitmix64(seed ^ hi32(index)*golden): a bijection of lo32(index) for each
 *  (seed, hi32(index)). lq_rng_uniform_f32 = (lq_rng_u32 >> 8) * 2^-24, in [0, 1). */
LQ_API uint32_t lq_rng_u32(uint64_t seed, uint64_t index);
LQ_API float lq_rng_uniform_f32(uint64_t seed, uint64_t index);
/*! lq_rng_u64() : splitmix64-style 64-bit output for (seed, index). */
LQ_API uint64_t lq_rng_u64(uint64_t seed, uint64_t index);

/* ---------------------------------------------------- float conversions -- */
/* IEEE binary16 and bfloat16 are carried as uint16_t bit patterns.
 * f32 -> f16/bf16 round to nearest even; overflow goes to +-Inf; subnormals
 * are kept (no flush); NaN stays NaN with the quiet bit set and the top
 * payload bits kept (as F16C vcvtps2ph does). f16/bf16 -> f32 is exact. */
LQ_API uint16_t lq_f32_to_f16(float x);
LQ_API float lq_f16_to_f32(uint16_t h);
LQ_API uint16_t lq_f32_to_bf16(float x);
LQ_API float lq_bf16_to_f32(uint16_t h);

/*! Bulk conversions (dispatched SIMD). src and dst must not overlap. n == 0 is
 *  a no-op; NULL with n > 0 is LQ_ERR_INVALID_ARG. Any alignment. */
LQ_API lq_status lq_convert_f32_f16(const float* src, size_t n, uint16_t* dst);
LQ_API lq_status lq_convert_f16_f32(const uint16_t* src, size_t n, float* dst);
LQ_API lq_status lq_convert_f32_bf16(const float* src, size_t n, uint16_t* dst);
LQ_API lq_status lq_convert_bf16_f32(const uint16_t* src, size_t n, float* dst);

/* ------------------------------------------------------------ reductions -- */
/*! lq_reduce_minmax_f32() : min and max of x[0..n). n == 0 gives (+Inf, -Inf),
 *  the identity. If any element is NaN both results are NaN (like
 *  torch.aminmax). Between -0 and +0, min prefers -0 and max prefers +0, so the
 *  result never depends on order or ISA. */
LQ_API lq_status lq_reduce_minmax_f32(const float* x, size_t n, float* min_out, float* max_out);

/*! lq_reduce_absmax_f32() : max |x[i]|; 0 for n == 0; NaN if any NaN. */
LQ_API lq_status lq_reduce_absmax_f32(const float* x, size_t n, float* absmax_out);

/*! lq_reduce_sum_f32(), lq_reduce_sumsq_f32() : sum of x[i] and of x[i]^2,
 *  accumulated in double in a fixed order (16 interleaved partial sums,
 *  combined pairwise, then the tail), so every ISA gives the same bits.
 *  0 for n == 0. A NaN result (NaN input, or Inf - Inf) is always the one
 *  canonical quiet NaN, since which NaN propagates depends on order. */
LQ_API lq_status lq_reduce_sum_f32(const float* x, size_t n, double* sum_out);
LQ_API lq_status lq_reduce_sumsq_f32(const float* x, size_t n, double* sumsq_out);

/* --------------------------------------------------------- size helpers -- */
/*! lq_size_mul() / lq_size_add() : overflow-checked size arithmetic for
 *  callers sizing buffers. LQ_ERR_OVERFLOW when the result does not fit. */
LQ_API lq_status lq_size_mul(size_t a, size_t b, size_t* out);
LQ_API lq_status lq_size_add(size_t a, size_t b, size_t* out);

#endif /* LIBQUANT_CORE_H_7F3A91C2 */
