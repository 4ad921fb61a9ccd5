/* AVX2 kernels of the llm module. Every one equals its _ref kernel bit for
 * bit: float work is the same single multiplies/adds in the same order
 * (the library is built with -ffp-contract=off), integer sums are exact and
 * the dot products accumulate block sums in the reference's scalar order. */
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

/* 16-entry float LUT by 4-bit index: two 8-entry permutes, blended on bit 3. */
static inline __m256 lut16(__m256 lo8, __m256 hi8, __m256i idx) {
  __m256 a = _mm256_permutevar8x32_ps(lo8, idx);
  __m256 b = _mm256_permutevar8x32_ps(hi8, idx);
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

void lq_uk_llm_bnb4_dequant__avx2(size_t npairs, const uint8_t* p, const float* lut, float s, float* y) {
  const __m256 lo8 = _mm256_loadu_ps(lut), hi8 = _mm256_loadu_ps(lut + 8), vs = _mm256_set1_ps(s);
  const __m128i m4 = _mm_set1_epi8(0x0F);
  size_t k = 0;
  for (; k + 8 <= npairs; k += 8) {
    __m128i b = _mm_loadl_epi64((const __m128i*)(p + k));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), m4), lo = _mm_and_si128(b, m4);
    __m128i codes = _mm_unpacklo_epi8(hi, lo); /* hi0, lo0, hi1, lo1, ...: element order */
    __m256i i0 = _mm256_cvtepu8_epi32(codes), i1 = _mm256_cvtepu8_epi32(_mm_srli_si128(codes, 8));
    _mm256_storeu_ps(y + 2 * k, _mm256_mul_ps(lut16(lo8, hi8, i0), vs));
    _mm256_storeu_ps(y + 2 * k + 8, _mm256_mul_ps(lut16(lo8, hi8, i1), vs));
  }
  for (; k < npairs; k++) {
    y[2 * k] = lut[p[k] >> 4] * s;
    y[2 * k + 1] = lut[p[k] & 15] * s;
  }
}

/* code = #{t : v > bounds[t]}, exactly the reference's strict compares,
 * as a search over the 15 sorted bounds: three compares with bounds 3, 7,
 * 11 count the quarter i (0..3); then two binary levels whose candidate
 * bound is a permute of the level's table by the bits found so far. The
 * compare masks are -1, so the search carries n = -(code so far): no
 * negations per level; the tables are stored at index (-c) mod 4 / mod 8,
 * the low bits the permutes read from a negative n. Returns -code. */
typedef struct { __m256 b3, b7, b11, t3, t4; } nf4_tree;

static inline __m256i nf4_negcodes8(const float* x, __m256 vr, const nf4_tree* tr) {
  const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x), vr);
  __m256i n = _mm256_add_epi32(_mm256_castps_si256(_mm256_cmp_ps(v, tr->b3, _CMP_GT_OQ)),
                               _mm256_castps_si256(_mm256_cmp_ps(v, tr->b7, _CMP_GT_OQ)));
  n = _mm256_add_epi32(n, _mm256_castps_si256(_mm256_cmp_ps(v, tr->b11, _CMP_GT_OQ))); /* -i */
  __m256 m = _mm256_cmp_ps(v, _mm256_permutevar_ps(tr->t3, n), _CMP_GT_OQ);      /* in-lane: 4 entries */
  n = _mm256_add_epi32(_mm256_add_epi32(n, n), _mm256_castps_si256(m));            /* -(2i + (v > t)) */
  m = _mm256_cmp_ps(v, _mm256_permutevar8x32_ps(tr->t4, n), _CMP_GT_OQ);
  return _mm256_add_epi32(_mm256_add_epi32(n, n), _mm256_castps_si256(m));
}

/* Largest |x| bits over n (a multiple of 32) floats: positive floats order
 * as their bit patterns, so the integer max is the float max, and a result
 * >= 0x7f800000 means some element is NaN or Inf. */
static inline uint32_t absmax_bits(const float* x, size_t n) {
  const __m256i absmask = _mm256_set1_epi32(0x7fffffff);
  __m256i m0 = _mm256_setzero_si256(), m1 = m0;
  for (size_t j = 0; j < n; j += 32) {
    __m256i a = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j)), absmask);
    __m256i b = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j + 8)), absmask);
    __m256i c = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j + 16)), absmask);
    __m256i d = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j + 24)), absmask);
    m0 = _mm256_max_epi32(m0, _mm256_max_epi32(a, b));
    m1 = _mm256_max_epi32(m1, _mm256_max_epi32(c, d));
  }
  __m256i m = _mm256_max_epi32(m0, m1);
  __m128i h = _mm_max_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  h = _mm_max_epi32(h, _mm_shuffle_epi32(h, 0x4E));
  h = _mm_max_epi32(h, _mm_shuffle_epi32(h, 0xB1));
  return (uint32_t)_mm_cvtsi128_si32(h);
}

size_t lq_uk_llm_nf4_quant__avx2(size_t nblocks, size_t bs, const float* x, uint8_t* p, float* absmax) {
  const float* B = lq_nf4_bounds;
  nf4_tree tree;
  tree.b3 = _mm256_set1_ps(B[3]);
  tree.b7 = _mm256_set1_ps(B[7]);
  tree.b11 = _mm256_set1_ps(B[11]);
  /* quarter i at index (-i) & 3: 0 -> 0, 1 -> 3, 2 -> 2, 3 -> 1 */
  tree.t3 = _mm256_setr_ps(B[1], B[13], B[9], B[5], B[1], B[13], B[9], B[5]);
  /* c = 2i + g (0..7) at index (-c) & 7 */
  tree.t4 = _mm256_setr_ps(B[0], B[14], B[12], B[10], B[8], B[6], B[4], B[2]);
  const nf4_tree* tr = &tree;
  const __m256i pair_w = _mm256_set1_epi16(0x0110); /* bytes (16, 1): 16 * even + odd */
  /* Chunks of ~2048 elements (8 KiB, stays in L1): first every block's
   * absmax and reciprocal, then the codes. Per block, absmax -> division ->
   * codes is a long dependency chain; split this way the code pass of a
   * chunk never waits on a reduction. */
  enum { CHUNK_ELEMS = 2048 };
  float rec[CHUNK_ELEMS / 32];
  const size_t per_chunk = bs >= CHUNK_ELEMS ? 1 : CHUNK_ELEMS / bs;
  const size_t ahead_bytes = per_chunk * bs * sizeof(float); /* the same position in the next chunk */
  for (size_t blk0 = 0; blk0 < nblocks; blk0 += per_chunk) {
    size_t nc = nblocks - blk0 < per_chunk ? nblocks - blk0 : per_chunk;
    int bad = 0;
    for (size_t c = 0; c < nc; c++) {
      const uint32_t amb = absmax_bits(x + c * bs, bs);
      if (amb >= 0x7f800000u) { /* encode the blocks before it, then report it */
        nc = c;
        bad = 1;
        break;
      }
      const float am = lq_bits_f32(amb);
      absmax[blk0 + c] = am;
      rec[c] = 1.0f / (am < 1e-38f ? 1e-38f : am);
    }
    for (size_t c = 0; c < nc; c++, x += bs, p += bs / 2) {
      const __m256 vr = _mm256_set1_ps(rec[c]);
      for (size_t k = 0; k < bs / 2; k += 16) { /* 32 elements -> 16 bytes */
        const float* xk = x + 2 * k;
        /* Pull the next chunk's two cache lines in while this one computes
         * (prefetches never fault, even past the end of x). */
        const uintptr_t next = (uintptr_t)xk + ahead_bytes; /* integer: may point past x */
        _mm_prefetch((const char*)next, _MM_HINT_T0);
        _mm_prefetch((const char*)(next + 64), _MM_HINT_T0);
        __m256i c0 = nf4_negcodes8(xk, vr, tr), c1 = nf4_negcodes8(xk + 8, vr, tr);
        __m256i c2 = nf4_negcodes8(xk + 16, vr, tr), c3 = nf4_negcodes8(xk + 24, vr, tr);
        /* Per 128-bit lane the packs give [c0 c1 c2 c3] quads: lane 0 holds
         * elements 0-3 of each, lane 1 elements 4-7. Pairs (2j, 2j+1) stay
         * adjacent, so maddubs forms -(16 c_2j + c_2j+1) per 16-bit word. */
        __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(c0, c1), _mm256_packs_epi32(c2, c3));
        __m256i w = _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_maddubs_epi16(pair_w, b));
        w = _mm256_packus_epi16(w, w); /* lane 0 bytes: out 0,1,4,5,8,9,12,13; lane 1: 2,3,6,7,... */
        __m128i out = _mm_unpacklo_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
        _mm_storeu_si128((__m128i*)(p + k), out);
      }
    }
    if (bad) return blk0 + nc;
  }
  return nblocks;
}

void lq_uk_llm_q4_0_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_q4_0* b = (const lq_block_q4_0*)vb;
  const __m128i m4 = _mm_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi32(8);
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d));
    __m128i q = _mm_loadu_si128((const __m128i*)b[i].qs);
    __m128i lo = _mm_and_si128(q, m4), hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
    __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int t = 0; t < 4; t++) {
      __m256i v = _mm256_sub_epi32(_mm256_cvtepu8_epi32(parts[t]), eight);
      _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(_mm256_cvtepi32_ps(v), d));
    }
  }
}

void lq_uk_llm_q8_0_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_q8_0* b = (const lq_block_q8_0*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d));
    for (int t = 0; t < 4; t++) {
      __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(b[i].qs + 8 * t)));
      _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(_mm256_cvtepi32_ps(v), d));
    }
  }
}

/* Low nibbles of 16 bytes -> elements 0..15, high nibbles -> 16..31, as
 * four vectors of 8 int32. */
static inline void nibbles32(const uint8_t* qs, __m256i out[4]) {
  const __m128i m4 = _mm_set1_epi8(0x0F);
  __m128i q = _mm_loadu_si128((const __m128i*)qs);
  __m128i lo = _mm_and_si128(q, m4), hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
  out[0] = _mm256_cvtepu8_epi32(lo);
  out[1] = _mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8));
  out[2] = _mm256_cvtepu8_epi32(hi);
  out[3] = _mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8));
}

static inline uint32_t load_u32le(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4); /* x86 is little-endian, as ggml's stored uint32 */
  return v;
}

void lq_uk_llm_q4_1_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_q4_1* b = (const lq_block_q4_1*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d)), m = _mm256_set1_ps(lq_h2f(b[i].m));
    __m256i q[4];
    nibbles32(b[i].qs, q);
    for (int t = 0; t < 4; t++) _mm256_storeu_ps(y + 8 * t, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(q[t]), d), m));
  }
}

/* Element e's fifth bit is bit e of qh: shift a broadcast qh by e per lane. */
static inline void q5_values(const uint8_t* qhp, const uint8_t* qs, __m256i q[4]) {
  const __m256i qh = _mm256_set1_epi32((int)load_u32le(qhp));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), one = _mm256_set1_epi32(1);
  nibbles32(qs, q);
  for (int t = 0; t < 4; t++) {
    __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(qh, _mm256_add_epi32(lane, _mm256_set1_epi32(8 * t))), one);
    q[t] = _mm256_or_si256(q[t], _mm256_slli_epi32(bit, 4));
  }
}

void lq_uk_llm_q5_0_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_q5_0* b = (const lq_block_q5_0*)vb;
  const __m256i sixteen = _mm256_set1_epi32(16);
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d));
    __m256i q[4];
    q5_values(b[i].qh, b[i].qs, q);
    for (int t = 0; t < 4; t++)
      _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q[t], sixteen)), d));
  }
}

void lq_uk_llm_q5_1_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_q5_1* b = (const lq_block_q5_1*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d)), m = _mm256_set1_ps(lq_h2f(b[i].m));
    __m256i q[4];
    q5_values(b[i].qh, b[i].qs, q);
    for (int t = 0; t < 4; t++) _mm256_storeu_ps(y + 8 * t, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(q[t]), d), m));
  }
}

/* F16C conversion: round to nearest even, equal to lq_f32_to_f16_inline. */
static inline lq_half f2h_f16c(float f) {
  const uint16_t u = (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
  lq_half h = {{(uint8_t)u, (uint8_t)(u >> 8)}};
  return h;
}

/* Max of the 32 |x| bit patterns of one block (see absmax_bits). */
static inline __m256i block_absmax_bits(const __m256 v[4], __m256i* all) {
  const __m256i absmask = _mm256_set1_epi32(0x7fffffff);
  __m256i a0 = _mm256_and_si256(_mm256_castps_si256(v[0]), absmask);
  __m256i a1 = _mm256_and_si256(_mm256_castps_si256(v[1]), absmask);
  __m256i a2 = _mm256_and_si256(_mm256_castps_si256(v[2]), absmask);
  __m256i a3 = _mm256_and_si256(_mm256_castps_si256(v[3]), absmask);
  __m256i m = _mm256_max_epi32(_mm256_max_epi32(a0, a1), _mm256_max_epi32(a2, a3));
  *all = _mm256_max_epi32(*all, m);
  m = _mm256_max_epi32(m, _mm256_permute2x128_si256(m, m, 0x01));
  m = _mm256_max_epi32(m, _mm256_shuffle_epi32(m, 0x4E));
  return _mm256_max_epi32(m, _mm256_shuffle_epi32(m, 0xB1)); /* broadcast in every lane */
}

static inline int any_nonfinite(__m256i all) {
  /* all lanes hold |x| bits <= 0x7fffffff: > 0x7f7fffff means Inf or NaN */
  return _mm256_movemask_epi8(_mm256_cmpgt_epi32(all, _mm256_set1_epi32(0x7f7fffff))) != 0;
}

/* 32 int32 lanes (4 vectors) -> 32 bytes in element order (values fit int8). */
static inline __m256i pack32_epi8(__m256i a, __m256i b, __m256i c, __m256i d) {
  __m256i w = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  return _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

int lq_uk_llm_q4_0_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_q4_0* b = (lq_block_q4_0*)vb;
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 half8 = _mm256_set1_ps(8.5f);
  const __m256i fifteen = _mm256_set1_epi32(15);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  __m256i all = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    __m256 v[4];
    for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(x + 8 * t);
    const __m256i am = block_absmax_bits(v, &all);
    float max = 0.0f;
    if (_mm256_cvtsi256_si32(am) != 0) { /* the first element reaching amax, as the reference's strict < scan picks */
      uint32_t mask = 0;
      for (int t = 0; t < 4; t++) {
        __m256i a = _mm256_and_si256(_mm256_castps_si256(v[t]), _mm256_castps_si256(absmask));
        mask |= (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a, am))) << (8 * t);
      }
      max = x[__builtin_ctz(mask)];
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = f2h_f16c(d);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    if (fabsf(d) >= FLT_MIN) { /* |x*id| <= 8.0001: s in (0, 17), nothing to mask */
      for (int t = 0; t < 4; t++)
        q[t] = _mm256_min_epi32(_mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v[t], vid), half8)), fifteen);
    } else {
      for (int t = 0; t < 4; t++) {
        __m256 s = _mm256_add_ps(_mm256_mul_ps(v[t], vid), half8);
        __m256 ok = _mm256_cmp_ps(_mm256_and_ps(s, absmask), _mm256_set1_ps(128.0f), _CMP_LT_OQ); /* Inf/NaN -> 0 */
        q[t] = _mm256_and_si256(_mm256_min_epi32(_mm256_cvttps_epi32(s), fifteen), _mm256_castps_si256(ok));
      }
    }
    __m256i lo = _mm256_or_si256(q[0], _mm256_slli_epi32(q[2], 4)); /* bytes 0..7 */
    __m256i hi = _mm256_or_si256(q[1], _mm256_slli_epi32(q[3], 4)); /* bytes 8..15 */
    __m256i w = _mm256_packus_epi16(_mm256_packs_epi32(lo, hi), _mm256_setzero_si256());
    w = _mm256_permutevar8x32_epi32(w, order);
    _mm_storeu_si128((__m128i*)b[i].qs, _mm256_castsi256_si128(w));
  }
  return any_nonfinite(all);
}

int lq_uk_llm_q8_0_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_q8_0* b = (lq_block_q8_0*)vb;
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 signmask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), lim = _mm256_set1_ps(128.0f);
  const __m256 below_half = _mm256_set1_ps(0.49999997f); /* 0.5 - 2^-25 */
  __m256i all = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    __m256 v[4];
    for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(x + 8 * t);
    const float amax = _mm256_cvtss_f32(_mm256_castsi256_ps(block_absmax_bits(v, &all)));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = f2h_f16c(d);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    if (d >= FLT_MIN) {
      /* d normal: |x*id| <= 127.0001, so no overflow to mask. roundf(s) =
       * trunc(s + copysign(0.5 - 2^-25, s)) for |s| < 2^22: the largest
       * float below 1/2 never rounds a fraction < 1/2 up to the next
       * integer, and exact halves still reach it (a tie to even). */
      for (int t = 0; t < 4; t++) {
        __m256 s = _mm256_mul_ps(v[t], vid);
        __m256 h = _mm256_or_ps(below_half, _mm256_and_ps(s, signmask));
        q[t] = _mm256_cvttps_epi32(_mm256_add_ps(s, h));
      }
    } else {
      for (int t = 0; t < 4; t++) {
        /* roundf: trunc, then one step away from zero when the exact
         * remainder is >= 1/2 (no x + 0.5 rounding error). */
        __m256 s = _mm256_mul_ps(v[t], vid);
        __m256 tr = _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m256 rem = _mm256_and_ps(_mm256_sub_ps(s, tr), absmask);
        __m256 step =
            _mm256_and_ps(_mm256_cmp_ps(rem, half, _CMP_GE_OQ), _mm256_or_ps(one, _mm256_and_ps(s, signmask)));
        /* Inf/NaN (1/d overflowed in a tiny block) give 0, as the reference pins it. */
        __m256 ok = _mm256_cmp_ps(_mm256_and_ps(s, absmask), lim, _CMP_LE_OQ);
        q[t] = _mm256_and_si256(_mm256_cvttps_epi32(_mm256_add_ps(tr, step)), _mm256_castps_si256(ok));
      }
    }
    _mm256_storeu_si256((__m256i*)b[i].qs, pack32_epi8(q[0], q[1], q[2], q[3]));
  }
  return any_nonfinite(all);
}

/* The dot products: ggml's AVX2 kernel, which the _ref kernels define (see
 * llm_ref.c). Per block, lane l of an int32 vector holds the exact sum of
 * the products of elements 4l..4l+3: |x| (sign_epi8(x, x)) times y with
 * x's sign (sign_epi8(y, x)) by maddubs, pairs of those by madd; then
 * acc = fma(dx * dy, (float)lanes, acc). The sign trick is exact unless
 * y holds -128 (negating it wraps): Q4_0 swaps the roles (x never is -128),
 * Q8_0 x Q8_0 redoes such a row (no quantizer writes -128) exactly. */
static inline float h2f_f16c(lq_half h) { /* exact, as lq_h2f (NaNs quieted alike) */
  return _cvtsh_ss((unsigned short)(h.b[0] | (h.b[1] << 8)));
}

static inline float hsum_ps_ggml(__m256 acc) { /* ggml's hsum_float_8 */
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(acc, 1), _mm256_castps256_ps128(acc));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

static inline __m256i lane_sums_i8(__m256i qx, __m256i qy) {
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(qx, qx), _mm256_sign_epi8(qy, qx));
  return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

static __attribute__((noinline)) __m256i lane_sums_scalar(__m256i qx, __m256i qy) {
  int8_t a[32], b[32];
  int32_t s[8];
  _mm256_storeu_si256((__m256i*)a, qx);
  _mm256_storeu_si256((__m256i*)b, qy);
  for (int l = 0; l < 8; l++) {
    s[l] = 0;
    for (int e = 4 * l; e < 4 * l + 4; e++) s[l] += a[e] * b[e];
  }
  return _mm256_loadu_si256((const __m256i*)s);
}

/* dx * dy of 8 consecutive block pairs: one F16C conversion per operand
 * (the strides are the block sizes); the products are the scalar ones. */
static inline void scales8(const uint8_t* xd, size_t xstride, const uint8_t* yd, float ds[8]) {
  __m128i hx = _mm_setzero_si128(), hy = _mm_setzero_si128();
#define LQ_SCALE_LANE(k)                                                                      \
  hx = _mm_insert_epi16(hx, xd[(k) * xstride] | (xd[(k) * xstride + 1] << 8), k);            \
  hy = _mm_insert_epi16(hy, yd[(k) * sizeof(lq_block_q8_0)] | (yd[(k) * sizeof(lq_block_q8_0) + 1] << 8), k);
  LQ_SCALE_LANE(0) LQ_SCALE_LANE(1) LQ_SCALE_LANE(2) LQ_SCALE_LANE(3)
  LQ_SCALE_LANE(4) LQ_SCALE_LANE(5) LQ_SCALE_LANE(6) LQ_SCALE_LANE(7)
#undef LQ_SCALE_LANE
  _mm256_storeu_ps(ds, _mm256_mul_ps(_mm256_cvtph_ps(hx), _mm256_cvtph_ps(hy)));
}

static inline __m256i q4_0_values(const lq_block_q4_0* b) { /* elements 0..31 as int8 in [-8, 7] */
  const __m128i q = _mm_loadu_si128((const __m128i*)b->qs);
  const __m256i nib = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
  return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
}

/* Q4_0: the roles of the sign trick swapped, |y| (abs_epi8: -128 -> 128
 * unsigned) times x with y's sign: x in [-8, 7] never wraps, so every
 * product is exact and equals ggml's (which agree wherever ggml's are). */
static inline __m256i lane_sums_q4(__m256i qx, __m256i qy) {
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_abs_epi8(qy), _mm256_sign_epi8(qx, qy));
  return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

/* Q8_0 x Q8_0: the exact path for rows whose y holds a -128 (the fast
 * loop's sign trick would wrap there): same lanes and accumulation. */
static __attribute__((noinline)) float dot_q8_exact_avx2(size_t nb, const lq_block_q8_0* x, const lq_block_q8_0* y) {
  __m256 acc = _mm256_setzero_ps();
  for (size_t i = 0; i < nb; i++) {
    const __m256 d = _mm256_set1_ps(h2f_f16c(x[i].d) * h2f_f16c(y[i].d));
    const __m256i lanes = lane_sums_scalar(_mm256_loadu_si256((const __m256i*)x[i].qs),
                                           _mm256_loadu_si256((const __m256i*)y[i].qs));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc);
  }
  return hsum_ps_ggml(acc);
}

/* One loop for both x types: 8 blocks' scales converted at once. LQ_LANES
 * gives a block's lane sums; LQ_TRACK tracks what the fallback needs. */
#define LQ_DOT_BLOCK(xblk, yblk, dvec)                                                    \
  do {                                                                                   \
    const __m256i qy_ = _mm256_loadu_si256((const __m256i*)(yblk)->qs);                  \
    LQ_TRACK(qy_);                                                                       \
    acc = _mm256_fmadd_ps(dvec, _mm256_cvtepi32_ps(LQ_LANES(LQ_QX(xblk), qy_)), acc);    \
  } while (0)

#define LQ_DOT_LOOP(xtype)                                                                           \
  const xtype* x = (const xtype*)vx;                                                                 \
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;                                                 \
  __m256 acc = _mm256_setzero_ps();                                                                  \
  size_t i = 0;                                                                                      \
  for (; i + 8 <= nb; i += 8) {                                                                      \
    float ds[8];                                                                                     \
    scales8(x[i].d.b, sizeof(xtype), y[i].d.b, ds);                                                  \
    for (int k = 0; k < 8; k++) LQ_DOT_BLOCK(&x[i + k], &y[i + k], _mm256_broadcast_ss(ds + k));     \
  }                                                                                                  \
  for (; i < nb; i++) LQ_DOT_BLOCK(&x[i], &y[i], _mm256_set1_ps(h2f_f16c(x[i].d) * h2f_f16c(y[i].d)));

void lq_uk_llm_dot_q4_0_q8_0__avx2(size_t nb, const void* vx, const void* vy, float* out) {
#define LQ_QX(xblk) q4_0_values(xblk)
#define LQ_LANES(qx, qy) lane_sums_q4(qx, qy)
#define LQ_TRACK(qy) (void)0
  LQ_DOT_LOOP(lq_block_q4_0)
  *out = hsum_ps_ggml(acc);
#undef LQ_TRACK
#undef LQ_LANES
#undef LQ_QX
}

void lq_uk_llm_dot_q8_0_q8_0__avx2(size_t nb, const void* vx, const void* vy, float* out) {
  __m256i ymin = _mm256_setzero_si256(); /* y's smallest byte: -128 sends the row to the exact path */
#define LQ_QX(xblk) _mm256_loadu_si256((const __m256i*)(xblk)->qs)
#define LQ_LANES(qx, qy) lane_sums_i8(qx, qy)
#define LQ_TRACK(qy) (ymin = _mm256_min_epi8(ymin, qy))
  LQ_DOT_LOOP(lq_block_q8_0)
  *out = _mm256_movemask_epi8(_mm256_cmpeq_epi8(ymin, _mm256_set1_epi8(-128))) != 0 ? dot_q8_exact_avx2(nb, x, y)
                                                                                    : hsum_ps_ggml(acc);
#undef LQ_TRACK
#undef LQ_LANES
#undef LQ_QX
}
#undef LQ_DOT_LOOP
#undef LQ_DOT_BLOCK

/* IQ4_NL: the nibbles index the 16 int8 levels with one pshufb per half;
 * d * (float)level is the reference's single multiply. */
void lq_uk_llm_iq4_nl_dequant__avx2(size_t nb, const void* vb, float* y) {
  const lq_block_iq4_nl* b = (const lq_block_iq4_nl*)vb;
  const __m128i table = _mm_loadu_si128((const __m128i*)lq_iq4nl_values);
  const __m128i m4 = _mm_set1_epi8(0x0F);
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const __m256 d = _mm256_set1_ps(lq_h2f(b[i].d));
    const __m128i q = _mm_loadu_si128((const __m128i*)b[i].qs);
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, m4));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4), m4));
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int t = 0; t < 4; t++)
      _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[t]))));
  }
}

/* bitsandbytes 4-bit GEMV: 16 bytes (32 elements) per step, codes to floats
 * by the two-permute table (lut16), four FMA accumulators per block, then
 * the block's absmax scales their sum into the row accumulator. */
void lq_uk_llm_bnb4_gemv__avx2(size_t rows, size_t cols, size_t bs, const uint8_t* p, const float* absmax,
                               const float* lut, const float* x, float* y) {
  const __m256 lo8 = _mm256_loadu_ps(lut), hi8 = _mm256_loadu_ps(lut + 8);
  const __m128i m4 = _mm_set1_epi8(0x0F);
  const size_t nbr = cols / bs;
  for (size_t r = 0; r < rows; r++) {
    __m256 acc = _mm256_setzero_ps();
    const uint8_t* pr = p + r * cols / 2;
    for (size_t b = 0; b < nbr; b++) {
      const uint8_t* pb = pr + b * bs / 2;
      const float* xb = x + b * bs;
      __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
      for (size_t k = 0; k < bs / 2; k += 16) { /* bs >= 32: whole 16-byte steps */
        const __m128i q = _mm_loadu_si128((const __m128i*)(pb + k));
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4), lo = _mm_and_si128(q, m4);
        const __m128i c0 = _mm_unpacklo_epi8(hi, lo), c1 = _mm_unpackhi_epi8(hi, lo); /* element order */
        const float* xk = xb + 2 * k;
        s0 = _mm256_fmadd_ps(lut16(lo8, hi8, _mm256_cvtepu8_epi32(c0)), _mm256_loadu_ps(xk), s0);
        s1 = _mm256_fmadd_ps(lut16(lo8, hi8, _mm256_cvtepu8_epi32(_mm_srli_si128(c0, 8))), _mm256_loadu_ps(xk + 8), s1);
        s2 = _mm256_fmadd_ps(lut16(lo8, hi8, _mm256_cvtepu8_epi32(c1)), _mm256_loadu_ps(xk + 16), s2);
        s3 = _mm256_fmadd_ps(lut16(lo8, hi8, _mm256_cvtepu8_epi32(_mm_srli_si128(c1, 8))), _mm256_loadu_ps(xk + 24), s3);
      }
      const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
      acc = _mm256_fmadd_ps(_mm256_set1_ps(absmax[r * nbr + b]), s, acc);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    y[r] = _mm_cvtss_f32(h);
  }
}

/* ---- IQ4_NL quantize: ggml's scale search with the 16 candidate scales of a
 * block in the lanes of two vectors (lane 0: id = 1/(-max/-127), lanes 1..15:
 * id = (itry - 127)/max, itry = -7..7). Each lane runs the reference's float
 * operations on the 32 elements in the reference's order (separate multiplies
 * and adds, no FMA), so its sumqx/sumq2 equal the scalar ones bit for bit; the
 * candidates are then chosen in the reference's order in scalar code. */
typedef struct {
  __m256 m7, m3, m11, t4, t8, vlo, vhi;
} iq4_tabs;

/* Negated ggml best_index_int8 of 8 values: the same four comparisons
 * 2v >= kv[j-1] + kv[j] as the binary search, index carried as -idx. */
static inline __m256i iq4_negindex(__m256 v, const iq4_tabs* T) {
  const __m256 x2 = _mm256_add_ps(v, v);
  const __m256 m1 = _mm256_cmp_ps(x2, T->m7, _CMP_GE_OQ);
  const __m256 m2 = _mm256_cmp_ps(x2, _mm256_blendv_ps(T->m3, T->m11, m1), _CMP_GE_OQ);
  __m256i n = _mm256_add_epi32(_mm256_add_epi32(_mm256_castps_si256(m1), _mm256_castps_si256(m1)),
                               _mm256_castps_si256(m2)); /* -(idx / 4) */
  const __m256 m3 = _mm256_cmp_ps(x2, _mm256_permutevar_ps(T->t4, n), _CMP_GE_OQ);
  n = _mm256_add_epi32(_mm256_add_epi32(n, n), _mm256_castps_si256(m3)); /* -(idx / 2) */
  const __m256 m4 = _mm256_cmp_ps(x2, _mm256_permutevar8x32_ps(T->t8, n), _CMP_GE_OQ);
  return _mm256_add_epi32(_mm256_add_epi32(n, n), _mm256_castps_si256(m4)); /* -idx */
}

/* kvalues_iq4nl[idx] as float from -idx: tables stored at (-idx) & 15. */
static inline __m256 iq4_level(__m256i negidx, const iq4_tabs* T) { return lut16(T->vlo, T->vhi, negidx); }

int lq_uk_llm_iq4_nl_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_iq4_nl* y = (lq_block_iq4_nl*)vb;
  const int8_t* kv = lq_iq4nl_values;
  float mid2[15], neg_lv[16];
  for (int j = 1; j < 16; j++) mid2[j - 1] = (float)(kv[j - 1] + kv[j]);
  for (int i = 0; i < 16; i++) neg_lv[(16 - i) & 15] = (float)kv[i];
  iq4_tabs T;
  T.m7 = _mm256_set1_ps(mid2[7]);
  T.m3 = _mm256_set1_ps(mid2[3]);
  T.m11 = _mm256_set1_ps(mid2[11]);
  /* idx/4 = k at (-k) & 3 -> mid2[4k + 1]; idx/2 = k at (-k) & 7 -> mid2[2k] */
  T.t4 = _mm256_setr_ps(mid2[1], mid2[13], mid2[9], mid2[5], mid2[1], mid2[13], mid2[9], mid2[5]);
  T.t8 = _mm256_setr_ps(mid2[0], mid2[14], mid2[12], mid2[10], mid2[8], mid2[6], mid2[4], mid2[2]);
  T.vlo = _mm256_loadu_ps(neg_lv);
  T.vhi = _mm256_loadu_ps(neg_lv + 8);
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 flt_max = _mm256_set1_ps(FLT_MAX);
  __m256 bad = _mm256_setzero_ps();
  for (size_t i = 0; i < nb; i++) /* finiteness first: no block is written for a bad row */
    for (int t = 0; t < 4; t++)
      bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(x + i * LQ_QK + 8 * t), absmask), flt_max,
                                            _CMP_NLE_UQ));
  if (_mm256_movemask_ps(bad)) return 1;
  for (size_t i = 0; i < nb; i++) {
    const float* xb = x + i * LQ_QK;
    float w[LQ_QK];
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LQ_QK; j++) {
      w[j] = xb[j] * xb[j];
      const float ax = fabsf(xb[j]);
      if (ax > amax) {
        amax = ax;
        max = xb[j];
      }
    }
    float scale = 0.0f;
    if (!(amax < 1e-15f)) {
      float ids[16];
      ids[0] = 1.0f / (-max / (float)kv[0]);
      for (int t = -7; t <= 7; t++) ids[t + 8] = (float)(t + kv[0]) / max;
      const __m256 idA = _mm256_loadu_ps(ids), idB = _mm256_loadu_ps(ids + 8);
      __m256 qxA = _mm256_setzero_ps(), q2A = qxA, qxB = qxA, q2B = qxA;
      for (int j = 0; j < LQ_QK; j++) {
        const __m256 xj = _mm256_set1_ps(xb[j]), wj = _mm256_set1_ps(w[j]);
        const __m256 qA = iq4_level(iq4_negindex(_mm256_mul_ps(idA, xj), &T), &T);
        const __m256 qB = iq4_level(iq4_negindex(_mm256_mul_ps(idB, xj), &T), &T);
        const __m256 wqA = _mm256_mul_ps(wj, qA), wqB = _mm256_mul_ps(wj, qB);
        qxA = _mm256_add_ps(qxA, _mm256_mul_ps(wqA, xj));
        q2A = _mm256_add_ps(q2A, _mm256_mul_ps(wqA, qA));
        qxB = _mm256_add_ps(qxB, _mm256_mul_ps(wqB, xj));
        q2B = _mm256_add_ps(q2B, _mm256_mul_ps(wqB, qB));
      }
      float sqx[16], sq2[16];
      _mm256_storeu_ps(sqx, qxA);
      _mm256_storeu_ps(sqx + 8, qxB);
      _mm256_storeu_ps(sq2, q2A);
      _mm256_storeu_ps(sq2 + 8, q2B);
      float d = sq2[0] > 0.0f ? sqx[0] / sq2[0] : 0.0f;
      float best = d * sqx[0];
      for (int c = 1; c < 16; c++)
        if (sq2[c] > 0.0f && sqx[c] * sqx[c] > best * sq2[c]) {
          d = sqx[c] / sq2[c];
          best = d * sqx[c];
        }
      scale = d;
    }
    y[i].d = lq_f2h(scale);
    const __m256 vid = _mm256_set1_ps(scale != 0.0f ? 1.0f / scale : 0.0f);
    int32_t L[LQ_QK];
    for (int t = 0; t < 4; t++)
      _mm256_storeu_si256((__m256i*)(L + 8 * t), iq4_negindex(_mm256_mul_ps(vid, _mm256_loadu_ps(xb + 8 * t)), &T));
    for (int j = 0; j < LQ_QK / 2; j++) y[i].qs[j] = (uint8_t)((-L[j]) | ((-L[j + 16]) << 4));
  }
  return 0;
}
