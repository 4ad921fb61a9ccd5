/* AVX2 kernels of the uniform module. Every integer output equals the _ref
 * kernel bit for bit: the rounding modes are rebuilt from the same exact
 * float operations (floor/trunc plus an exact difference), the stochastic
 * draw is triple32 vectorised with _mm256_mullo_epi32, and tails run the
 * same vector code on a zero-padded copy. */
#include <immintrin.h>
#include <string.h>

#include "uniform/uniform_kernels.h"

#define LQ_AI static inline __attribute__((always_inline))

typedef struct {
  __m256 inv, zp, lo, hi;
  __m256i klo, khi; /* stochastic key halves for the current 2^32 block */
  __m256i loi, hii; /* qmin, qmax as int32 (LQ_UQ_SR_CLAMP) */
} lq_uq8;

LQ_AI __m256 lq_rng8_avx2(__m256i idx, __m256i klo, __m256i khi) {
  __m256i x = _mm256_add_epi32(idx, klo);
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 17));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0xed5ad4bbu));
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 11));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0xac4c1b51u));
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
  x = _mm256_mullo_epi32(x, _mm256_set1_epi32((int)0x31848babu));
  x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 14));
  x = _mm256_srli_epi32(_mm256_xor_si256(x, khi), 8); /* < 2^24: exact in float */
  return _mm256_mul_ps(_mm256_cvtepi32_ps(x), _mm256_set1_ps(0x1p-24f));
}

/* v (already scaled) -> clamped integral float, mode a compile-time constant
 * after inlining. idx = low 32 bits of the lanes' element indices. */
LQ_AI __m256 lq_uq_round_clamp_avx2(__m256 v, __m256 zp, __m256 lo, __m256 hi, int mode, __m256i idx, __m256i klo,
                                    __m256i khi) {
  const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> +0 */
  __m256 r;
  switch (mode) {
    case LQ_ROUND_HALF_UP: {
      __m256 f = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      r = _mm256_add_ps(f, _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(v, f), half, _CMP_GE_OQ), one));
      break;
    }
    case LQ_ROUND_HALF_AWAY: {
      __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      __m256 d = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
      __m256 step = _mm256_or_ps(one, _mm256_and_ps(v, _mm256_set1_ps(-0.0f))); /* copysign(1, v) */
      r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, half, _CMP_GE_OQ), step));
      break;
    }
    case LQ_ROUND_AWAY: {
      __m256 c = _mm256_round_ps(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
      __m256 f = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      r = _mm256_blendv_ps(f, c, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ));
      break;
    }
    case LQ_ROUND_FLOOR: r = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); break;
    case LQ_ROUND_CEIL: r = _mm256_round_ps(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); break;
    case LQ_ROUND_TRUNC: r = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); break;
    case LQ_ROUND_STOCHASTIC: {
      __m256 f = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      __m256 u = lq_rng8_avx2(idx, klo, khi);
      r = _mm256_add_ps(f, _mm256_and_ps(_mm256_cmp_ps(u, _mm256_sub_ps(v, f), _CMP_LT_OQ), one));
      break;
    }
    default: r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); break;
  }
  __m256 t = _mm256_add_ps(r, zp);
  return _mm256_min_ps(_mm256_max_ps(t, lo), hi); /* t is never NaN */
}

/* Four triple32 draws in lockstep: the same operations as lq_rng8_avx2,
 * written stage by stage so the four multiply chains overlap. */
LQ_AI void lq_rng32_avx2(__m256i idx, __m256i klo, __m256i khi, __m256 u[4]) {
  __m256i x[4];
  for (int k = 0; k < 4; k++) x[k] = _mm256_add_epi32(_mm256_add_epi32(idx, _mm256_set1_epi32(8 * k)), klo);
  for (int k = 0; k < 4; k++) x[k] = _mm256_xor_si256(x[k], _mm256_srli_epi32(x[k], 17));
  for (int k = 0; k < 4; k++) x[k] = _mm256_mullo_epi32(x[k], _mm256_set1_epi32((int)0xed5ad4bbu));
  for (int k = 0; k < 4; k++) x[k] = _mm256_xor_si256(x[k], _mm256_srli_epi32(x[k], 11));
  for (int k = 0; k < 4; k++) x[k] = _mm256_mullo_epi32(x[k], _mm256_set1_epi32((int)0xac4c1b51u));
  for (int k = 0; k < 4; k++) x[k] = _mm256_xor_si256(x[k], _mm256_srli_epi32(x[k], 15));
  for (int k = 0; k < 4; k++) x[k] = _mm256_mullo_epi32(x[k], _mm256_set1_epi32((int)0x31848babu));
  for (int k = 0; k < 4; k++) x[k] = _mm256_xor_si256(x[k], _mm256_srli_epi32(x[k], 14));
  for (int k = 0; k < 4; k++) {
    __m256i y = _mm256_srli_epi32(_mm256_xor_si256(x[k], khi), 8);
    u[k] = _mm256_mul_ps(_mm256_cvtepi32_ps(y), _mm256_set1_ps(0x1p-24f));
  }
}

/* Per-tensor stochastic rounding with the rounding step done in the integer
 * domain (pseudo-modes of lq_uq_run; the driver picks them when the zero
 * point satisfies |zp| <= 2^23, as every public entry point's does).
 * Reference, per element (lq_uq_code):
 *   f = floor(v); b = (u < v - f); t = clamp(fl(fl(f + b) + zp), qmin, qmax)
 * Here:  g = min(fl(f + zp), qmax); c = cvt(g) + b, then c is clamped to
 * [qmin, qmax] in int32 (SR_CLAMP) or by the saturating packs of the store
 * when [qmin, qmax] is the output type's full range (SR_SAT).
 * Why the codes are identical:
 * - b = 1 only when v - f > 0, i.e. v finite and non-integral, so |f| < 2^23
 *   and f + 1 + zp is exact (|.| <= 2^24): c = min(f + zp, qmax) + 1 =
 *   min(f + 1 + zp, qmax + 1), whose clamp equals clamp(f + 1 + zp).
 * - b = 0: fl(f + zp) >= qmax gives qmax on both sides. Otherwise g is an
 *   integral float (or -Inf) below qmax: cvt is exact when g >= -2^31, and
 *   gives INT32_MIN for smaller g or -Inf, which clamps/saturates to qmin as
 *   the reference's clamp does. +Inf: v - f is NaN, so b = 0 and g = qmax.
 * - NaN v is zeroed first, exactly as in the reference.
 * The draw u = y * 2^-24 (y = (triple32(idx + klo) ^ khi) >> 8) is the
 * reference's; idx + klo is carried as one vector (hx) across blocks. */
enum { LQ_UQ_SR_SAT = 100, LQ_UQ_SR_CLAMP = 101 };

LQ_AI void lq_uq_block32_sr(const float* x, const lq_uq8* p, int clamp, __m256i hx, __m256i c[4]) {
  __m256i h[4];
  h[0] = hx;
  for (int k = 1; k < 4; k++) h[k] = _mm256_add_epi32(hx, _mm256_set1_epi32(8 * k));
  for (int k = 0; k < 4; k++) h[k] = _mm256_xor_si256(h[k], _mm256_srli_epi32(h[k], 17));
  for (int k = 0; k < 4; k++) h[k] = _mm256_mullo_epi32(h[k], _mm256_set1_epi32((int)0xed5ad4bbu));
  for (int k = 0; k < 4; k++) h[k] = _mm256_xor_si256(h[k], _mm256_srli_epi32(h[k], 11));
  for (int k = 0; k < 4; k++) h[k] = _mm256_mullo_epi32(h[k], _mm256_set1_epi32((int)0xac4c1b51u));
  for (int k = 0; k < 4; k++) h[k] = _mm256_xor_si256(h[k], _mm256_srli_epi32(h[k], 15));
  for (int k = 0; k < 4; k++) h[k] = _mm256_mullo_epi32(h[k], _mm256_set1_epi32((int)0x31848babu));
  for (int k = 0; k < 4; k++) {
    __m256i y = _mm256_xor_si256(h[k], _mm256_srli_epi32(h[k], 14));
    y = _mm256_srli_epi32(_mm256_xor_si256(y, p->khi), 8); /* < 2^24: exact in float */
    __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(y), _mm256_set1_ps(0x1p-24f));
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), p->inv);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> +0 */
    __m256 f = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m256i up = _mm256_castps_si256(_mm256_cmp_ps(u, _mm256_sub_ps(v, f), _CMP_LT_OQ)); /* -1 where b = 1 */
    __m256 g = _mm256_min_ps(_mm256_add_ps(f, p->zp), p->hi);
    c[k] = _mm256_sub_epi32(_mm256_cvtps_epi32(g), up);
    if (clamp) c[k] = _mm256_min_epi32(_mm256_max_epi32(c[k], p->loi), p->hii);
  }
}

/* 32 codes as four int32 vectors. */
LQ_AI void lq_uq_block32(const float* x, const float* scale, const int32_t* zpv, const lq_uq8* p, int mode, int pe,
                         __m256i idx, __m256i c[4]) {
  if (mode == LQ_ROUND_STOCHASTIC && !pe) {
    __m256 u[4];
    lq_rng32_avx2(idx, p->klo, p->khi, u);
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int k = 0; k < 4; k++) {
      __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), p->inv);
      v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> +0 */
      __m256 f = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      __m256 r = _mm256_add_ps(f, _mm256_and_ps(_mm256_cmp_ps(u[k], _mm256_sub_ps(v, f), _CMP_LT_OQ), one));
      __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(r, p->zp), p->lo), p->hi);
      c[k] = _mm256_cvtps_epi32(t);
    }
    return;
  }
  for (int k = 0; k < 4; k++) {
    __m256 inv = p->inv, zp = p->zp;
    if (pe) {
      inv = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(scale + 8 * k));
      zp = _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i*)(zpv + 8 * k)));
    }
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), inv);
    __m256i ik = _mm256_add_epi32(idx, _mm256_set1_epi32(8 * k));
    c[k] = _mm256_cvtps_epi32(lq_uq_round_clamp_avx2(v, zp, p->lo, p->hi, mode, ik, p->klo, p->khi));
  }
}

enum { LQ_OUT_S8, LQ_OUT_U8, LQ_OUT_S16, LQ_OUT_U16, LQ_OUT_F32 };

/* Outputs at least this large are written with streaming stores: they do
 * not fit the caches anyway, and skipping the read-for-ownership saves a
 * fifth of the traffic of quantize and almost half of dequantize's. */
#define LQ_UQ_NT_BYTES ((size_t)1 << 22)
/* How far ahead of the loads large (streaming) runs prefetch the input:
 * +15-20 % single-thread throughput on the 16M-element benchmark (Zen 3);
 * prefetches past the end of the array are harmless (they never fault). */
#define LQ_UQ_PREFETCH_BYTES 2048

/* Stores 32 codes. The codes are inside the output range, so the saturating
 * packs do not saturate, except on the LQ_UQ_SR_SAT path, which relies on
 * that saturation as its clamp. packs work per 128-bit lane: the
 * permutes put the 4-element groups back in order. */
LQ_AI void lq_uq_store32(__m256i c[4], int kind, int nt, void* out) {
  if (kind == LQ_OUT_S8 || kind == LQ_OUT_U8) {
    __m256i a = _mm256_packs_epi32(c[0], c[1]); /* c0[0:4] c1[0:4] | c0[4:8] c1[4:8] */
    __m256i b = _mm256_packs_epi32(c[2], c[3]);
    __m256i y = kind == LQ_OUT_S8 ? _mm256_packs_epi16(a, b) : _mm256_packus_epi16(a, b);
    /* dwords now hold c0a c1a c2a c3a | c0b c1b c2b c3b */
    y = _mm256_permutevar8x32_epi32(y, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    if (nt) _mm256_stream_si256((__m256i*)out, y); /* out is 32-byte aligned when nt */
    else _mm256_storeu_si256((__m256i*)out, y);
  } else {
    for (int k = 0; k < 2; k++) {
      __m256i y = kind == LQ_OUT_S16 ? _mm256_packs_epi32(c[2 * k], c[2 * k + 1])
                                     : _mm256_packus_epi32(c[2 * k], c[2 * k + 1]);
      y = _mm256_permute4x64_epi64(y, _MM_SHUFFLE(3, 1, 2, 0));
      if (nt) _mm256_stream_si256((__m256i*)((int16_t*)out + 16 * k), y);
      else _mm256_storeu_si256((__m256i*)((int16_t*)out + 16 * k), y);
    }
  }
}

static size_t lq_out_size(int kind) { return kind == LQ_OUT_S8 || kind == LQ_OUT_U8 ? 1 : 2; }

/* One run of indices inside a single 2^32 block (so one RNG key). */
LQ_AI void lq_uq_run(size_t n, const float* x, const float* scale, const int32_t* zp, lq_uq8* p, int mode, int pe,
                     int kind, int nt, uint32_t lo_idx, void* out) {
  const size_t osz = lq_out_size(kind);
  __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)lo_idx), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i hx = _mm256_add_epi32(idx, p->klo);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    if (nt) { /* streaming input: the hardware prefetcher stops at 4 KiB pages */
      _mm_prefetch((const char*)(x + i) + LQ_UQ_PREFETCH_BYTES, _MM_HINT_T0);
      _mm_prefetch((const char*)(x + i) + LQ_UQ_PREFETCH_BYTES + 64, _MM_HINT_T0);
    }
    __m256i c[4];
    if (mode == LQ_UQ_SR_SAT || mode == LQ_UQ_SR_CLAMP) lq_uq_block32_sr(x + i, p, mode == LQ_UQ_SR_CLAMP, hx, c);
    else lq_uq_block32(x + i, pe ? scale + i : NULL, pe ? zp + i : NULL, p, mode, pe, idx, c);
    lq_uq_store32(c, kind, nt, (char*)out + i * osz);
    idx = _mm256_add_epi32(idx, _mm256_set1_epi32(32));
    hx = _mm256_add_epi32(hx, _mm256_set1_epi32(32));
  }
  if (i < n) {
    size_t m = n - i;
    float xb[32] = {0}, sb[32];
    int32_t zb[32] = {0};
    int16_t ob[32];
    memcpy(xb, x + i, m * sizeof(float));
    if (pe) {
      for (int k = 0; k < 32; k++) sb[k] = 1.0f;
      memcpy(sb, scale + i, m * sizeof(float));
      memcpy(zb, zp + i, m * sizeof(int32_t));
    }
    __m256i c[4];
    if (mode == LQ_UQ_SR_SAT || mode == LQ_UQ_SR_CLAMP) lq_uq_block32_sr(xb, p, mode == LQ_UQ_SR_CLAMP, hx, c);
    else lq_uq_block32(xb, sb, zb, p, mode, pe, idx, c);
    lq_uq_store32(c, kind, 0, ob);
    memcpy((char*)out + i * osz, ob, m * osz);
  }
}

LQ_AI void lq_uq_driver(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq_args* a, int pe,
                        int kind, void* out) {
  lq_uq8 p;
  p.inv = _mm256_set1_ps(a->inv_scale);
  p.zp = _mm256_set1_ps(a->zero_point);
  p.lo = _mm256_set1_ps(a->qmin);
  p.hi = _mm256_set1_ps(a->qmax);
  p.klo = p.khi = _mm256_setzero_si256();
  p.loi = _mm256_set1_epi32((int32_t)a->qmin);
  p.hii = _mm256_set1_epi32((int32_t)a->qmax);
  /* integer-domain stochastic path (see lq_uq_block32_sr for the proof) */
  int sr_mode = LQ_UQ_SR_CLAMP;
  static const float type_lo[] = {-128.0f, 0.0f, -32768.0f, 0.0f}, type_hi[] = {127.0f, 255.0f, 32767.0f, 65535.0f};
  if (a->qmin == type_lo[kind] && a->qmax == type_hi[kind]) sr_mode = LQ_UQ_SR_SAT;
  const int sr_int = !pe && a->mode == LQ_ROUND_STOCHASTIC && a->zero_point >= -0x1p23f && a->zero_point <= 0x1p23f;
  const size_t osz = lq_out_size(kind);
  size_t i = 0;
  while (i < n) {
    uint64_t index = a->index0 + i;
    size_t run = n - i;
    if (a->mode == LQ_ROUND_STOCHASTIC) {
      uint64_t left = (1ull << 32) - (uint32_t)index; /* elements before the key changes */
      if ((uint64_t)run > left) run = (size_t)left;
      uint64_t key = lq_rng_key(a->seed, (uint32_t)(index >> 32));
      p.klo = _mm256_set1_epi32((int)(uint32_t)key);
      p.khi = _mm256_set1_epi32((int)(uint32_t)(key >> 32));
    }
    /* Large outputs: streaming stores (no read-for-ownership of the
     * output), after a head that brings the output to 32-byte alignment.
     * The codes are the same either way. */
    int nt = 0;
    if (run * osz >= LQ_UQ_NT_BYTES) {
      size_t mis = (size_t)(((uintptr_t)out + i * osz) & 31u);
      size_t head = mis ? (32u - mis) / osz : 0;
      if (mis % osz == 0 && head < run) {
        if (head) run = head;
        else nt = 1;
      }
    }
    const float* xs = x + i;
    const float* ss = pe ? scale + i : NULL;
    const int32_t* zs = pe ? zp + i : NULL;
    void* os = (char*)out + i * osz;
    uint32_t lo = (uint32_t)index;
    switch (sr_int ? sr_mode : (int)a->mode) {
#define LQ_CASE(M) \
  case M: lq_uq_run(run, xs, ss, zs, &p, M, pe, kind, nt, lo, os); break;
      LQ_CASE(LQ_UQ_SR_SAT)
      LQ_CASE(LQ_UQ_SR_CLAMP)
      LQ_CASE(LQ_ROUND_HALF_UP)
      LQ_CASE(LQ_ROUND_HALF_AWAY)
      LQ_CASE(LQ_ROUND_AWAY)
      LQ_CASE(LQ_ROUND_FLOOR)
      LQ_CASE(LQ_ROUND_CEIL)
      LQ_CASE(LQ_ROUND_TRUNC)
      LQ_CASE(LQ_ROUND_STOCHASTIC)
#undef LQ_CASE
      default: lq_uq_run(run, xs, ss, zs, &p, LQ_ROUND_HALF_EVEN, pe, kind, nt, lo, os); break;
    }
    if (nt) _mm_sfence(); /* order the streaming stores before returning */
    i += run;
  }
}

void lq_uk_uniform_quant_f32_s8__avx2(size_t n, const float* x, const lq_uq_args* a, int8_t* out) {
  lq_uq_driver(n, x, NULL, NULL, a, 0, LQ_OUT_S8, out);
}
void lq_uk_uniform_quant_f32_u8__avx2(size_t n, const float* x, const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver(n, x, NULL, NULL, a, 0, LQ_OUT_U8, out);
}
void lq_uk_uniform_quant_f32_s16__avx2(size_t n, const float* x, const lq_uq_args* a, int16_t* out) {
  lq_uq_driver(n, x, NULL, NULL, a, 0, LQ_OUT_S16, out);
}
void lq_uk_uniform_quant_f32_u16__avx2(size_t n, const float* x, const lq_uq_args* a, uint16_t* out) {
  lq_uq_driver(n, x, NULL, NULL, a, 0, LQ_OUT_U16, out);
}
void lq_uk_uniform_quant_pe_f32_s8__avx2(size_t n, const float* x, const float* scale, const int32_t* zp,
                                         const lq_uq_args* a, int8_t* out) {
  lq_uq_driver(n, x, scale, zp, a, 1, LQ_OUT_S8, out);
}
void lq_uk_uniform_quant_pe_f32_u8__avx2(size_t n, const float* x, const float* scale, const int32_t* zp,
                                         const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver(n, x, scale, zp, a, 1, LQ_OUT_U8, out);
}

/* Fake quant: the same rounding/clamp, then (t - zp) * scale in float (the
 * difference is exact: |t - zp| <= qmax - qmin <= 2^24). */
LQ_AI void lq_fq_run(size_t n, const float* x, const lq_uq8* p, __m256 sc, int mode, uint32_t lo_idx, float* out) {
  __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)lo_idx), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), p->inv);
    __m256 t = lq_uq_round_clamp_avx2(v, p->zp, p->lo, p->hi, mode, idx, p->klo, p->khi);
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_sub_ps(t, p->zp), sc));
    idx = _mm256_add_epi32(idx, _mm256_set1_epi32(8));
  }
  if (i < n) {
    float xb[8] = {0}, yb[8];
    memcpy(xb, x + i, (n - i) * sizeof(float));
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(xb), p->inv);
    __m256 t = lq_uq_round_clamp_avx2(v, p->zp, p->lo, p->hi, mode, idx, p->klo, p->khi);
    _mm256_storeu_ps(yb, _mm256_mul_ps(_mm256_sub_ps(t, p->zp), sc));
    memcpy(out + i, yb, (n - i) * sizeof(float));
  }
}

void lq_uk_uniform_fake_quant_f32__avx2(size_t n, const float* x, const lq_uq_args* a, float* out) {
  lq_uq8 p;
  p.inv = _mm256_set1_ps(a->inv_scale);
  p.zp = _mm256_set1_ps(a->zero_point);
  p.lo = _mm256_set1_ps(a->qmin);
  p.hi = _mm256_set1_ps(a->qmax);
  p.klo = p.khi = _mm256_setzero_si256();
  const __m256 sc = _mm256_set1_ps(a->scale);
  size_t i = 0;
  while (i < n) {
    uint64_t index = a->index0 + i;
    size_t run = n - i;
    if (a->mode == LQ_ROUND_STOCHASTIC) { /* one key per 2^32 block of indices */
      uint64_t left = (1ull << 32) - (uint32_t)index;
      if ((uint64_t)run > left) run = (size_t)left;
      uint64_t key = lq_rng_key(a->seed, (uint32_t)(index >> 32));
      p.klo = _mm256_set1_epi32((int)(uint32_t)key);
      p.khi = _mm256_set1_epi32((int)(uint32_t)(key >> 32));
    }
    uint32_t lo = (uint32_t)index;
    switch (a->mode) {
#define LQ_CASE(M) \
  case M: lq_fq_run(run, x + i, &p, sc, M, lo, out + i); break;
      LQ_CASE(LQ_ROUND_HALF_UP)
      LQ_CASE(LQ_ROUND_HALF_AWAY)
      LQ_CASE(LQ_ROUND_AWAY)
      LQ_CASE(LQ_ROUND_FLOOR)
      LQ_CASE(LQ_ROUND_CEIL)
      LQ_CASE(LQ_ROUND_TRUNC)
      LQ_CASE(LQ_ROUND_STOCHASTIC)
#undef LQ_CASE
      default: lq_fq_run(run, x + i, &p, sc, LQ_ROUND_HALF_EVEN, lo, out + i); break;
    }
    i += run;
  }
}

/* ------------------------------------------------------------ dequantize */
#define LQ_DQ_BODY(LOAD8, T)                                                        \
  const __m256 sc = _mm256_set1_ps(scale);                                          \
  const __m256i z = _mm256_set1_epi32(zp);                                          \
  size_t i = 0;                                                                     \
  if (n * sizeof(float) >= LQ_UQ_NT_BYTES && ((uintptr_t)out & 3u) == 0) {          \
    /* streaming stores from a 32-byte aligned output position */                  \
    for (; ((uintptr_t)(out + i) & 31u) != 0; i++) out[i] = (float)((int32_t)q[i] - zp) * scale; \
    for (; i + 8 <= n; i += 8) {                                                    \
      __m256i v = LOAD8(q + i);                                                     \
      _mm256_stream_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, z)), sc)); \
    }                                                                               \
    _mm_sfence();                                                                   \
  }                                                                                 \
  for (; i + 8 <= n; i += 8) {                                                      \
    __m256i v = LOAD8(q + i);                                                       \
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, z)), sc)); \
  }                                                                                 \
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp) * scale;

LQ_AI __m256i lq_ld8_s8(const int8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)p)); }
LQ_AI __m256i lq_ld8_u8(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p)); }
LQ_AI __m256i lq_ld8_s16(const int16_t* p) { return _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i*)p)); }
LQ_AI __m256i lq_ld8_u16(const uint16_t* p) { return _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)); }

void lq_uk_uniform_dequant_s8_f32__avx2(size_t n, const int8_t* q, float scale, int32_t zp, float* out) {
  LQ_DQ_BODY(lq_ld8_s8, int8_t)
}
void lq_uk_uniform_dequant_u8_f32__avx2(size_t n, const uint8_t* q, float scale, int32_t zp, float* out) {
  LQ_DQ_BODY(lq_ld8_u8, uint8_t)
}
void lq_uk_uniform_dequant_s16_f32__avx2(size_t n, const int16_t* q, float scale, int32_t zp, float* out) {
  LQ_DQ_BODY(lq_ld8_s16, int16_t)
}
void lq_uk_uniform_dequant_u16_f32__avx2(size_t n, const uint16_t* q, float scale, int32_t zp, float* out) {
  LQ_DQ_BODY(lq_ld8_u16, uint16_t)
}

#define LQ_DQ_PE_BODY(LOAD8)                                                                          \
  size_t i = 0;                                                                                       \
  for (; i + 8 <= n; i += 8) {                                                                        \
    __m256i v = _mm256_sub_epi32(LOAD8(q + i), _mm256_loadu_si256((const __m256i*)(zp + i)));         \
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_loadu_ps(scale + i)));      \
  }                                                                                                   \
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp[i]) * scale[i];

void lq_uk_uniform_dequant_pe_s8_f32__avx2(size_t n, const int8_t* q, const float* scale, const int32_t* zp,
                                           float* out) {
  LQ_DQ_PE_BODY(lq_ld8_s8)
}
void lq_uk_uniform_dequant_pe_u8_f32__avx2(size_t n, const uint8_t* q, const float* scale, const int32_t* zp,
                                           float* out) {
  LQ_DQ_PE_BODY(lq_ld8_u8)
}

/* ------------------------------------------------------- pack / unpack */
/* Scalar tails share the reference layout: element i in byte i / per at bit
 * (i % per) * bits. */
static void lq_pack_tail(size_t n, const uint8_t* c, uint8_t* p, unsigned bits) {
  const unsigned per = 8u / bits, mask = (1u << bits) - 1u;
  for (size_t b = 0; b * per < n; b++) {
    unsigned v = 0;
    for (unsigned k = 0; k < per && b * per + k < n; k++) v |= (c[b * per + k] & mask) << (k * bits);
    p[b] = (uint8_t)v;
  }
}
static void lq_unpack_tail(size_t n, const uint8_t* p, int sgn, uint8_t* c, unsigned bits) {
  const unsigned per = 8u / bits, mask = (1u << bits) - 1u, half = 1u << (bits - 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v = (p[i / per] >> ((i % per) * bits)) & mask;
    c[i] = sgn ? (uint8_t)(((v ^ half) - half) & 0xFFu) : (uint8_t)v;
  }
}

void lq_uk_uniform_pack4__avx2(size_t n, const uint8_t* c, uint8_t* p) {
  size_t i = 0;
  const __m256i m4 = _mm256_set1_epi8(0x0F), w = _mm256_set1_epi16(0x1001); /* bytes (1, 16) */
  for (; i + 32 <= n; i += 32) {
    __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(c + i)), m4);
    __m256i s = _mm256_maddubs_epi16(v, w); /* c[2k] + 16 c[2k+1] <= 255 */
    __m256i b = _mm256_packus_epi16(s, s);  /* per lane: 8 bytes, repeated */
    b = _mm256_permute4x64_epi64(b, _MM_SHUFFLE(2, 0, 2, 0));
    _mm_storeu_si128((__m128i*)(p + i / 2), _mm256_castsi256_si128(b));
  }
  lq_pack_tail(n - i, c + i, p + i / 2, 4);
}

void lq_uk_uniform_pack2__avx2(size_t n, const uint8_t* c, uint8_t* p) {
  size_t i = 0;
  const __m256i m2 = _mm256_set1_epi8(0x03), w8 = _mm256_set1_epi16(0x0401), w16 = _mm256_set1_epi32(0x00100001);
  const __m256i gather = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  for (; i + 32 <= n; i += 32) {
    __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(c + i)), m2);
    __m256i s = _mm256_maddubs_epi16(v, w8); /* c0 + 4 c1 per 16 bits */
    __m256i d = _mm256_madd_epi16(s, w16);   /* s0 + 16 s1 per 32 bits: one packed byte */
    __m256i g = _mm256_shuffle_epi8(d, gather);
    uint32_t lo = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(g));
    uint32_t hi = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(g, 1));
    memcpy(p + i / 4, &lo, 4);
    memcpy(p + i / 4 + 4, &hi, 4);
  }
  lq_pack_tail(n - i, c + i, p + i / 4, 2);
}

void lq_uk_uniform_pack1__avx2(size_t n, const uint8_t* c, uint8_t* p) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    /* bit 0 of every byte to bit 7 (the 16-bit shift carries byte 2k's high
     * bits into byte 2k+1's low bits only, which movemask ignores) */
    __m256i v = _mm256_slli_epi16(_mm256_loadu_si256((const __m256i*)(c + i)), 7);
    uint32_t bits = (uint32_t)_mm256_movemask_epi8(v);
    memcpy(p + i / 8, &bits, 4);
  }
  lq_pack_tail(n - i, c + i, p + i / 8, 1);
}

void lq_uk_uniform_unpack4__avx2(size_t n, const uint8_t* p, int sgn, uint8_t* c) {
  size_t i = 0;
  const __m256i lo = _mm256_set1_epi16(0x000F), hi = _mm256_set1_epi16(0x0F00);
  const __m256i h = _mm256_set1_epi8(sgn ? 8 : 0);
  for (; i + 32 <= n; i += 32) {
    __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i*)(p + i / 2))); /* one packed byte per 16 bits */
    __m256i r = _mm256_or_si256(_mm256_and_si256(w, lo), _mm256_and_si256(_mm256_slli_epi16(w, 4), hi));
    r = _mm256_sub_epi8(_mm256_xor_si256(r, h), h); /* sign-extend the nibble when sgn */
    _mm256_storeu_si256((__m256i*)(c + i), r);
  }
  lq_unpack_tail(n - i, p + i / 2, sgn, c + i, 4);
}

void lq_uk_uniform_unpack2__avx2(size_t n, const uint8_t* p, int sgn, uint8_t* c) {
  size_t i = 0;
  const __m256i h = _mm256_set1_epi8(sgn ? 2 : 0);
  for (; i + 32 <= n; i += 32) {
    __m256i w = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)(p + i / 4))); /* one packed byte per 32 bits */
    /* byte k of the lane = bits 2k..2k+1 of the packed byte */
    __m256i r = _mm256_and_si256(w, _mm256_set1_epi32(0x3));
    r = _mm256_or_si256(r, _mm256_and_si256(_mm256_slli_epi32(w, 6), _mm256_set1_epi32(0x300)));
    r = _mm256_or_si256(r, _mm256_and_si256(_mm256_slli_epi32(w, 12), _mm256_set1_epi32(0x30000)));
    r = _mm256_or_si256(r, _mm256_and_si256(_mm256_slli_epi32(w, 18), _mm256_set1_epi32(0x3000000)));
    r = _mm256_sub_epi8(_mm256_xor_si256(r, h), h);
    _mm256_storeu_si256((__m256i*)(c + i), r);
  }
  lq_unpack_tail(n - i, p + i / 4, sgn, c + i, 2);
}

void lq_uk_uniform_unpack1__avx2(size_t n, const uint8_t* p, int sgn, uint8_t* c) {
  size_t i = 0;
  const __m256i rep = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                       2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
  const __m256i one = _mm256_set1_epi8(1);
  for (; i + 32 <= n; i += 32) {
    uint32_t wv;
    memcpy(&wv, p + i / 8, 4);
    __m256i r = _mm256_shuffle_epi8(_mm256_set1_epi32((int)wv), rep); /* byte j = packed byte j / 8 */
    r = _mm256_cmpeq_epi8(_mm256_and_si256(r, bit), bit);             /* 0xFF where bit j % 8 is set */
    if (!sgn) r = _mm256_and_si256(r, one);
    _mm256_storeu_si256((__m256i*)(c + i), r);
  }
  lq_unpack_tail(n - i, p + i / 8, sgn, c + i, 1);
}
