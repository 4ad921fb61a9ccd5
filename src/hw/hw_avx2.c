/* AVX2 G.711 kernels, bit-identical to hw_ref.c. Samples are widened to
 * 32-bit lanes; the segment and mantissa of a magnitude v in [32, 8191] are
 * read from the float encoding of v (exact): bits >> 19 is (E << 4) | the
 * top four fraction bits, E = floor(log2 v) + 127, which is the G.711
 * (segment << 4) | mantissa after subtracting a constant. */
#include <immintrin.h>

#include "hw/g711_scalar.h"
#include "hw/hw_kernels.h"

/* (seg << 4) | mant of v (v in [33, 8191]) for µ-law: seg = floor(log2 v) - 5. */
static inline __m256i ulaw_segmant(__m256i v) {
  __m256i bits = _mm256_castps_si256(_mm256_cvtepi32_ps(v));
  return _mm256_sub_epi32(_mm256_srli_epi32(bits, 19), _mm256_set1_epi32((127 + 5) << 4));
}

static inline __m256i ulaw_g191_8(__m256i v) {
  __m256i m = _mm256_srai_epi32(v, 31);
  __m256i a = _mm256_add_epi32(_mm256_srai_epi32(_mm256_xor_si256(v, m), 2), _mm256_set1_epi32(33));
  a = _mm256_min_epi32(a, _mm256_set1_epi32(0x1FFF));
  __m256i t = ulaw_segmant(a);
  /* 0x7F - t for the segment/mantissa inversion, 0x80 for x >= 0. */
  __m256i mask = _mm256_xor_si256(_mm256_set1_epi32(0xFF), _mm256_and_si256(m, _mm256_set1_epi32(0x80)));
  return _mm256_xor_si256(t, mask);
}

static inline __m256i ulaw_sun_8(__m256i x) {
  __m256i v = _mm256_srai_epi32(x, 2);
  __m256i m = _mm256_srai_epi32(v, 31);
  __m256i a = _mm256_add_epi32(_mm256_abs_epi32(v), _mm256_set1_epi32(33));
  a = _mm256_min_epi32(a, _mm256_set1_epi32(0x1FFF)); /* 8225 (x = -32768) -> same code 0x7F^mask */
  __m256i t = ulaw_segmant(a);
  __m256i mask = _mm256_xor_si256(_mm256_set1_epi32(0xFF), _mm256_and_si256(m, _mm256_set1_epi32(0x80)));
  return _mm256_xor_si256(t, mask);
}

static inline __m256i alaw_8(__m256i x) {
  __m256i v = _mm256_srai_epi32(x, 3);
  __m256i m = _mm256_srai_epi32(v, 31);
  __m256i mag = _mm256_xor_si256(v, m); /* -v-1 for negatives */
  __m256i bits = _mm256_castps_si256(_mm256_cvtepi32_ps(mag));
  __m256i hi = _mm256_sub_epi32(_mm256_srli_epi32(bits, 19), _mm256_set1_epi32((127 + 4) << 4));
  __m256i lo = _mm256_srli_epi32(mag, 1);
  __m256i small = _mm256_cmpgt_epi32(_mm256_set1_epi32(32), mag);
  __m256i a = _mm256_blendv_epi8(hi, lo, small);
  __m256i mask = _mm256_xor_si256(_mm256_set1_epi32(0xD5), _mm256_and_si256(m, _mm256_set1_epi32(0x80)));
  return _mm256_xor_si256(a, mask);
}

/* 16 int32 codes (two vectors, in order) -> 16 bytes. */
static inline void store16_u8(uint8_t* dst, __m256i lo, __m256i hi) {
  __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
  __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
  _mm_storeu_si128((__m128i*)dst, b);
}

#define LQ_ENC_KERNEL(name, fn8, scalar)                                                   \
  void name(size_t n, const int16_t* x, uint8_t* c) {                                     \
    size_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                        \
      __m256i v = _mm256_loadu_si256((const __m256i*)(x + i));                            \
      __m256i lo = fn8(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(v)));                 \
      __m256i hi = fn8(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1)));            \
      store16_u8(c + i, lo, hi);                                                          \
    }                                                                                     \
    for (; i < n; i++) c[i] = scalar(x[i]);                                               \
  }

LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_g191_i16_u8__avx2, ulaw_g191_8, lq_g711_ulaw_enc_g191)
LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_sun_i16_u8__avx2, ulaw_sun_8, lq_g711_ulaw_enc_sun)
LQ_ENC_KERNEL(lq_uk_hw_alaw_enc_i16_u8__avx2, alaw_8, lq_g711_alaw_enc)

static inline __m256i ulaw_dec_8(__m256i c) {
  __m256i u = _mm256_xor_si256(c, _mm256_set1_epi32(0xFF));
  __m256i t = _mm256_add_epi32(_mm256_slli_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x0F)), 3),
                               _mm256_set1_epi32(0x84));
  t = _mm256_sllv_epi32(t, _mm256_srli_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x70)), 4));
  __m256i d = _mm256_sub_epi32(t, _mm256_set1_epi32(0x84));
  __m256i s = _mm256_srai_epi32(_mm256_slli_epi32(u, 24), 31); /* all ones when bit 7 set */
  return _mm256_sub_epi32(_mm256_xor_si256(d, s), s);
}

static inline __m256i alaw_dec_8(__m256i c) {
  __m256i a = _mm256_xor_si256(c, _mm256_set1_epi32(0x55));
  __m256i t = _mm256_slli_epi32(_mm256_and_si256(a, _mm256_set1_epi32(0x0F)), 4);
  __m256i seg = _mm256_srli_epi32(_mm256_and_si256(a, _mm256_set1_epi32(0x70)), 4);
  __m256i seg0 = _mm256_cmpeq_epi32(seg, _mm256_setzero_si256());
  __m256i add = _mm256_blendv_epi8(_mm256_set1_epi32(0x108), _mm256_set1_epi32(8), seg0);
  __m256i sh = _mm256_max_epi32(_mm256_sub_epi32(seg, _mm256_set1_epi32(1)), _mm256_setzero_si256());
  t = _mm256_sllv_epi32(_mm256_add_epi32(t, add), sh);
  __m256i neg = _mm256_cmpeq_epi32(_mm256_and_si256(a, _mm256_set1_epi32(0x80)), _mm256_setzero_si256());
  return _mm256_sub_epi32(_mm256_xor_si256(t, neg), neg);
}

#define LQ_DEC_KERNEL(name, fn8, scalar)                                                 \
  void name(size_t n, const uint8_t* c, int16_t* y) {                                   \
    size_t i = 0;                                                                       \
    for (; i + 16 <= n; i += 16) {                                                      \
      __m128i b = _mm_loadu_si128((const __m128i*)(c + i));                             \
      __m256i lo = fn8(_mm256_cvtepu8_epi32(b));                                        \
      __m256i hi = fn8(_mm256_cvtepu8_epi32(_mm_srli_si128(b, 8)));                     \
      __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);           \
      _mm256_storeu_si256((__m256i*)(y + i), p);                                        \
    }                                                                                   \
    for (; i < n; i++) y[i] = scalar(c[i]);                                             \
  }

LQ_DEC_KERNEL(lq_uk_hw_ulaw_dec_u8_i16__avx2, ulaw_dec_8, lq_g711_ulaw_dec)
LQ_DEC_KERNEL(lq_uk_hw_alaw_dec_u8_i16__avx2, alaw_dec_8, lq_g711_alaw_dec)
