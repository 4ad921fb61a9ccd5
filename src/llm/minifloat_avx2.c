/* AVX2 kernels of the OCP minifloat and MX codecs, bit-identical to the
 * _ref kernels (llm_ref.c) on every input: the encoder is the same integer
 * round-half-to-even on the f32 bits for target normals and an exact power-
 * of-two scaling + explicit round-to-nearest-even for target subnormals
 * (both paths computed in every lane, then selected), the decoder the same bit construction, and the
 * MX scaling the same single multiplies by exact powers of two. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "llm/llm_kernels.h"

typedef struct {
  __m256i sh_round, rebias, emin_f, max_code, overflow, nan_code, one, absmask, inf;
  __m256 sub_scale; /* 2^(mbits - emin): units of the smallest subnormal */
  __m128i sh, sign_shift;
} mf_enc_consts;

static inline mf_enc_consts mf_enc_setup(const lq_mf_params* p) {
  mf_enc_consts k;
  const uint32_t sh = 23 - p->mbits, emin_f = 128 - p->bias;
  k.sh_round = _mm256_set1_epi32((int)((1u << (sh - 1)) - 1u));
  k.rebias = _mm256_set1_epi32((int)((127 - p->bias) << p->mbits));
  k.emin_f = _mm256_set1_epi32((int)emin_f);
  k.sub_scale = _mm256_set1_ps(lq_f32_pow2((int)p->mbits + (int)p->bias - 1));
  k.max_code = _mm256_set1_epi32((int)p->max_code);
  k.overflow = _mm256_set1_epi32((int)p->overflow);
  k.nan_code = _mm256_set1_epi32((int)p->nan_code);
  k.one = _mm256_set1_epi32(1);
  k.absmask = _mm256_set1_epi32(0x7FFFFFFF);
  k.inf = _mm256_set1_epi32(0x7F800000);
  k.sh = _mm_cvtsi32_si128((int)sh);
  k.sign_shift = _mm_cvtsi32_si128((int)(32 - p->width)); /* sign bit -> bit width-1 */
  return k;
}

/* lq_mf_encode1 on 8 lanes; returns the codes as 32-bit lanes. */
static inline __m256i mf_enc8(const mf_enc_consts* k, __m256 x) {
  const __m256i u = _mm256_castps_si256(x);
  const __m256i a = _mm256_and_si256(u, k->absmask);
  const __m256i fexp = _mm256_srli_epi32(a, 23);
  /* normal: round at bit sh (x + half - 1 + lsb) >> sh, rebias */
  const __m256i lsb = _mm256_and_si256(_mm256_srl_epi32(a, k->sh), k->one);
  const __m256i mag_n =
      _mm256_sub_epi32(_mm256_srl_epi32(_mm256_add_epi32(_mm256_add_epi32(a, k->sh_round), lsb), k->sh), k->rebias);
  /* subnormal: |x| / 2^(emin - mbits) rounded to nearest even. The product
   * with the power of two is exact (< 2^mbits), and the explicit-mode round
   * makes it the integer significand shift of lq_mf_encode1 (f32 subnormals
   * give 0 there and here) without the per-lane variable shifts. */
  const __m256 t = _mm256_mul_ps(_mm256_castsi256_ps(a), k->sub_scale);
  const __m256i mag_s = _mm256_cvttps_epi32(_mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  __m256i mag = _mm256_blendv_epi8(mag_n, mag_s, _mm256_cmpgt_epi32(k->emin_f, fexp));
  mag = _mm256_blendv_epi8(mag, k->overflow, _mm256_cmpgt_epi32(mag, k->max_code));
  const __m256i sign = _mm256_srl_epi32(_mm256_andnot_si256(k->absmask, u), k->sign_shift);
  const __m256i code = _mm256_or_si256(mag, sign);
  return _mm256_blendv_epi8(code, k->nan_code, _mm256_cmpgt_epi32(a, k->inf));
}

/* Four vectors of 8 codes (each < 256) -> 32 bytes in element order. */
static inline __m256i pack32_u8(__m256i c0, __m256i c1, __m256i c2, __m256i c3) {
  const __m256i w01 = _mm256_packus_epi32(c0, c1), w23 = _mm256_packus_epi32(c2, c3);
  const __m256i b = _mm256_packus_epi16(w01, w23);
  return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* 32 elements (x / s when div) -> 32 codes; NaN lanes are or-ed into *nan. */
static inline void enc32(const mf_enc_consts* k, const float* x, int div, __m256 vs, uint8_t* c, __m256i* nan) {
  __m256 v[4];
  for (int j = 0; j < 4; j++) {
    v[j] = _mm256_loadu_ps(x + 8 * j);
    if (div) v[j] = _mm256_div_ps(v[j], vs);
    *nan = _mm256_or_si256(*nan, _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_castps_si256(v[j]), k->absmask), k->inf));
  }
  _mm256_storeu_si256((__m256i*)c, pack32_u8(mf_enc8(k, v[0]), mf_enc8(k, v[1]), mf_enc8(k, v[2]), mf_enc8(k, v[3])));
}

int lq_uk_llm_mf_encode__avx2(const lq_mf_params* p, size_t n, const float* x, float s, uint8_t* c) {
  const mf_enc_consts k = mf_enc_setup(p);
  const __m256 vs = _mm256_set1_ps(s);
  __m256i nanv = _mm256_setzero_si256();
  size_t i = 0;
  if (s == 1.0f)
    for (; i + 32 <= n; i += 32) enc32(&k, x + i, 0, vs, c + i, &nanv);
  else
    for (; i + 32 <= n; i += 32) enc32(&k, x + i, 1, vs, c + i, &nanv);
  int nan = !_mm256_testz_si256(nanv, nanv);
  return nan | lq_mf_encode_range(p, x, s, c, i, n);
}

typedef struct {
  __m256i magmask, one, sub_lim, rebias, inf_mag, nan_lim, inf, qnan;
  __m256 sub_scale;
  __m128i to_exp, sign_pos;
} mf_dec_consts;

static inline mf_dec_consts mf_dec_setup(const lq_mf_params* p) {
  mf_dec_consts k;
  k.magmask = _mm256_set1_epi32((int)((1u << (p->width - 1)) - 1u));
  k.one = _mm256_set1_epi32(1);
  k.sub_lim = _mm256_set1_epi32((int)(1u << p->mbits));
  k.rebias = _mm256_set1_epi32((int)((127 - p->bias) << 23));
  k.inf_mag = _mm256_set1_epi32((int)p->inf_mag);
  k.nan_lim = _mm256_set1_epi32((int)p->nan_mag - 1);
  k.inf = _mm256_set1_epi32(0x7F800000);
  k.qnan = _mm256_set1_epi32(0x7FC00000);
  k.sub_scale = _mm256_set1_ps(lq_f32_pow2(1 - (int)p->bias - (int)p->mbits));
  k.to_exp = _mm_cvtsi32_si128((int)(23 - p->mbits));
  k.sign_pos = _mm_cvtsi32_si128((int)(p->width - 1));
  return k;
}

/* lq_mf_decode1_bits on 8 codes in 32-bit lanes. */
static inline __m256 mf_dec8(const mf_dec_consts* k, __m256i c) {
  const __m256i mag = _mm256_and_si256(c, k->magmask);
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(_mm256_srl_epi32(c, k->sign_pos), k->one), 31);
  const __m256i nrm = _mm256_add_epi32(_mm256_sll_epi32(mag, k->to_exp), k->rebias);
  const __m256i sub = _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(mag), k->sub_scale));
  __m256i bits = _mm256_blendv_epi8(nrm, sub, _mm256_cmpgt_epi32(k->sub_lim, mag));
  bits = _mm256_blendv_epi8(bits, k->inf, _mm256_cmpeq_epi32(mag, k->inf_mag));
  bits = _mm256_blendv_epi8(bits, k->qnan, _mm256_cmpgt_epi32(mag, k->nan_lim));
  return _mm256_castsi256_ps(_mm256_or_si256(bits, sign));
}

static inline void dec32_store(const mf_dec_consts* k, __m128i lo16, __m128i hi16, __m256 s1, __m256 s2, float* y) {
  _mm256_storeu_ps(y, _mm256_mul_ps(_mm256_mul_ps(mf_dec8(k, _mm256_cvtepu8_epi32(lo16)), s1), s2));
  _mm256_storeu_ps(y + 8, _mm256_mul_ps(_mm256_mul_ps(mf_dec8(k, _mm256_cvtepu8_epi32(_mm_srli_si128(lo16, 8))), s1), s2));
  _mm256_storeu_ps(y + 16, _mm256_mul_ps(_mm256_mul_ps(mf_dec8(k, _mm256_cvtepu8_epi32(hi16)), s1), s2));
  _mm256_storeu_ps(y + 24, _mm256_mul_ps(_mm256_mul_ps(mf_dec8(k, _mm256_cvtepu8_epi32(_mm_srli_si128(hi16, 8))), s1), s2));
}

void lq_uk_llm_mf_decode__avx2(const lq_mf_params* p, size_t n, const uint8_t* c, float s, float* y) {
  const mf_dec_consts k = mf_dec_setup(p);
  const __m256 vs = _mm256_set1_ps(s), one = _mm256_set1_ps(1.0f);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) { /* * 1 is the identity (decoded NaNs are quiet) */
    const __m128i lo = _mm_loadu_si128((const __m128i*)(c + i)), hi = _mm_loadu_si128((const __m128i*)(c + i + 16));
    dec32_store(&k, lo, hi, vs, one, y + i);
  }
  for (; i < n; i++) {
    const uint32_t b = lq_mf_decode1_bits(p, c[i]);
    float v;
    memcpy(&v, &b, sizeof v);
    y[i] = s == 1.0f ? v : v * s;
  }
}

/* ------------------------------------------------------------------ MX --- */

/* Horizontal max of 8 non-negative int32 lanes. */
static inline uint32_t hmax_epi32(__m256i v) {
  __m128i m = _mm_max_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  m = _mm_max_epi32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
  m = _mm_max_epi32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1)));
  return (uint32_t)_mm_cvtsi128_si32(m);
}

/* MXINT8: clamp(nearbyint(v * 64), -127, 127) as int32 lanes. */
static inline __m256i int8_codes(__m256 v) {
  __m256 q = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(64.0f)), _MM_FROUND_CUR_DIRECTION);
  q = _mm256_min_ps(_mm256_max_ps(q, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
  return _mm256_cvtps_epi32(q);
}

int lq_uk_llm_mx_quant__avx2(const lq_mx_params* p, size_t nb, const float* x, uint8_t* out) {
  const mf_enc_consts k = mf_enc_setup(&p->elem);
  const size_t bb = 1 + p->payload;
  const __m256i absmask = _mm256_set1_epi32(0x7FFFFFFF);
  for (size_t b = 0; b < nb; b++, x += 32, out += bb) {
    const __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8), x2 = _mm256_loadu_ps(x + 16),
                 x3 = _mm256_loadu_ps(x + 24);
    const __m256i a01 = _mm256_max_epi32(_mm256_and_si256(_mm256_castps_si256(x0), absmask),
                                         _mm256_and_si256(_mm256_castps_si256(x1), absmask));
    const __m256i a23 = _mm256_max_epi32(_mm256_and_si256(_mm256_castps_si256(x2), absmask),
                                         _mm256_and_si256(_mm256_castps_si256(x3), absmask));
    const uint32_t amax = hmax_epi32(_mm256_max_epi32(a01, a23));
    if (amax >= 0x7F800000u) return 1;
    const int fexp = (int)(amax >> 23);
    int se = fexp == 0 ? -127 : fexp - 127 - p->emax;
    se = se < -127 ? -127 : se > 127 ? 127 : se;
    if (se == 127) { /* 2^-127 is subnormal: the reference's ldexpf path */
      if (lq_uk_llm_mx_quant__ref(p, 1, x, out)) return 1;
      continue;
    }
    out[0] = (uint8_t)(se + 127);
    const __m256 m = _mm256_set1_ps(lq_f32_pow2(-se));
    const __m256 v0 = _mm256_mul_ps(x0, m), v1 = _mm256_mul_ps(x1, m), v2 = _mm256_mul_ps(x2, m),
                 v3 = _mm256_mul_ps(x3, m);
    if (p->type == LQ_MXINT8) { /* signed saturating packs keep -127..127 */
      const __m256i w01 = _mm256_packs_epi32(int8_codes(v0), int8_codes(v1));
      const __m256i w23 = _mm256_packs_epi32(int8_codes(v2), int8_codes(v3));
      const __m256i bytes =
          _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256((__m256i*)(out + 1), bytes);
      continue;
    }
    const __m256i codes = pack32_u8(mf_enc8(&k, v0), mf_enc8(&k, v1), mf_enc8(&k, v2), mf_enc8(&k, v3));
    if (p->type == LQ_MXFP4) { /* MXFP4: byte k = c[2k] | c[2k+1] << 4 */
      const __m256i w = codes; /* 16-bit lanes hold (c[2k], c[2k+1]) */
      const __m256i nib = _mm256_or_si256(_mm256_and_si256(w, _mm256_set1_epi16(0x0F)),
                                          _mm256_and_si256(_mm256_srli_epi16(w, 4), _mm256_set1_epi16(0xF0)));
      const __m128i packed = _mm_packus_epi16(_mm256_castsi256_si128(nib), _mm256_extracti128_si256(nib, 1));
      _mm_storeu_si128((__m128i*)(out + 1), packed);
    } else if (p->type == LQ_MXFP6_E2M3 || p->type == LQ_MXFP6_E3M2) { /* MXFP6: the 6-bit stream */
      /* c0 | c1 << 6 (16-bit), then | (c2 | c3 << 6) << 12: 24 bits per dword */
      const __m256i w16 = _mm256_maddubs_epi16(codes, _mm256_set1_epi16(0x4001));
      const __m256i w32 = _mm256_madd_epi16(w16, _mm256_set1_epi32(0x10000001));
      const __m256i three = _mm256_shuffle_epi8(
          w32, _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12,
                                13, 14, -1, -1, -1, -1));
      const __m256i packed = _mm256_permutevar8x32_epi32(three, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
      _mm_storeu_si128((__m128i*)(out + 1), _mm256_castsi256_si128(packed));
      _mm_storel_epi64((__m128i*)(out + 17), _mm256_extracti128_si256(packed, 1));
    } else {
      _mm256_storeu_si256((__m256i*)(out + 1), codes);
    }
  }
  return 0;
}

void lq_uk_llm_mx_dequant__avx2(const lq_mx_params* p, size_t nb, const uint8_t* in, float* y) {
  const mf_dec_consts k = mf_dec_setup(&p->elem);
  const size_t bb = 1 + p->payload;
  /* MXFP6: 16-bit lanes holding the two bytes that contain element i of an
   * 8-element (6-byte) group, then per-lane shifts 6i mod 8. */
  const __m128i fp6_idx = _mm_setr_epi8(0, 1, 0, 1, 1, 2, 2, 3, 3, 4, 3, 4, 4, 5, 5, 6);
  const __m256i fp6_shift = _mm256_setr_epi32(0, 6, 4, 2, 0, 6, 4, 2);
  const __m256i m63 = _mm256_set1_epi32(63);
  for (size_t b = 0; b < nb; b++, in += bb, y += 32) {
    if (in[0] == 0xFF) {
      const __m256 nan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC00000));
      for (int j = 0; j < 32; j += 8) _mm256_storeu_ps(y + j, nan);
      continue;
    }
    const int e = (int)in[0] - 127;
    const __m256 s1 = _mm256_set1_ps(e >= -126 ? lq_f32_pow2(e) : 0.5f);
    const __m256 s2 = _mm256_set1_ps(e >= -126 ? 1.0f : 0x1p-126f);
    const uint8_t* q = in + 1;
    if (p->type == LQ_MXINT8) {
      const __m256 u = _mm256_set1_ps(0x1p-6f);
      for (int j = 0; j < 32; j += 8) {
        const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(q + j)))), u);
        _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_mul_ps(v, s1), s2));
      }
    } else if (p->type == LQ_MXFP4) {
      const __m128i bytes = _mm_loadu_si128((const __m128i*)q), m4 = _mm_set1_epi8(0x0F);
      const __m128i lo = _mm_and_si128(bytes, m4), hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), m4);
      dec32_store(&k, _mm_unpacklo_epi8(lo, hi), _mm_unpackhi_epi8(lo, hi), s1, s2, y);
    } else if (p->type == LQ_MXFP6_E2M3 || p->type == LQ_MXFP6_E3M2) { /* MXFP6: groups of 8 elements at bytes 0, 6, 12, 18 */
      const __m128i ld0 = _mm_loadu_si128((const __m128i*)q), ld1 = _mm_loadu_si128((const __m128i*)(q + 8));
      const __m128i g[4] = {ld0, _mm_srli_si128(ld0, 6), _mm_srli_si128(ld1, 4), _mm_srli_si128(ld1, 10)};
      for (int j = 0; j < 4; j++) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_shuffle_epi8(g[j], fp6_idx));
        const __m256i c = _mm256_and_si256(_mm256_srlv_epi32(w, fp6_shift), m63);
        _mm256_storeu_ps(y + 8 * j, _mm256_mul_ps(_mm256_mul_ps(mf_dec8(&k, c), s1), s2));
      }
    } else { /* MXFP8 */
      dec32_store(&k, _mm_loadu_si128((const __m128i*)q), _mm_loadu_si128((const __m128i*)(q + 16)), s1, s2, y);
    }
  }
}
