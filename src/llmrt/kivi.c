/* KIVI KV-cache quantization (Liu et al., "KIVI: A Tuning-Free Asymmetric
 * 2bit Quantization for KV Cache", ICML 2024): keys per channel, values per
 * token, asymmetric min/max b-bit codes in groups, a float32 residual window
 * of the most recent tokens, attention computed from the codes. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"
#include "common/round.h"

#define KIVI_MAX_GROUP 256

struct lq_kivi_cache {
  size_t d, cap, g, r, bits, maxq;
  size_t kb;   /* bytes of one key channel's codes in a block (g codes) */
  size_t vb;   /* bytes of one token's value codes (d codes) */
  size_t n_q;  /* quantized tokens, a multiple of g */
  size_t n_res;
  uint8_t* kcodes; /* [block][channel][kb] */
  float* kscale;   /* [block][channel] */
  float* kmin;
  uint8_t* vcodes; /* [token][vb] */
  float* vscale;   /* [token][d / g] */
  float* vmin;
  float* kres; /* [r + g][d] */
  float* vres;
  size_t allocated;
};

static inline unsigned get_code(const uint8_t* p, size_t idx, size_t bits) {
  size_t per = 8 / bits;
  return (unsigned)(p[idx / per] >> ((idx % per) * bits)) & ((1u << bits) - 1u);
}
static inline void put_code(uint8_t* p, size_t idx, size_t bits, unsigned code) {
  size_t per = 8 / bits, sh = (idx % per) * bits;
  p[idx / per] = (uint8_t)((p[idx / per] & ~(((1u << bits) - 1u) << sh)) | (code << sh));
}

/* One asymmetric group of n values at stride: codes written at code index
 * c0 + i of `codes`. */
static void quantize_group(const float* v, size_t n, size_t stride, size_t bits, size_t maxq, uint8_t* codes,
                           size_t c0, float* scale_out, float* min_out) {
  float mn = v[0], mx = v[0];
  for (size_t i = 1; i < n; i++) {
    float x = v[i * stride];
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  const float scale = (mx - mn) / (float)maxq;
  for (size_t i = 0; i < n; i++) {
    unsigned code = 0;
    if (scale != 0.0f) {
      float t = (v[i * stride] - mn) / scale;
      t = t < 0.0f ? 0.0f : t > (float)maxq ? (float)maxq : t;
      code = (unsigned)lq_round_half_even(t);
    }
    put_code(codes, c0 + i, bits, code);
  }
  *scale_out = scale;
  *min_out = mn;
}

lq_status lq_kivi_create(const lq_kivi_config* cfg, lq_kivi_cache** cache_out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(cache_out);
  *cache_out = NULL;
  const size_t bits = cfg->bits == 0 ? LQ_KIVI_DEFAULT_BITS : (size_t)cfg->bits;
  if (cfg->bits != 0 && cfg->bits != 2 && cfg->bits != 4)
    return lq_fail(LQ_ERR_INVALID_ARG, "bits %d is not 2 or 4", (int)cfg->bits);
  if (cfg->group < 0 || cfg->group > KIVI_MAX_GROUP)
    return lq_fail(LQ_ERR_INVALID_ARG, "group %d is not in [1, %d]", (int)cfg->group, KIVI_MAX_GROUP);
  const size_t g = cfg->group == 0 ? LQ_KIVI_DEFAULT_GROUP : (size_t)cfg->group;
  if (cfg->residual < -1) return lq_fail(LQ_ERR_INVALID_ARG, "residual %d is < -1", (int)cfg->residual);
  const size_t r = cfg->residual == 0 ? LQ_KIVI_DEFAULT_RESIDUAL : cfg->residual < 0 ? 0 : (size_t)cfg->residual;
  const size_t d = cfg->head_dim;
  if (d == 0 || d % g != 0) return lq_fail(LQ_ERR_INVALID_ARG, "head_dim %zu is not a positive multiple of group %zu", d, g);
  if (cfg->max_tokens == 0) return lq_fail(LQ_ERR_INVALID_ARG, "max_tokens is 0");
  const size_t cap = cfg->max_tokens;
  const size_t nblocks = cap / g, qtok = nblocks * g;
  const size_t kb = (g * bits + 7) / 8;
  size_t vb, kcode_bytes, kpar, vcode_bytes, vpar, res, tmp;
  if (lq_mul_overflows(d, bits, &vb) || lq_add_overflows(vb, 7, &vb) ||
      lq_mul_overflows(nblocks, d, &kpar) || lq_mul_overflows(kpar, kb, &kcode_bytes) ||
      lq_mul_overflows(qtok, (vb / 8), &vcode_bytes) || lq_mul_overflows(qtok, d / g, &vpar) ||
      lq_add_overflows(r, g, &res) || lq_mul_overflows(res, d, &res) ||
      lq_mul_overflows(kpar, 2 * sizeof(float), &tmp) || lq_mul_overflows(vpar, 2 * sizeof(float), &tmp) ||
      lq_mul_overflows(res, 2 * sizeof(float), &tmp))
    return lq_fail(LQ_ERR_OVERFLOW, "KIVI cache of %zu tokens x %zu channels overflows size_t", cap, d);
  vb /= 8;
  lq_kivi_cache* c = NULL;
  lq_status s = lq_calloc_array(1, sizeof *c, "KIVI cache", (void**)&c);
  if (s != LQ_OK) return s;
  c->d = d; c->cap = cap; c->g = g; c->r = r; c->bits = bits; c->maxq = ((size_t)1 << bits) - 1;
  c->kb = kb; c->vb = vb;
  if ((s = lq_calloc_array(kcode_bytes, 1, "KIVI key codes", (void**)&c->kcodes)) != LQ_OK ||
      (s = lq_calloc_array(kpar, sizeof(float), "KIVI key scales", (void**)&c->kscale)) != LQ_OK ||
      (s = lq_calloc_array(kpar, sizeof(float), "KIVI key minima", (void**)&c->kmin)) != LQ_OK ||
      (s = lq_calloc_array(vcode_bytes, 1, "KIVI value codes", (void**)&c->vcodes)) != LQ_OK ||
      (s = lq_calloc_array(vpar, sizeof(float), "KIVI value scales", (void**)&c->vscale)) != LQ_OK ||
      (s = lq_calloc_array(vpar, sizeof(float), "KIVI value minima", (void**)&c->vmin)) != LQ_OK ||
      (s = lq_calloc_array(res, sizeof(float), "KIVI key residual", (void**)&c->kres)) != LQ_OK ||
      (s = lq_calloc_array(res, sizeof(float), "KIVI value residual", (void**)&c->vres)) != LQ_OK) {
    lq_kivi_destroy(c);
    return s;
  }
  c->allocated = sizeof *c + kcode_bytes + vcode_bytes + 2 * sizeof(float) * (kpar + vpar + res);
  *cache_out = c;
  return LQ_OK;
}

void lq_kivi_destroy(lq_kivi_cache* c) {
  if (c == NULL) return;
  free(c->kcodes); free(c->kscale); free(c->kmin);
  free(c->vcodes); free(c->vscale); free(c->vmin);
  free(c->kres); free(c->vres);
  free(c);
}

size_t lq_kivi_length(const lq_kivi_cache* c) { return c == NULL ? 0 : c->n_q + c->n_res; }

/* Quantizes the oldest g residual tokens and drops them from the residual. */
static void flush_group(lq_kivi_cache* c) {
  const size_t d = c->d, g = c->g, blk = c->n_q / g;
  for (size_t ch = 0; ch < d; ch++)
    quantize_group(c->kres + ch, g, d, c->bits, c->maxq, c->kcodes + (blk * d + ch) * c->kb, 0,
                   &c->kscale[blk * d + ch], &c->kmin[blk * d + ch]);
  const size_t ng = d / g;
  for (size_t t = 0; t < g; t++) {
    const size_t tok = c->n_q + t;
    for (size_t gi = 0; gi < ng; gi++)
      quantize_group(c->vres + t * d + gi * g, g, 1, c->bits, c->maxq, c->vcodes + tok * c->vb, gi * g,
                     &c->vscale[tok * ng + gi], &c->vmin[tok * ng + gi]);
  }
  c->n_res -= g;
  memmove(c->kres, c->kres + g * d, c->n_res * d * sizeof(float));
  memmove(c->vres, c->vres + g * d, c->n_res * d * sizeof(float));
  c->n_q += g;
}

lq_status lq_kivi_append(lq_kivi_cache* c, const float* k, const float* v) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(k);
  LQ_REQUIRE_PTR(v);
  if (c->n_q + c->n_res >= c->cap)
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "KIVI cache is full (%zu tokens)", c->cap);
  /* |x| <= FLT_MAX/2 keeps max - min of every group finite. */
  float ak, av;
  LQ_CHECK(lq_reduce_absmax_f32(k, c->d, &ak));
  LQ_CHECK(lq_reduce_absmax_f32(v, c->d, &av));
  if (!(ak <= FLT_MAX / 2) || !(av <= FLT_MAX / 2))
    return lq_fail(LQ_ERR_NUMERIC, "key or value holds NaN, Inf or a magnitude above FLT_MAX/2");
  memcpy(c->kres + c->n_res * c->d, k, c->d * sizeof(float));
  memcpy(c->vres + c->n_res * c->d, v, c->d * sizeof(float));
  c->n_res++;
  if (c->n_res == c->r + c->g) flush_group(c);
  return LQ_OK;
}

static float dotf(const float* a, const float* b, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

lq_status lq_kivi_scores(const lq_kivi_cache* c, const float* q, float* scores_out) {
  LQ_REQUIRE_PTR(c);
  if (c->n_q + c->n_res == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(scores_out);
  const size_t d = c->d, g = c->g;
  float code[KIVI_MAX_GROUP];
  /* q·k^_t = sum_c (q_c scale_c) code_{c,t} + sum_c q_c min_c: one axpy of
   * the unpacked codes per channel, no dequantized key is formed. */
  for (size_t blk = 0; blk < c->n_q / g; blk++) {
    float* s = scores_out + blk * g;
    const float* sc = c->kscale + blk * d;
    const float* mn = c->kmin + blk * d;
    for (size_t t = 0; t < g; t++) s[t] = 0.0f;
    for (size_t ch = 0; ch < d; ch++) {
      const uint8_t* p = c->kcodes + (blk * d + ch) * c->kb;
      for (size_t t = 0; t < g; t++) code[t] = (float)get_code(p, t, c->bits);
      const float a = q[ch] * sc[ch];
      for (size_t t = 0; t < g; t++) s[t] += a * code[t];
    }
    const float bias = dotf(q, mn, d);
    for (size_t t = 0; t < g; t++) s[t] += bias;
  }
  for (size_t t = 0; t < c->n_res; t++) scores_out[c->n_q + t] = dotf(q, c->kres + t * d, d);
  return LQ_OK;
}

lq_status lq_kivi_weighted_values(const lq_kivi_cache* c, const float* p, float* out) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(out);
  const size_t d = c->d, g = c->g, ng = d / g;
  for (size_t ch = 0; ch < d; ch++) out[ch] = 0.0f;
  if (c->n_q + c->n_res == 0) return LQ_OK;
  LQ_REQUIRE_PTR(p);
  float code[KIVI_MAX_GROUP];
  for (size_t t = 0; t < c->n_q; t++) {
    const uint8_t* cp = c->vcodes + t * c->vb;
    for (size_t gi = 0; gi < ng; gi++) {
      /* p v^ = (p scale) code + p min */
      const float a = p[t] * c->vscale[t * ng + gi], b = p[t] * c->vmin[t * ng + gi];
      for (size_t i = 0; i < g; i++) code[i] = (float)get_code(cp, gi * g + i, c->bits);
      float* o = out + gi * g;
      for (size_t i = 0; i < g; i++) o[i] += a * code[i] + b;
    }
  }
  for (size_t t = 0; t < c->n_res; t++) {
    const float* v = c->vres + t * d;
    for (size_t ch = 0; ch < d; ch++) out[ch] += p[c->n_q + t] * v[ch];
  }
  return LQ_OK;
}

lq_status lq_kivi_attention(const lq_kivi_cache* c, const float* q, float scale, float* probs_out, float* out) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(probs_out);
  LQ_REQUIRE_PTR(out);
  const size_t n = c->n_q + c->n_res;
  if (n == 0) return lq_fail(LQ_ERR_STATE, "attention over an empty KIVI cache");
  if (!isfinite(scale)) return lq_fail(LQ_ERR_NUMERIC, "scale is not finite");
  float aq;
  LQ_CHECK(lq_reduce_absmax_f32(q, c->d, &aq));
  if (!isfinite(aq)) return lq_fail(LQ_ERR_NUMERIC, "q holds NaN or Inf");
  if (scale == 0.0f) scale = 1.0f / sqrtf((float)c->d);
  LQ_CHECK(lq_kivi_scores(c, q, probs_out));
  float mx = -INFINITY;
  for (size_t t = 0; t < n; t++) {
    probs_out[t] *= scale;
    mx = probs_out[t] > mx ? probs_out[t] : mx;
  }
  float sum = 0.0f;
  for (size_t t = 0; t < n; t++) {
    probs_out[t] = expf(probs_out[t] - mx);
    sum += probs_out[t];
  }
  const float inv = 1.0f / sum; /* sum >= 1: the max term is exp(0) */
  for (size_t t = 0; t < n; t++) probs_out[t] *= inv;
  return lq_kivi_weighted_values(c, probs_out, out);
}

lq_status lq_kivi_dequantize(const lq_kivi_cache* c, float* k_out, float* v_out) {
  LQ_REQUIRE_PTR(c);
  const size_t d = c->d, g = c->g, ng = d / g;
  for (size_t t = 0; t < c->n_q; t++) {
    const size_t blk = t / g, tt = t % g;
    if (k_out != NULL)
      for (size_t ch = 0; ch < d; ch++)
        k_out[t * d + ch] = (float)get_code(c->kcodes + (blk * d + ch) * c->kb, tt, c->bits) * c->kscale[blk * d + ch] +
                            c->kmin[blk * d + ch];
    if (v_out != NULL)
      for (size_t ch = 0; ch < d; ch++)
        v_out[t * d + ch] = (float)get_code(c->vcodes + t * c->vb, ch, c->bits) * c->vscale[t * ng + ch / g] +
                            c->vmin[t * ng + ch / g];
  }
  if (k_out != NULL) memcpy(k_out + c->n_q * d, c->kres, c->n_res * d * sizeof(float));
  if (v_out != NULL) memcpy(v_out + c->n_q * d, c->vres, c->n_res * d * sizeof(float));
  return LQ_OK;
}

lq_status lq_kivi_get_stats(const lq_kivi_cache* c, lq_kivi_stats* st) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(st);
  const size_t d = c->d, g = c->g;
  st->n_tokens = c->n_q + c->n_res;
  st->n_quantized = c->n_q;
  st->n_residual = c->n_res;
  st->quantized_bytes = (c->n_q / g) * d * (c->kb + 2 * sizeof(float)) + c->n_q * (c->vb + 2 * sizeof(float) * (d / g));
  st->residual_bytes = 2 * c->n_res * d * sizeof(float);
  st->fp16_bytes = 2 * st->n_tokens * d * 2;
  st->allocated_bytes = c->allocated;
  return LQ_OK;
}
