/* QLoRA (Dettmers et al. 2023; artidoro/qlora, PEFT LoRA): a frozen NF4
 * (+ double-quantized absmax) base weight with LoRA adapters. Forward and
 * backward dequantize the base a tile of rows at a time into scratch owned
 * by the layer, so deq(W) is never formed whole. */
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"

#define QLORA_TILE_ELEMS 16384 /* floats of dequantized W per tile (64 KiB) */

struct lq_qlora {
  size_t out, in, total, bs, nblocks, rank;
  float scaling;
  int dq;
  uint8_t* packed;
  float* absmax;          /* !dq */
  uint8_t* qabsmax;       /* dq */
  float* nested;          /* dq: ceil(nblocks / 256) */
  float offset;
  float nested_code[256];
  float* a;               /* [rank, in] */
  float* b;               /* [out, rank] */
  size_t tile_rows;
  float* wtile;           /* tile_rows * in + 2 * bs */
  float* amtile;          /* tile blocks + 2 + 256 */
  float* xa;              /* rank */
  float* g;               /* rank */
};

/* Fixed-order dot product: 8 interleaved partial sums, folded pairwise. */
static float dotf(const float* a, const float* b, size_t n) {
  float s[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) s[l] += a[i + l] * b[i + l];
  for (int l = 0; l < 4; l++) s[l] += s[l + 4];
  s[0] += s[2];
  s[1] += s[3];
  float r = s[0] + s[1];
  for (; i < n; i++) r += a[i] * b[i];
  return r;
}

void lq_qlora_destroy(lq_qlora* L) {
  if (L == NULL) return;
  free(L->packed); free(L->absmax); free(L->qabsmax); free(L->nested);
  free(L->a); free(L->b); free(L->wtile); free(L->amtile); free(L->xa); free(L->g);
  free(L);
}

static lq_status check_blocksize(size_t bs) {
  if (bs < 32 || bs > 4096 || (bs & (bs - 1)) != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "blocksize %zu is not a power of two in [32, 4096]", bs);
  return LQ_OK;
}

/* Allocates the layer with its adapters and scratch; storage for the base
 * is allocated by the callers. */
static lq_status layer_new(const lq_qlora_config* cfg, size_t out, size_t in, size_t bs, int dq, lq_qlora** Lout) {
  lq_qlora_config c = {0};
  if (cfg != NULL) c = *cfg;
  if (out == 0 || in == 0) return lq_fail(LQ_ERR_INVALID_ARG, "weight shape %zu x %zu is empty", out, in);
  if (c.rank < 0) return lq_fail(LQ_ERR_INVALID_ARG, "rank %d is negative", (int)c.rank);
  if (!isfinite(c.alpha) || c.alpha < 0.0f) return lq_fail(LQ_ERR_INVALID_ARG, "alpha %g is not finite and >= 0", (double)c.alpha);
  LQ_CHECK(check_blocksize(bs));
  size_t total, ra, rb;
  const size_t rank = c.rank == 0 ? LQ_QLORA_DEFAULT_RANK : (size_t)c.rank;
  if (lq_mul_overflows(out, in, &total) || lq_mul_overflows(rank, in, &ra) || lq_mul_overflows(out, rank, &rb) ||
      total > SIZE_MAX - 1)
    return lq_fail(LQ_ERR_OVERFLOW, "QLoRA sizes %zu x %zu (rank %zu) overflow", out, in, rank);
  lq_qlora* L = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *L, "QLoRA layer", (void**)&L));
  L->out = out; L->in = in; L->total = total; L->bs = bs; L->nblocks = total / bs + (total % bs != 0);
  L->rank = rank; L->scaling = (c.alpha == 0.0f ? LQ_QLORA_DEFAULT_ALPHA : c.alpha) / (float)rank;
  L->dq = dq;
  L->tile_rows = in >= QLORA_TILE_ELEMS ? 1 : QLORA_TILE_ELEMS / in;
  if (L->tile_rows > out) L->tile_rows = out;
  const size_t tile = L->tile_rows * in; /* <= max(in, 16384) */
  lq_status s;
  if ((s = lq_alloc_array((total + 1) / 2, 1, "NF4 codes", (void**)&L->packed)) != LQ_OK ||
      (s = lq_alloc_array(ra, sizeof(float), "LoRA A", (void**)&L->a)) != LQ_OK ||
      (s = lq_calloc_array(rb, sizeof(float), "LoRA B", (void**)&L->b)) != LQ_OK ||
      (s = lq_alloc_array(tile + 2 * bs, sizeof(float), "W tile", (void**)&L->wtile)) != LQ_OK ||
      (s = lq_alloc_array(tile / bs + 2 + LQ_BNB_NESTED_BLOCKSIZE, sizeof(float), "absmax tile", (void**)&L->amtile)) != LQ_OK ||
      (s = lq_alloc_array(rank, sizeof(float), "LoRA scratch", (void**)&L->xa)) != LQ_OK ||
      (s = lq_alloc_array(rank, sizeof(float), "LoRA scratch", (void**)&L->g)) != LQ_OK) {
    lq_qlora_destroy(L);
    return s;
  }
  if (dq) {
    if ((s = lq_alloc_array(L->nblocks, 1, "quantized absmax", (void**)&L->qabsmax)) != LQ_OK ||
        (s = lq_alloc_array(L->nblocks / LQ_BNB_NESTED_BLOCKSIZE + 1, sizeof(float), "nested absmax",
                            (void**)&L->nested)) != LQ_OK) {
      lq_qlora_destroy(L);
      return s;
    }
  } else if ((s = lq_alloc_array(L->nblocks, sizeof(float), "absmax", (void**)&L->absmax)) != LQ_OK) {
    lq_qlora_destroy(L);
    return s;
  }
  /* PEFT: kaiming_uniform_(A, a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)); B = 0. */
  const float bound = 1.0f / sqrtf((float)in);
  for (size_t i = 0; i < ra; i++) L->a[i] = (2.0f * lq_rng_uniform_f32(c.seed, i) - 1.0f) * bound;
  *Lout = L;
  return LQ_OK;
}

static lq_status check_finite(const float* x, size_t n, const char* what) {
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(x, n, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "%s holds NaN or Inf", what);
  return LQ_OK;
}

lq_status lq_qlora_create(const lq_qlora_config* cfg, const float* w, size_t out, size_t in, lq_qlora** layer_out) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(layer_out);
  *layer_out = NULL;
  const size_t bs = (cfg == NULL || cfg->blocksize == 0) ? 64 : cfg->blocksize;
  const int32_t ndq = cfg == NULL ? 0 : cfg->no_double_quant;
  if (ndq != 0 && ndq != 1) return lq_fail(LQ_ERR_INVALID_ARG, "no_double_quant %d is not 0 or 1", (int)ndq);
  lq_qlora* L;
  LQ_CHECK(layer_new(cfg, out, in, bs, !ndq, &L));
  lq_status s = check_finite(w, L->total, "w");
  float* am = L->absmax;
  if (s == LQ_OK && L->dq) s = lq_alloc_array(L->nblocks, sizeof(float), "absmax", (void**)&am);
  if (s == LQ_OK) s = lq_nf4_quantize(w, L->total, bs, L->packed, am);
  if (s == LQ_OK && L->dq) {
    s = lq_bnb_double_quant(am, L->nblocks, NULL, L->qabsmax, L->nested, &L->offset);
    if (s == LQ_OK) s = lq_bnb_dynamic_map(L->nested_code);
  }
  if (L->dq && am != NULL) free(am);
  if (s != LQ_OK) {
    lq_qlora_destroy(L);
    return s;
  }
  *layer_out = L;
  return LQ_OK;
}

lq_status lq_qlora_create_nf4(const lq_qlora_config* cfg, const lq_qlora_nf4* base, size_t out, size_t in,
                              lq_qlora** layer_out) {
  LQ_REQUIRE_PTR(base);
  LQ_REQUIRE_PTR(layer_out);
  *layer_out = NULL;
  LQ_REQUIRE_PTR(base->packed);
  const int dq = base->absmax == NULL;
  if (dq) {
    if (base->qabsmax == NULL || base->nested_absmax == NULL)
      return lq_fail(LQ_ERR_INVALID_ARG, "base has neither absmax nor qabsmax + nested_absmax");
    if (!isfinite(base->offset)) return lq_fail(LQ_ERR_NUMERIC, "base offset is not finite");
  }
  lq_qlora* L;
  LQ_CHECK(layer_new(cfg, out, in, base->blocksize, dq, &L));
  lq_status s = LQ_OK;
  memcpy(L->packed, base->packed, (L->total + 1) / 2);
  if (dq) {
    const size_t nn = (L->nblocks + LQ_BNB_NESTED_BLOCKSIZE - 1) / LQ_BNB_NESTED_BLOCKSIZE;
    memcpy(L->qabsmax, base->qabsmax, L->nblocks);
    memcpy(L->nested, base->nested_absmax, nn * sizeof(float));
    L->offset = base->offset;
    if (base->nested_code != NULL) memcpy(L->nested_code, base->nested_code, sizeof L->nested_code);
    else s = lq_bnb_dynamic_map(L->nested_code);
    if (s == LQ_OK) s = check_finite(L->nested, nn, "nested_absmax");
    if (s == LQ_OK) s = check_finite(L->nested_code, 256, "nested_code");
  } else {
    memcpy(L->absmax, base->absmax, L->nblocks * sizeof(float));
    s = check_finite(L->absmax, L->nblocks, "absmax");
  }
  if (s != LQ_OK) {
    lq_qlora_destroy(L);
    return s;
  }
  *layer_out = L;
  return LQ_OK;
}

lq_status lq_qlora_adapters(lq_qlora* L, float** a_out, float** b_out, size_t* rank_out, float* scaling_out) {
  LQ_REQUIRE_PTR(L);
  if (a_out) *a_out = L->a;
  if (b_out) *b_out = L->b;
  if (rank_out) *rank_out = L->rank;
  if (scaling_out) *scaling_out = L->scaling;
  return LQ_OK;
}

/* Dequantizes rows [j0, j1) of W into L->wtile; returns the pointer to row
 * j0 (the tile starts at the first covering block). */
static const float* dequant_rows(lq_qlora* L, size_t j0, size_t j1) {
  const size_t e0 = j0 * L->in, e1 = j1 * L->in, bs = L->bs;
  const size_t b0 = e0 / bs, b1 = (e1 + bs - 1) / bs;
  const size_t s0 = b0 * bs, s1 = b1 * bs < L->total ? b1 * bs : L->total;
  const float* am;
  if (L->dq) {
    const size_t a0 = b0 - b0 % LQ_BNB_NESTED_BLOCKSIZE; /* nested blocks are indexed from a0 */
    lq_bnb_double_dequant(L->qabsmax + a0, L->nested + a0 / LQ_BNB_NESTED_BLOCKSIZE, b1 - a0, L->offset,
                          L->nested_code, L->amtile);
    am = L->amtile + (b0 - a0);
  } else {
    am = L->absmax + b0;
  }
  /* Arguments are valid by construction (s0 is even: bs >= 32). */
  lq_nf4_dequantize(L->packed + s0 / 2, am, s1 - s0, bs, L->wtile);
  return L->wtile + (e0 - s0);
}

lq_status lq_qlora_forward(lq_qlora* L, const float* x, size_t batch, float* y) {
  LQ_REQUIRE_PTR(L);
  if (batch == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(y);
  const size_t in = L->in, out = L->out, r = L->rank;
  size_t bx, by;
  if (lq_mul_overflows(batch, in, &bx) || lq_mul_overflows(batch, out, &by))
    return lq_fail(LQ_ERR_OVERFLOW, "batch %zu overflows", batch);
  LQ_CHECK(check_finite(x, bx, "x"));
  for (size_t j0 = 0; j0 < out; j0 += L->tile_rows) {
    const size_t j1 = out - j0 < L->tile_rows ? out : j0 + L->tile_rows;
    const float* w = dequant_rows(L, j0, j1);
    for (size_t i = 0; i < batch; i++)
      for (size_t j = j0; j < j1; j++) y[i * out + j] = dotf(x + i * in, w + (j - j0) * in, in);
  }
  for (size_t i = 0; i < batch; i++) {
    for (size_t q = 0; q < r; q++) L->xa[q] = dotf(L->a + q * in, x + i * in, in);
    for (size_t j = 0; j < out; j++) y[i * out + j] += L->scaling * dotf(L->b + j * r, L->xa, r);
  }
  return LQ_OK;
}

lq_status lq_qlora_backward(lq_qlora* L, const float* x, const float* dy, size_t batch, float* da, float* db,
                            float* dx) {
  LQ_REQUIRE_PTR(L);
  LQ_REQUIRE_PTR(da);
  LQ_REQUIRE_PTR(db);
  const size_t in = L->in, out = L->out, r = L->rank;
  const float s = L->scaling;
  memset(da, 0, r * in * sizeof(float));
  memset(db, 0, out * r * sizeof(float));
  if (batch == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(dy);
  size_t bx, by;
  if (lq_mul_overflows(batch, in, &bx) || lq_mul_overflows(batch, out, &by))
    return lq_fail(LQ_ERR_OVERFLOW, "batch %zu overflows", batch);
  LQ_CHECK(check_finite(x, bx, "x"));
  LQ_CHECK(check_finite(dy, by, "dy"));
  for (size_t i = 0; i < batch; i++) {
    const float* xi = x + i * in;
    const float* dyi = dy + i * out;
    for (size_t q = 0; q < r; q++) L->xa[q] = dotf(L->a + q * in, xi, in);
    for (size_t q = 0; q < r; q++) L->g[q] = 0.0f;
    for (size_t j = 0; j < out; j++) { /* g = Bᵀ dy_i, dB += s dy_i ⊗ xa */
      const float d = dyi[j], sd = s * d;
      for (size_t q = 0; q < r; q++) {
        L->g[q] += d * L->b[j * r + q];
        db[j * r + q] += sd * L->xa[q];
      }
    }
    for (size_t q = 0; q < r; q++) { /* dA += s g ⊗ x_i */
      const float sg = s * L->g[q];
      for (size_t c = 0; c < in; c++) da[q * in + c] += sg * xi[c];
    }
    if (dx != NULL) { /* dx_i = s g A, the base term is added below */
      float* dxi = dx + i * in;
      for (size_t c = 0; c < in; c++) dxi[c] = 0.0f;
      for (size_t q = 0; q < r; q++) {
        const float sg = s * L->g[q];
        for (size_t c = 0; c < in; c++) dxi[c] += sg * L->a[q * in + c];
      }
    }
  }
  if (dx != NULL)
    for (size_t j0 = 0; j0 < out; j0 += L->tile_rows) {
      const size_t j1 = out - j0 < L->tile_rows ? out : j0 + L->tile_rows;
      const float* w = dequant_rows(L, j0, j1);
      for (size_t i = 0; i < batch; i++) {
        float* dxi = dx + i * in;
        for (size_t j = j0; j < j1; j++) {
          const float d = dy[i * out + j];
          const float* wr = w + (j - j0) * in;
          for (size_t c = 0; c < in; c++) dxi[c] += d * wr[c];
        }
      }
    }
  return LQ_OK;
}

lq_status lq_qlora_dequantize_base(const lq_qlora* L, float* w_out) {
  LQ_REQUIRE_PTR(L);
  LQ_REQUIRE_PTR(w_out);
  lq_qlora* m = (lq_qlora*)L; /* dequant_rows only writes the scratch */
  for (size_t j0 = 0; j0 < L->out; j0 += L->tile_rows) {
    const size_t j1 = L->out - j0 < L->tile_rows ? L->out : j0 + L->tile_rows;
    memcpy(w_out + j0 * L->in, dequant_rows(m, j0, j1), (j1 - j0) * L->in * sizeof(float));
  }
  return LQ_OK;
}

lq_status lq_qlora_base_bytes(const lq_qlora* L, size_t* bytes_out) {
  LQ_REQUIRE_PTR(L);
  LQ_REQUIRE_PTR(bytes_out);
  size_t b = (L->total + 1) / 2;
  if (L->dq)
    b += L->nblocks + ((L->nblocks + LQ_BNB_NESTED_BLOCKSIZE - 1) / LQ_BNB_NESTED_BLOCKSIZE) * sizeof(float) +
         sizeof(float);
  else
    b += L->nblocks * sizeof(float);
  *bytes_out = b;
  return LQ_OK;
}
