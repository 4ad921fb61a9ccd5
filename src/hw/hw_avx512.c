/* AVX-512 G.711 kernels: a lane-for-lane mirror of hw_avx2.c with 16 int32
 * lanes; narrowing uses vpmovdb/vpmovdw (truncation, exact here because codes
 * are 0..255 and decoded samples fit int16). Bit-identical to hw_ref.c. */
#include <immintrin.h>

#include "hw/g711_scalar.h"
#include "hw/hw_kernels.h"

static inline __m512i ulaw_segmant(__m512i v) {
  __m512i bits = _mm512_castps_si512(_mm512_cvtepi32_ps(v));
  return _mm512_sub_epi32(_mm512_srli_epi32(bits, 19), _mm512_set1_epi32((127 + 5) << 4));
}

static inline __m512i ulaw_g191_16(__m512i v) {
  __m512i m = _mm512_srai_epi32(v, 31);
  __m512i a = _mm512_add_epi32(_mm512_srai_epi32(_mm512_xor_si512(v, m), 2), _mm512_set1_epi32(33));
  a = _mm512_min_epi32(a, _mm512_set1_epi32(0x1FFF));
  __m512i t = ulaw_segmant(a);
  __m512i mask = _mm512_xor_si512(_mm512_set1_epi32(0xFF), _mm512_and_si512(m, _mm512_set1_epi32(0x80)));
  return _mm512_xor_si512(t, mask);
}

static inline __m512i ulaw_sun_16(__m512i x) {
  __m512i v = _mm512_srai_epi32(x, 2);
  __m512i m = _mm512_srai_epi32(v, 31);
  __m512i a = _mm512_add_epi32(_mm512_abs_epi32(v), _mm512_set1_epi32(33));
  a = _mm512_min_epi32(a, _mm512_set1_epi32(0x1FFF));
  __m512i t = ulaw_segmant(a);
  __m512i mask = _mm512_xor_si512(_mm512_set1_epi32(0xFF), _mm512_and_si512(m, _mm512_set1_epi32(0x80)));
  return _mm512_xor_si512(t, mask);
}

static inline __m512i alaw_16(__m512i x) {
  __m512i v = _mm512_srai_epi32(x, 3);
  __m512i m = _mm512_srai_epi32(v, 31);
  __m512i mag = _mm512_xor_si512(v, m);
  __m512i bits = _mm512_castps_si512(_mm512_cvtepi32_ps(mag));
  __m512i hi = _mm512_sub_epi32(_mm512_srli_epi32(bits, 19), _mm512_set1_epi32((127 + 4) << 4));
  __m512i lo = _mm512_srli_epi32(mag, 1);
  __mmask16 small = _mm512_cmplt_epi32_mask(mag, _mm512_set1_epi32(32));
  __m512i a = _mm512_mask_blend_epi32(small, hi, lo); /* lo where small */
  __m512i mask = _mm512_xor_si512(_mm512_set1_epi32(0xD5), _mm512_and_si512(m, _mm512_set1_epi32(0x80)));
  return _mm512_xor_si512(a, mask);
}

#define LQ_ENC_KERNEL(name, fn16, scalar)                                              \
  void name(size_t n, const int16_t* x, uint8_t* c) {                                 \
    size_t i = 0;                                                                     \
    for (; i + 16 <= n; i += 16) {                                                    \
      __m512i v = _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i*)(x + i))); \
      _mm_storeu_si128((__m128i*)(c + i), _mm512_cvtepi32_epi8(fn16(v)));             \
    }                                                                                 \
    for (; i < n; i++) c[i] = scalar(x[i]);                                           \
  }

LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_g191_i16_u8__avx512, ulaw_g191_16, lq_g711_ulaw_enc_g191)
LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_sun_i16_u8__avx512, ulaw_sun_16, lq_g711_ulaw_enc_sun)
LQ_ENC_KERNEL(lq_uk_hw_alaw_enc_i16_u8__avx512, alaw_16, lq_g711_alaw_enc)

static inline __m512i ulaw_dec_16(__m512i c) {
  __m512i u = _mm512_xor_si512(c, _mm512_set1_epi32(0xFF));
  __m512i t = _mm512_add_epi32(_mm512_slli_epi32(_mm512_and_si512(u, _mm512_set1_epi32(0x0F)), 3),
                               _mm512_set1_epi32(0x84));
  t = _mm512_sllv_epi32(t, _mm512_srli_epi32(_mm512_and_si512(u, _mm512_set1_epi32(0x70)), 4));
  __m512i d = _mm512_sub_epi32(t, _mm512_set1_epi32(0x84));
  __m512i s = _mm512_srai_epi32(_mm512_slli_epi32(u, 24), 31);
  return _mm512_sub_epi32(_mm512_xor_si512(d, s), s);
}

static inline __m512i alaw_dec_16(__m512i c) {
  __m512i a = _mm512_xor_si512(c, _mm512_set1_epi32(0x55));
  __m512i t = _mm512_slli_epi32(_mm512_and_si512(a, _mm512_set1_epi32(0x0F)), 4);
  __m512i seg = _mm512_srli_epi32(_mm512_and_si512(a, _mm512_set1_epi32(0x70)), 4);
  __mmask16 seg0 = _mm512_cmpeq_epi32_mask(seg, _mm512_setzero_si512());
  __m512i add = _mm512_mask_blend_epi32(seg0, _mm512_set1_epi32(0x108), _mm512_set1_epi32(8));
  __m512i sh = _mm512_max_epi32(_mm512_sub_epi32(seg, _mm512_set1_epi32(1)), _mm512_setzero_si512());
  t = _mm512_sllv_epi32(_mm512_add_epi32(t, add), sh);
  __mmask16 pos = _mm512_test_epi32_mask(a, _mm512_set1_epi32(0x80));
  return _mm512_mask_blend_epi32(pos, _mm512_sub_epi32(_mm512_setzero_si512(), t), t);
}

#define LQ_DEC_KERNEL(name, fn16, scalar)                                             \
  void name(size_t n, const uint8_t* c, int16_t* y) {                                \
    size_t i = 0;                                                                    \
    for (; i + 16 <= n; i += 16) {                                                   \
      __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)(c + i)));    \
      _mm256_storeu_si256((__m256i*)(y + i), _mm512_cvtepi32_epi16(fn16(v)));        \
    }                                                                                \
    for (; i < n; i++) y[i] = scalar(c[i]);                                          \
  }

LQ_DEC_KERNEL(lq_uk_hw_ulaw_dec_u8_i16__avx512, ulaw_dec_16, lq_g711_ulaw_dec)
LQ_DEC_KERNEL(lq_uk_hw_alaw_dec_u8_i16__avx512, alaw_dec_16, lq_g711_alaw_dec)
