/* Scheme families for the llm module's weight formats: bitsandbytes NF4/FP4
 * (with optional double quantization), OCP element casts (FP8, E2M1), OCP MX
 * blocks, ggml blocks (Q4_0 .. Q6_K) and GPTQ/AWQ group quantization. Each
 * adapter calls the llm module's public API; the storage layouts of
 * encode/decode and the exact bits-per-element rules are in docs/scheme.md. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scheme/scheme_internal.h"

typedef enum llm_kind { K_BNB4, K_MINI, K_MX, K_GGML, K_WQ } llm_kind;

typedef struct llm_state {
  llm_kind kind;
  const char* family;
  /* bnb4 */
  lq_bnb4_type bnb;
  size_t block;
  int dq;
  /* minifloat cast */
  lq_minifloat mf;
  int sat, fit; /* fit: 1 = per-tensor float32 scale amax / max_element */
  float mf_max, mf_scale;
  /* MX */
  lq_mx_type mx;
  size_t mx_bytes;
  /* ggml */
  lq_ggml_traits gt;
  /* GPTQ / AWQ */
  lq_wq_config wq;
  /* scratch sized by calibrate/roundtrip for the current shape, so encode and
   * decode never allocate */
  float* f32;
  size_t f32_cap;
  uint8_t* u8;
  size_t u8_cap;
  int32_t* i32;
  size_t i32_cap;
} llm_state;

static void llm_destroy(void* p) {
  llm_state* st = p;
  if (!st) return;
  free(st->f32);
  free(st->u8);
  free(st->i32);
  free(st);
}

static lq_status grow(void** buf, size_t* cap, size_t count, size_t size) {
  if (count <= *cap && *buf) return LQ_OK;
  void* p;
  LQ_CHECK(lq_alloc_array(count ? count : 1, size, "scheme scratch", &p));
  free(*buf);
  *buf = p;
  *cap = count ? count : 1;
  return LQ_OK;
}

static size_t row_length(const lq_shape* shape) { return shape->ndim ? (size_t)shape->dims[shape->ndim - 1] : 1; }

/* ------------------------------------------------------------- layouts -- */

/* bnb4: blocks, nested blocks. */
static size_t bnb_nblocks(const llm_state* st, size_t n) { return n / st->block + (n % st->block != 0); }
static size_t bnb_nnested(size_t nblocks) {
  return nblocks / LQ_BNB_NESTED_BLOCKSIZE + (nblocks % LQ_BNB_NESTED_BLOCKSIZE != 0);
}

/* GPTQ/AWQ: rows x cols with cols the last dimension; number of (scale, zero) units. */
static lq_status wq_units(const llm_state* st, const lq_shape* shape, size_t numel, size_t* rows, size_t* cols,
                          size_t* units) {
  size_t c = row_length(shape);
  size_t r = c ? numel / c : 0;
  if (st->wq.group_size > 0 && c % (size_t)st->wq.group_size != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: the row length %zu is not a multiple of group=%d", st->family, c,
                   (int)st->wq.group_size);
  size_t g = 0;
  if (numel) LQ_CHECK(lq_wq_num_groups(&st->wq, r, c, &g));
  *rows = r;
  *cols = c;
  *units = st->wq.group_size < 0 ? g : r * g;
  return LQ_OK;
}

/* Checks the shape and sizes the scratch buffers. */
static lq_status llm_prepare(llm_state* st, const lq_shape* shape, size_t numel) {
  size_t rl = row_length(shape);
  switch (st->kind) {
    case K_BNB4: {
      size_t nb = bnb_nblocks(st, numel);
      LQ_CHECK(grow((void**)&st->f32, &st->f32_cap, nb + bnb_nnested(nb) + 1, sizeof(float)));
      LQ_CHECK(grow((void**)&st->u8, &st->u8_cap, numel / 2 + 1 + nb, 1));
      return LQ_OK;
    }
    case K_MINI: return grow((void**)&st->u8, &st->u8_cap, numel, 1);
    case K_MX:
      if (rl % LQ_MX_BLOCK != 0)
        return lq_fail(LQ_ERR_INVALID_ARG, "%s: the row length %zu is not a multiple of the block size %d", st->family,
                       rl, LQ_MX_BLOCK);
      return grow((void**)&st->u8, &st->u8_cap, numel / LQ_MX_BLOCK * st->mx_bytes, 1);
    case K_GGML:
      if (rl % st->gt.block_size != 0)
        return lq_fail(LQ_ERR_INVALID_ARG, "%s: the row length %zu is not a multiple of the block size %zu",
                       st->family, rl, st->gt.block_size);
      return grow((void**)&st->u8, &st->u8_cap, numel / st->gt.block_size * st->gt.block_bytes, 1);
    case K_WQ: {
      size_t r, c, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &c, &u));
      LQ_CHECK(grow((void**)&st->f32, &st->f32_cap, u, sizeof(float)));
      LQ_CHECK(grow((void**)&st->i32, &st->i32_cap, u, sizeof(int32_t)));
      return grow((void**)&st->u8, &st->u8_cap, numel, 1);
    }
  }
  return LQ_OK;
}

/* Per-tensor scale of the minifloat cast: amax / max_element (1 for all-zero
 * data or fit=none). */
static lq_status mini_fit(llm_state* st, size_t numel, const float* x) {
  st->mf_scale = 1.0f;
  if (!st->fit || numel == 0) return LQ_OK;
  float amax;
  LQ_CHECK(lq_reduce_absmax_f32(x, numel, &amax));
  if (!isfinite(amax))
    return lq_fail(LQ_ERR_NUMERIC, "%s: the data holds NaN or Inf, so no scale can be fitted", st->family);
  float s = amax / st->mf_max;
  if (s > 0.0f && isfinite(s)) st->mf_scale = s; /* 0 (all zero or underflow): scale 1 reproduces the zeros */
  return LQ_OK;
}

static lq_status llm_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  llm_state* st = p;
  LQ_CHECK(llm_prepare(st, shape, numel));
  if (st->kind == K_MINI) LQ_CHECK(mini_fit(st, numel, x));
  return LQ_OK;
}

/* ------------------------------------------------------------ roundtrip -- */

static lq_status bnb_roundtrip(llm_state* st, size_t n, const float* x, float* y, int32_t* codes) {
  size_t nb = bnb_nblocks(st, n);
  float* absmax = st->f32;
  float* nested = absmax + nb;
  uint8_t* packed = st->u8;
  uint8_t* qabs = packed + n / 2 + 1;
  LQ_CHECK(lq_bnb4_quantize(st->bnb, x, n, st->block, packed, absmax));
  if (st->dq) {
    float offset;
    LQ_CHECK(lq_bnb_double_quant(absmax, nb, NULL, qabs, nested, &offset));
    LQ_CHECK(lq_bnb_double_dequant(qabs, nested, nb, offset, NULL, absmax));
  }
  if (codes)
    for (size_t i = 0; i < n; i++) codes[i] = i % 2 ? packed[i / 2] & 15 : packed[i / 2] >> 4;
  return lq_bnb4_dequantize(st->bnb, packed, absmax, n, st->block, y);
}

/* codes of x / s (the division is fused into the codec kernel). */
static lq_status mini_encode_codes(llm_state* st, size_t n, const float* x, uint8_t* c) {
  return lq_minifloat_encode_scaled(st->mf, st->sat, x, n, st->mf_scale, c);
}

/* y[i] = decode(code(i)) * s through a table of the format's decodings (the
 * same floats lq_minifloat_to_f32 gives); code(i) is byte i, or nibble i of
 * the packed e2m1 stream when packed_e2m1 (element 2k in the low nibble). */
static void mini_decode_scaled(lq_minifloat fmt, size_t n, const uint8_t* c, int packed_e2m1, float s, float* y) {
  if (!packed_e2m1) {
    (void)lq_minifloat_decode_scaled(fmt, c, n, s, y); /* valid format, non-NULL buffers: cannot fail */
    return;
  }
  /* e2m1: unpack a chunk of nibbles to bytes, then the codec kernel */
  uint8_t b[1024];
  for (size_t i = 0; i < n; i += sizeof b) {
    const size_t k = n - i < sizeof b ? n - i : sizeof b; /* i is even: chunk starts on a byte */
    const uint8_t* cc = c + i / 2;
    for (size_t j = 0; j < k / 2; j++) {
      const uint8_t v = cc[j];
      b[2 * j] = v & 15;
      b[2 * j + 1] = (uint8_t)(v >> 4);
    }
    if (k % 2) b[k - 1] = cc[k / 2] & 15;
    (void)lq_minifloat_decode_scaled(fmt, b, k, s, y + i);
  }
}

static void mini_decode_codes(const llm_state* st, size_t n, const uint8_t* c, float* y) {
  mini_decode_scaled(st->mf, n, c, 0, st->mf_scale, y);
}

static lq_status llm_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                               int32_t* codes) {
  llm_state* st = p;
  LQ_CHECK(llm_calibrate(p, shape, numel, x));
  if (numel == 0) return LQ_OK;
  switch (st->kind) {
    case K_BNB4: return bnb_roundtrip(st, numel, x, y, codes);
    case K_MINI:
      LQ_CHECK(mini_encode_codes(st, numel, x, st->u8));
      mini_decode_codes(st, numel, st->u8, y);
      if (codes)
        for (size_t i = 0; i < numel; i++) codes[i] = st->u8[i];
      return LQ_OK;
    case K_MX:
      LQ_CHECK(lq_mx_quantize(st->mx, x, numel, st->u8));
      return lq_mx_dequantize(st->mx, st->u8, numel, y);
    case K_GGML:
      LQ_CHECK(lq_ggml_quantize(st->gt.type, x, numel, st->u8));
      return lq_ggml_dequantize(st->gt.type, st->u8, numel, y);
    case K_WQ: {
      size_t r, c, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &c, &u));
      LQ_CHECK(lq_wq_quantize(&st->wq, x, r, c, st->u8, st->f32, st->i32));
      if (codes)
        for (size_t i = 0; i < numel; i++) codes[i] = st->u8[i];
      return lq_wq_dequantize(&st->wq, st->u8, st->f32, st->i32, r, c, y);
    }
  }
  return LQ_OK;
}

/* ------------------------------------------------------- encode/decode -- */
/* Storage layouts (docs/scheme.md):
 *  bnb4:      [absmax f32 x nblocks][packed codes]   (dq: [offset f32][nested f32 x nn][qabsmax u8 x nblocks][packed])
 *  minifloat: [scale f32 if fit][codes: 1 byte (fp8) or 2 per byte, element 2k in the low nibble (e2m1)]
 *  MX, ggml:  the blocks as the llm module writes them
 *  gptq/awq:  [scales f32 x units][zeros i32 x units][codes u8 x numel] */

static lq_status llm_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  const llm_state* st = p;
  size_t rl = row_length(shape);
  switch (st->kind) {
    case K_BNB4: {
      size_t nb = bnb_nblocks(st, numel);
      size_t packed = numel / 2 + numel % 2;
      *bytes = st->dq ? 4 + 4 * bnb_nnested(nb) + nb + packed : 4 * nb + packed;
      return LQ_OK;
    }
    case K_MINI:
      *bytes = (st->fit ? 4 : 0) + (st->mf == LQ_FP4_E2M1 ? numel / 2 + numel % 2 : numel);
      return LQ_OK;
    case K_MX:
      if (rl % LQ_MX_BLOCK) return lq_fail(LQ_ERR_INVALID_ARG, "%s: row length %zu is not a multiple of %d", st->family, rl, LQ_MX_BLOCK);
      *bytes = numel / LQ_MX_BLOCK * st->mx_bytes;
      return LQ_OK;
    case K_GGML:
      if (rl % st->gt.block_size)
        return lq_fail(LQ_ERR_INVALID_ARG, "%s: row length %zu is not a multiple of %zu", st->family, rl,
                       st->gt.block_size);
      *bytes = numel / st->gt.block_size * st->gt.block_bytes;
      return LQ_OK;
    case K_WQ: {
      size_t r, c, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &c, &u));
      *bytes = 8 * u + numel;
      return LQ_OK;
    }
  }
  return LQ_OK;
}

static lq_status llm_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* out) {
  llm_state* st = p;
  uint8_t* o = out;
  switch (st->kind) {
    case K_BNB4: {
      size_t nb = bnb_nblocks(st, numel), nn = bnb_nnested(nb);
      float* absmax = st->f32;
      if (!st->dq) {
        /* The absmax array leads the encoding: write it in place when the
         * buffer is float-aligned (always, for malloc'd buffers), saving a
         * pass over nb floats; else through the scratch. */
        const int in_place = ((uintptr_t)o % _Alignof(float)) == 0;
        float* am_dst = in_place ? (float*)(void*)o : absmax;
        LQ_CHECK(lq_bnb4_quantize(st->bnb, x, numel, st->block, o + 4 * nb, am_dst));
        if (!in_place) memcpy(o, absmax, 4 * nb);
        return LQ_OK;
      }
      uint8_t* qabs = o + 4 + 4 * nn;
      LQ_CHECK(lq_bnb4_quantize(st->bnb, x, numel, st->block, qabs + nb, absmax));
      float offset;
      LQ_CHECK(lq_bnb_double_quant(absmax, nb, NULL, qabs, absmax + nb, &offset));
      memcpy(o, &offset, 4);
      memcpy(o + 4, absmax + nb, 4 * nn);
      return LQ_OK;
    }
    case K_MINI: {
      if (st->fit) {
        memcpy(o, &st->mf_scale, 4);
        o += 4;
      }
      if (st->mf != LQ_FP4_E2M1) return mini_encode_codes(st, numel, x, o);
      /* e2m1: encode in chunks, then two codes per byte */
      uint8_t c[1024];
      for (size_t i = 0; i < numel; i += sizeof c) {
        size_t k = numel - i < sizeof c ? numel - i : sizeof c;
        LQ_CHECK(mini_encode_codes(st, k, x + i, c));
        uint8_t* oo = o + i / 2;
        for (size_t j = 0; j < k / 2; j++) oo[j] = (uint8_t)((c[2 * j] & 15) | (c[2 * j + 1] << 4));
        if (k % 2) oo[k / 2] = c[k - 1] & 15;
      }
      return LQ_OK;
    }
    case K_MX: return lq_mx_quantize(st->mx, x, numel, o);
    case K_GGML: return lq_ggml_quantize(st->gt.type, x, numel, o);
    case K_WQ: {
      size_t r, c, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &c, &u));
      LQ_CHECK(lq_wq_quantize(&st->wq, x, r, c, o + 8 * u, st->f32, st->i32));
      memcpy(o, st->f32, 4 * u);
      memcpy(o + 4 * u, st->i32, 4 * u);
      return LQ_OK;
    }
  }
  return LQ_OK;
}

static lq_status llm_decode(void* p, const lq_shape* shape, size_t numel, const void* in, float* y) {
  llm_state* st = p;
  const uint8_t* c = in;
  switch (st->kind) {
    case K_BNB4: {
      size_t nb = bnb_nblocks(st, numel), nn = bnb_nnested(nb);
      float* absmax = st->f32;
      if (!st->dq) {
        if (((uintptr_t)c % _Alignof(float)) == 0) /* read the stored absmax in place */
          return lq_bnb4_dequantize(st->bnb, c + 4 * nb, (const float*)(const void*)c, numel, st->block, y);
        memcpy(absmax, c, 4 * nb);
        return lq_bnb4_dequantize(st->bnb, c + 4 * nb, absmax, numel, st->block, y);
      }
      float offset;
      memcpy(&offset, c, 4);
      memcpy(absmax + nb, c + 4, 4 * nn);
      const uint8_t* qabs = c + 4 + 4 * nn;
      LQ_CHECK(lq_bnb_double_dequant(qabs, absmax + nb, nb, offset, NULL, absmax));
      return lq_bnb4_dequantize(st->bnb, qabs + nb, absmax, numel, st->block, y);
    }
    case K_MINI: {
      float s = st->mf_scale;
      if (st->fit) {
        memcpy(&s, c, 4);
        c += 4;
      }
      mini_decode_scaled(st->mf, numel, c, st->mf == LQ_FP4_E2M1, s, y);
      return LQ_OK;
    }
    case K_MX: return lq_mx_dequantize(st->mx, c, numel, y);
    case K_GGML: return lq_ggml_dequantize(st->gt.type, c, numel, y);
    case K_WQ: {
      size_t r, cols, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &cols, &u));
      memcpy(st->f32, c, 4 * u);
      memcpy(st->i32, c + 4 * u, 4 * u);
      return lq_wq_dequantize(&st->wq, c + 8 * u, st->f32, st->i32, r, cols, y);
    }
  }
  return LQ_OK;
}

/* ---------------------------------------------------- bits per element -- */

/* Every stored bit divided by numel: codes, block scales/mins, nested
 * statistics, per-tensor scales. Constant tables (the NF4 code, the dynamic
 * map) are not counted: they are the same for every tensor. */
static lq_status llm_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const llm_state* st = p;
  double n = (double)numel;
  switch (st->kind) {
    case K_BNB4: {
      if (!numel) { *out = 4.0; return LQ_OK; }
      size_t nb = bnb_nblocks(st, numel);
      double packed_bits = 8.0 * (double)(numel / 2 + numel % 2);
      double stat = st->dq ? 8.0 * (double)nb + 32.0 * (double)bnb_nnested(nb) + 32.0 : 32.0 * (double)nb;
      *out = (packed_bits + stat) / n;
      return LQ_OK;
    }
    case K_MINI: {
      double eb = st->mf == LQ_FP4_E2M1 ? 4.0 : 8.0;
      *out = numel && st->fit ? eb + 32.0 / n : eb;
      return LQ_OK;
    }
    case K_MX: *out = 8.0 * (double)st->mx_bytes / LQ_MX_BLOCK; return LQ_OK;
    case K_GGML: *out = 8.0 * (double)st->gt.block_bytes / (double)st->gt.block_size; return LQ_OK;
    case K_WQ: {
      double bits = st->wq.bits;
      int affine = st->wq.rule == LQ_WQ_AWQ || !st->wq.symmetric;
      if (!numel) { *out = bits; return LQ_OK; }
      size_t r, c, u;
      LQ_CHECK(wq_units(st, shape, numel, &r, &c, &u));
      *out = bits + (double)u * (32.0 + (affine ? bits : 0.0)) / n;
      return LQ_OK;
    }
  }
  return LQ_OK;
}

static lq_status llm_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  const llm_state* st = p;
  *qmin = 0;
  switch (st->kind) {
    case K_BNB4: *qmax = 15; return LQ_OK;
    case K_MINI: *qmax = st->mf == LQ_FP4_E2M1 ? 15 : 255; return LQ_OK;
    case K_WQ: *qmax = (1 << st->wq.bits) - 1; return LQ_OK;
    default: return lq_fail(LQ_ERR_UNSUPPORTED, "%s: block formats have no per-element integer codes", st->family);
  }
}

static const char* const mini_names[] = {"e4m3", "e5m2", "e2m3", "e3m2", "e2m1"};

static lq_status llm_params_json(const void* p, lq_sbuf* b) {
  const llm_state* st = p;
  switch (st->kind) {
    case K_BNB4: lq_sbuf_printf(b, ", \"block\": %zu, \"dq\": %d", st->block, st->dq); break;
    case K_MINI:
      lq_sbuf_printf(b, ", \"format\": \"%s\", \"saturate\": %d, \"scale\": ", mini_names[st->mf], st->sat);
      lq_sbuf_json_float(b, st->mf_scale);
      break;
    case K_MX: lq_sbuf_printf(b, ", \"block\": %d, \"block_bytes\": %zu", LQ_MX_BLOCK, st->mx_bytes); break;
    case K_GGML:
      lq_sbuf_printf(b, ", \"ggml_type\": %d, \"block\": %zu, \"block_bytes\": %zu", (int)st->gt.type,
                     st->gt.block_size, st->gt.block_bytes);
      break;
    case K_WQ:
      lq_sbuf_printf(b, ", \"bits\": %d, \"group\": %d, \"symmetric\": %s", (int)st->wq.bits,
                     (int)st->wq.group_size, st->wq.symmetric ? "true" : "false");
      break;
  }
  return LQ_OK;
}

/* The codes-capable families report code_range; block formats do not. */
static const lq_scheme_ops llm_ops_codes = {
    .roundtrip = llm_roundtrip,
    .bits_per_element = llm_bits_per_element,
    .destroy = llm_destroy,
    .code_range = llm_code_range,
    .params_json = llm_params_json,
    .calibrate = llm_calibrate,
    .encoded_size = llm_encoded_size,
    .encode = llm_encode,
    .decode = llm_decode,
};
static const lq_scheme_ops llm_ops_blocks = {
    .roundtrip = llm_roundtrip,
    .bits_per_element = llm_bits_per_element,
    .destroy = llm_destroy,
    .params_json = llm_params_json,
    .calibrate = llm_calibrate,
    .encoded_size = llm_encoded_size,
    .encode = llm_encode,
    .decode = llm_decode,
};

/* -------------------------------------------------------------- create -- */

static lq_status finish(llm_state* st, lq_status s, void** state_out, const lq_scheme_ops** ops_out) {
  if (s != LQ_OK) {
    llm_destroy(st);
    return s;
  }
  *state_out = st;
  *ops_out = (st->kind == K_MX || st->kind == K_GGML) ? &llm_ops_blocks : &llm_ops_codes;
  return LQ_OK;
}

static llm_state* new_state(lq_scheme_args* a, llm_kind kind) {
  llm_state* st = calloc(1, sizeof *st);
  if (st) {
    st->kind = kind;
    st->family = a->family;
  }
  return st;
}

#define NEW_STATE(kind)                                                              \
  llm_state* st = new_state(a, kind);                                                \
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: out of memory", a->family)

static lq_status create_bnb4(lq_scheme_args* a, lq_bnb4_type t, void** state_out, const lq_scheme_ops** ops_out) {
  int64_t block, dq;
  LQ_CHECK(lq_scheme_arg_int(a, "block", 32, 4096, 64, &block, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "dq", 0, 1, 0, &dq, NULL));
  if (block & (block - 1))
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: block=%lld is not a power of two in [32, 4096]", a->family,
                   (long long)block);
  NEW_STATE(K_BNB4);
  st->bnb = t;
  st->block = (size_t)block;
  st->dq = (int)dq;
  return finish(st, LQ_OK, state_out, ops_out);
}

lq_status lq_scheme_create_nf4(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_bnb4(a, LQ_BNB4_NF4, state_out, ops_out);
}

lq_status lq_scheme_create_fp4(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_bnb4(a, LQ_BNB4_FP4, state_out, ops_out);
}

static const char* const fit_names[] = {"none", "tensor"};

static lq_status create_mini(lq_scheme_args* a, lq_minifloat fmt, int sat, void** state_out,
                             const lq_scheme_ops** ops_out) {
  int fit;
  LQ_CHECK(lq_scheme_arg_enum(a, "fit", fit_names, 2, 1, &fit, NULL));
  NEW_STATE(K_MINI);
  st->mf = fmt;
  st->sat = sat;
  st->fit = fit;
  static const float maxes[] = {448.0f, 57344.0f, 7.5f, 28.0f, 6.0f};
  st->mf_max = maxes[fmt];
  st->mf_scale = 1.0f;
  return finish(st, LQ_OK, state_out, ops_out);
}

lq_status lq_scheme_create_e2m1(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_mini(a, LQ_FP4_E2M1, 1, state_out, ops_out);
}

lq_status lq_scheme_create_fp8(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  static const char* const fmts[] = {"e4m3", "e5m2"};
  int fmt;
  int64_t sat;
  LQ_CHECK(lq_scheme_arg_enum(a, "fmt", fmts, 2, 0, &fmt, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "sat", 0, 1, 1, &sat, NULL));
  return create_mini(a, fmt ? LQ_FP8_E5M2 : LQ_FP8_E4M3, (int)sat, state_out, ops_out);
}

static lq_status create_mx(lq_scheme_args* a, lq_mx_type t, void** state_out, const lq_scheme_ops** ops_out) {
  NEW_STATE(K_MX);
  st->mx = t;
  return finish(st, lq_mx_block_bytes(t, &st->mx_bytes), state_out, ops_out);
}

lq_status lq_scheme_create_mxfp4(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_mx(a, LQ_MXFP4, state_out, ops_out);
}

lq_status lq_scheme_create_mxfp6(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  static const char* const fmts[] = {"e2m3", "e3m2"};
  int fmt;
  LQ_CHECK(lq_scheme_arg_enum(a, "fmt", fmts, 2, 0, &fmt, NULL));
  return create_mx(a, fmt ? LQ_MXFP6_E3M2 : LQ_MXFP6_E2M3, state_out, ops_out);
}

lq_status lq_scheme_create_mxfp8(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  static const char* const fmts[] = {"e4m3", "e5m2"};
  int fmt;
  LQ_CHECK(lq_scheme_arg_enum(a, "fmt", fmts, 2, 0, &fmt, NULL));
  return create_mx(a, fmt ? LQ_MXFP8_E5M2 : LQ_MXFP8_E4M3, state_out, ops_out);
}

lq_status lq_scheme_create_mxint8(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_mx(a, LQ_MXINT8, state_out, ops_out);
}

/* All ggml families share one create function: the family name is the ggml
 * type name. */
lq_status lq_scheme_create_ggml(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  lq_ggml_type t;
  LQ_CHECK(lq_ggml_type_from_name(a->family, &t));
  NEW_STATE(K_GGML);
  return finish(st, lq_ggml_type_traits(t, &st->gt), state_out, ops_out);
}

static lq_status create_wq(lq_scheme_args* a, lq_wq_rule rule, void** state_out, const lq_scheme_ops** ops_out) {
  int64_t bits, group, sym = 0;
  LQ_CHECK(lq_scheme_arg_int(a, "bits", 2, 8, 4, &bits, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "group", -1, INT32_MAX, 128, &group, NULL));
  if (rule == LQ_WQ_GPTQ) LQ_CHECK(lq_scheme_arg_int(a, "sym", 0, 1, 0, &sym, NULL));
  NEW_STATE(K_WQ);
  st->wq.bits = (int32_t)bits;
  st->wq.group_size = (int32_t)group;
  st->wq.symmetric = (int32_t)sym;
  st->wq.rule = rule;
  return finish(st, LQ_OK, state_out, ops_out);
}

lq_status lq_scheme_create_gptq(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_wq(a, LQ_WQ_GPTQ, state_out, ops_out);
}

lq_status lq_scheme_create_awq(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  return create_wq(a, LQ_WQ_AWQ, state_out, ops_out);
}
