/* Scheme families of the hw module: the bit-exact audio codecs `g711-ulaw`,
 * `g711-alaw` (ITU-T G.711) and `ima-adpcm` (IMA-ADPCM, audioop-exact) on
 * float data. They work on 16-bit PCM samples (lq_scheme_is_pcm16): x in
 * [-1, 1) is scaled by 32768, rounded half-to-even and saturated to int16
 * (so 1.0 -> 32767); the reconstruction is the decoded int16 / 32768, so an
 * int16 array s passes through exactly as s / 32768 (what `quant` does with
 * int16 .npy input). NaN: LQ_ERR_NUMERIC. The tensor is one stream in C
 * order (ADPCM starts from the zero state). */
#include <math.h>
#include <stdlib.h>

#include "scheme/scheme_internal.h"

enum { AUDIO_ULAW = 0, AUDIO_ALAW = 1, AUDIO_ADPCM = 2 };
static const char* const audio_names[] = {"g711-ulaw", "g711-alaw", "ima-adpcm"};
static const char* const variant_names[] = {"g191", "sun"};

typedef struct audio_state {
  int kind;
  lq_g711_variant variant;
} audio_state;

static void audio_destroy(void* p) { free(p); }

static lq_status to_i16(const char* fam, const float* x, size_t n, int16_t* s) {
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) return lq_fail(LQ_ERR_NUMERIC, "%s: element %zu is NaN", fam, i);
    double v = nearbyint((double)x[i] * 32768.0); /* default rounding: half to even */
    s[i] = (int16_t)(v > 32767.0 ? 32767 : v < -32768.0 ? -32768 : v);
  }
  return LQ_OK;
}

static lq_status audio_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  (void)shape, (void)numel, (void)x;
  (void)p; /* no parameters */
  return LQ_OK;
}

static lq_status audio_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  (void)shape;
  *bytes = ((const audio_state*)p)->kind == AUDIO_ADPCM ? numel / 2 + (numel & 1) : numel;
  return LQ_OK;
}

/* Storage format: one G.711 byte per sample; ADPCM packed two codes per byte
 * high nibble first (audioop's lin2adpcm layout). */
static lq_status audio_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  const audio_state* st = p;
  (void)shape;
  if (numel == 0) return LQ_OK;
  int16_t* s;
  LQ_CHECK(lq_alloc_array(numel, sizeof *s, "samples", (void**)&s));
  lq_status r = to_i16(audio_names[st->kind], x, numel, s);
  if (r == LQ_OK) {
    if (st->kind == AUDIO_ULAW) r = lq_g711_ulaw_encode(s, numel, st->variant, codes);
    else if (st->kind == AUDIO_ALAW) r = lq_g711_alaw_encode(s, numel, codes);
    else {
      lq_adpcm_state a = {0, 0};
      r = lq_ima_adpcm_encode(s, numel, LQ_NIBBLE_HIGH_FIRST, &a, codes);
    }
  }
  free(s);
  return r;
}

static lq_status audio_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  const audio_state* st = p;
  (void)shape;
  if (numel == 0) return LQ_OK;
  int16_t* s;
  LQ_CHECK(lq_alloc_array(numel, sizeof *s, "samples", (void**)&s));
  lq_status r;
  if (st->kind == AUDIO_ULAW) r = lq_g711_ulaw_decode(codes, numel, s);
  else if (st->kind == AUDIO_ALAW) r = lq_g711_alaw_decode(codes, numel, s);
  else {
    lq_adpcm_state a = {0, 0};
    r = lq_ima_adpcm_decode(codes, numel, LQ_NIBBLE_HIGH_FIRST, &a, s);
  }
  if (r == LQ_OK)
    for (size_t i = 0; i < numel; i++) y[i] = (float)s[i] / 32768.0f;
  free(s);
  return r;
}

/* codes: one per sample in stream order (G.711 byte 0..255, ADPCM nibble 0..15). */
static lq_status audio_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                                 int32_t* codes) {
  audio_state* st = p;
  LQ_CHECK(audio_calibrate(p, shape, numel, x));
  if (numel == 0) return LQ_OK;
  int16_t* s;
  uint8_t* c;
  LQ_CHECK(lq_alloc_array(numel, sizeof *s, "samples", (void**)&s));
  lq_status r = lq_alloc_array(numel, 1, "codes", (void**)&c);
  if (r != LQ_OK) {
    free(s);
    return r;
  }
  r = to_i16(audio_names[st->kind], x, numel, s);
  if (r == LQ_OK) {
    if (st->kind == AUDIO_ULAW) {
      r = lq_g711_ulaw_encode(s, numel, st->variant, c);
      if (r == LQ_OK) r = lq_g711_ulaw_decode(c, numel, s);
    } else if (st->kind == AUDIO_ALAW) {
      r = lq_g711_alaw_encode(s, numel, c);
      if (r == LQ_OK) r = lq_g711_alaw_decode(c, numel, s);
    } else {
      lq_adpcm_state e = {0, 0}, d = {0, 0};
      r = lq_ima_adpcm_encode_codes(s, numel, &e, c);
      if (r == LQ_OK) r = lq_ima_adpcm_decode_codes(c, numel, &d, s);
    }
  }
  if (r == LQ_OK) {
    for (size_t i = 0; i < numel; i++) y[i] = (float)s[i] / 32768.0f;
    if (codes)
      for (size_t i = 0; i < numel; i++) codes[i] = c[i];
  }
  free(s);
  free(c);
  return r;
}

static lq_status audio_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  (void)shape, (void)numel;
  *out = ((const audio_state*)p)->kind == AUDIO_ADPCM ? 4.0 : 8.0;
  return LQ_OK;
}

static lq_status audio_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  *qmin = 0;
  *qmax = ((const audio_state*)p)->kind == AUDIO_ADPCM ? 15 : 255;
  return LQ_OK;
}

static lq_status audio_params_json(const void* p, lq_sbuf* b) {
  const audio_state* st = p;
  lq_sbuf_printf(b, ", \"bits\": %d, \"sample_scale\": 32768", st->kind == AUDIO_ADPCM ? 4 : 8);
  if (st->kind == AUDIO_ULAW) lq_sbuf_printf(b, ", \"variant\": \"%s\"", variant_names[st->variant]);
  return LQ_OK;
}

static const lq_scheme_ops audio_ops = {
    .roundtrip = audio_roundtrip,
    .bits_per_element = audio_bits_per_element,
    .destroy = audio_destroy,
    .code_range = audio_code_range,
    .params_json = audio_params_json,
    .calibrate = audio_calibrate,
    .encoded_size = audio_encoded_size,
    .encode = audio_encode,
    .decode = audio_decode,
    .pcm16 = 1,
};

static lq_status audio_create(int kind, lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  int variant = LQ_G711_G191;
  if (kind == AUDIO_ULAW) LQ_CHECK(lq_scheme_arg_enum(a, "variant", variant_names, 2, LQ_G711_G191, &variant, NULL));
  audio_state* st = calloc(1, sizeof *st);
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: out of memory", audio_names[kind]);
  st->kind = kind;
  st->variant = (lq_g711_variant)variant;
  *state_out = st;
  *ops_out = &audio_ops;
  return LQ_OK;
}

lq_status lq_scheme_create_g711_ulaw(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return audio_create(AUDIO_ULAW, a, st, ops);
}
lq_status lq_scheme_create_g711_alaw(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return audio_create(AUDIO_ALAW, a, st, ops);
}
lq_status lq_scheme_create_ima_adpcm(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return audio_create(AUDIO_ADPCM, a, st, ops);
}
