/* Serialisation of vq codecs: a versioned, little-endian, CRC-32-checked
 * container (layout in docs/vq.md "File format"). The loader treats its input
 * as hostile: every size is checked before use. */
#include <stdio.h>
#include <string.h>

#include "vq/vq_codec.h"

static const uint32_t lq_crc_table[256] = {
#include "vq/crc32_table.inc"
};

static uint32_t lq_crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = lq_crc_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

#define LQ_VQ_MAGIC "LQVQ"
#define LQ_VQ_FORMAT_VERSION 1u
/* magic, version, kind, flags, d, M, nbits, reserved, ncent */
#define LQ_VQ_HEADER_BYTES (4 + 4 + 4 + 4 + 8 + 8 + 4 + 4 + 8)

static void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* LSQ: train_iters, encode_ils_iters, train_ils_iters, icm_iters, nperts,
 * p (float bits), lambd (float bits), seed. */
#define LQ_VQ_LSQ_WORDS 8u

static void lq_lsq_put_words(const lq_vq_codec* c, uint8_t* p) {
  const lq_vq_lsq_params* l = &c->lsq;
  uint32_t pb, lb;
  memcpy(&pb, &l->p, 4);
  memcpy(&lb, &l->lambd, 4);
  uint32_t w[LQ_VQ_LSQ_WORDS] = {(uint32_t)l->train_iters, (uint32_t)l->encode_ils_iters,
                                 (uint32_t)l->train_ils_iters, (uint32_t)l->icm_iters,
                                 (uint32_t)l->nperts, pb, lb, l->seed};
  for (unsigned i = 0; i < LQ_VQ_LSQ_WORDS; i++) put_u32(p + 4 * i, w[i]);
}

/* Parses the 8 LSQ words into *lp (d, M, nbits given). */
static lq_status lq_lsq_words_params(const uint8_t* p, size_t d, size_t M, int nbits, lq_vq_lsq_params* lp) {
  lq_vq_lsq_params l;
  memset(&l, 0, sizeof l);
  l.d = d;
  l.M = M;
  l.nbits = nbits;
  uint32_t w[LQ_VQ_LSQ_WORDS];
  for (unsigned i = 0; i < LQ_VQ_LSQ_WORDS; i++) w[i] = get_u32(p + 4 * i);
  for (unsigned i = 0; i < 5; i++)
    if (w[i] == 0 || w[i] > INT32_MAX) return lq_fail(LQ_ERR_INVALID_ARG, "LSQ iteration count %u", w[i]);
  l.train_iters = (int)w[0];
  l.encode_ils_iters = (int)w[1];
  l.train_ils_iters = (int)w[2];
  l.icm_iters = (int)w[3];
  l.nperts = (int)w[4];
  memcpy(&l.p, &w[5], 4);
  memcpy(&l.lambd, &w[6], 4);
  l.seed = w[7];
  if (!(l.p > 0.0f) || !(l.lambd > 0.0f) || l.seed == 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "LSQ parameters p, lambd, seed");
  *lp = l;
  return LQ_OK;
}

static lq_status lq_lsq_get_words(const uint8_t* p, size_t d, size_t M, int nbits, lq_vq_codec** out) {
  lq_vq_lsq_params l;
  LQ_CHECK(lq_lsq_words_params(p, d, M, nbits, &l));
  return lq_vq_lsq_new(&l, out);
}

/* PRQ / PLSQ (product.c): the reserved header word holds nsplits; PRQ's
 * extra words are the beam width and the Msub stage widths of a split,
 * PLSQ's the 8 LSQ words of its splits. */
static lq_status lq_prod_get(const uint8_t* p, uint32_t kind, size_t d, size_t M, size_t nsplits, int nbits,
                             lq_vq_codec** out) {
  size_t msub = M / nsplits;
  if (kind == LQ_VQ_PLSQ) {
    lq_vq_plsq_params l;
    memset(&l, 0, sizeof l);
    l.d = d;
    l.nsplits = nsplits;
    LQ_CHECK(lq_lsq_words_params(p, 0, msub, nbits, &l.lsq));
    return lq_vq_plsq_new(&l, out);
  }
  uint32_t beam = get_u32(p);
  if (beam == 0 || beam > INT32_MAX) return lq_fail(LQ_ERR_INVALID_ARG, "PRQ beam %u", beam);
  int nb[4096];
  for (size_t m = 0; m < msub; m++) {
    uint32_t w = get_u32(p + 4 + 4 * m);
    nb[m] = w > 16 ? 0 : (int)w; /* 0 is rejected by lq_vq_rq_new */
  }
  lq_vq_prq_params r;
  memset(&r, 0, sizeof r);
  r.d = d;
  r.nsplits = nsplits;
  r.rq.M = msub;
  r.rq.stage_nbits = nb;
  r.rq.max_beam_size = (int)beam;
  return lq_vq_prq_new(&r, out);
}

lq_status lq_vq_save(const lq_vq_codec* c, void* buf, size_t cap, size_t* size_out) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(size_out);
  if (!c->trained) return lq_fail(LQ_ERR_STATE, "lq_vq_save: the codec is not trained");
  size_t nrot = c->rot ? c->p.d * c->p.d : 0, nfl = c->ncent + nrot;
  int is_rq = c->p.kind == (lq_vq_kind)LQ_VQ_RQ, is_ts = c->p.kind == (lq_vq_kind)LQ_VQ_TSVQ;
  int is_lsq = c->p.kind == (lq_vq_kind)LQ_VQ_LSQ;
  int is_prq = c->p.kind == (lq_vq_kind)LQ_VQ_PRQ, is_plsq = c->p.kind == (lq_vq_kind)LQ_VQ_PLSQ;
  /* RQ: the stage widths follow the header; LSQ: its 8 encode/train parameters */
  size_t extra = is_rq ? 4 * c->p.M : is_lsq ? 4 * LQ_VQ_LSQ_WORDS : 0;
  if (is_prq) extra = 4 + 4 * (c->p.M / c->nsplits);
  if (is_plsq) extra = 4 * LQ_VQ_LSQ_WORDS;
  size_t total = LQ_VQ_HEADER_BYTES + extra + nfl * 4 + 4;
  *size_out = total;
  if (buf == NULL) return LQ_OK;
  if (cap < total)
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "lq_vq_save: %zu bytes needed, buffer has %zu", total, cap);
  uint8_t* p = (uint8_t*)buf;
  memcpy(p, LQ_VQ_MAGIC, 4);
  put_u32(p + 4, LQ_VQ_FORMAT_VERSION);
  put_u32(p + 8, (uint32_t)c->p.kind);
  put_u32(p + 12, 0);
  put_u64(p + 16, c->p.d);
  put_u64(p + 24, c->p.M);
  put_u32(p + 32, (uint32_t)c->p.nbits);
  /* reserved word: RQ beam width, TSVQ branch */
  /* reserved word: RQ beam width, TSVQ branch, LSQ codebook size K */
  put_u32(p + 36, is_rq ? (uint32_t)c->beam : is_ts ? (uint32_t)c->branch : is_lsq ? 1u << c->p.nbits : 0u);
  if (is_prq || is_plsq) put_u32(p + 36, (uint32_t)c->nsplits); /* reserved word: PRQ/PLSQ nsplits */
  put_u64(p + 40, nfl);
  if (is_rq)
    for (size_t m = 0; m < extra / 4; m++) put_u32(p + LQ_VQ_HEADER_BYTES + 4 * m, (uint32_t)c->snbits[m]);
  if (is_lsq || is_plsq) lq_lsq_put_words(c, p + LQ_VQ_HEADER_BYTES);
  if (is_prq) {
    put_u32(p + LQ_VQ_HEADER_BYTES, (uint32_t)c->beam);
    for (size_t m = 0; m < c->p.M / c->nsplits; m++)
      put_u32(p + LQ_VQ_HEADER_BYTES + 4 + 4 * m, (uint32_t)c->snbits[m]);
  }
  uint8_t* q = p + LQ_VQ_HEADER_BYTES + extra;
  for (size_t i = 0; i < nfl; i++) {
    uint32_t u;
    memcpy(&u, i < c->ncent ? &c->cent[i] : &c->rot[i - c->ncent], 4);
    put_u32(q + 4 * i, u);
  }
  put_u32(p + total - 4, lq_crc32(p, total - 4));
  return LQ_OK;
}

lq_status lq_vq_load(const void* buf, size_t size, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(buf);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  const uint8_t* p = (const uint8_t*)buf;
  if (size < LQ_VQ_HEADER_BYTES + 4)
    return lq_fail(LQ_ERR_FORMAT, "vq codec: %zu bytes is too short for a codec file (truncated?)", size);
  if (memcmp(p, LQ_VQ_MAGIC, 4) != 0) return lq_fail(LQ_ERR_FORMAT, "vq codec: bad magic (not a libquant codec)");
  uint32_t ver = get_u32(p + 4);
  if (ver != LQ_VQ_FORMAT_VERSION)
    return lq_fail(LQ_ERR_FORMAT, "vq codec: format version %u is not supported (expected %u)", ver,
                   LQ_VQ_FORMAT_VERSION);
  uint64_t ncent = get_u64(p + 40);
  uint32_t kind = get_u32(p + 8);
  uint64_t d = get_u64(p + 16), M = get_u64(p + 24);
  size_t extra = 0;
  if (kind == LQ_VQ_RQ) {
    if (M == 0 || M > 4096) return lq_fail(LQ_ERR_FORMAT, "vq codec: header fields out of range");
    extra = 4 * (size_t)M;
  }
  if (kind == LQ_VQ_LSQ || kind == LQ_VQ_PLSQ) extra = 4 * LQ_VQ_LSQ_WORDS;
  if (kind == LQ_VQ_PRQ || kind == LQ_VQ_PLSQ) {
    uint32_t ns = get_u32(p + 36);
    if (ns == 0 || ns > 65536 || M == 0 || M % ns != 0 || M / ns > 4096)
      return lq_fail(LQ_ERR_FORMAT, "vq codec: header fields out of range");
    if (kind == LQ_VQ_PRQ) extra = 4 + 4 * (size_t)(M / ns);
  }
  if (ncent > (SIZE_MAX - LQ_VQ_HEADER_BYTES - 4 - extra) / 4 || size != LQ_VQ_HEADER_BYTES + extra + ncent * 4 + 4)
    return lq_fail(LQ_ERR_FORMAT, "vq codec: size %zu does not match the %llu floats in the header "
                   "(truncated or trailing data)", size, (unsigned long long)ncent);
  uint32_t crc = get_u32(p + size - 4);
  if (crc != lq_crc32(p, size - 4)) return lq_fail(LQ_ERR_FORMAT, "vq codec: checksum mismatch (corrupt file)");
  lq_vq_params prm;
  memset(&prm, 0, sizeof prm);
  uint32_t nbits = get_u32(p + 32), resv = get_u32(p + 36);
  int ml = kind == LQ_VQ_RQ || kind == LQ_VQ_TSVQ || kind == LQ_VQ_LSQ || kind == LQ_VQ_PRQ || kind == LQ_VQ_PLSQ;
  if (d > INT32_MAX || M > INT32_MAX || nbits > 16 || get_u32(p + 12) != 0 || (!ml && resv != 0) ||
      (ml && (resv == 0 || resv > 65536)))
    return lq_fail(LQ_ERR_FORMAT, "vq codec: header fields out of range");
  prm.kind = (lq_vq_kind)get_u32(p + 8);
  prm.d = (size_t)d;
  prm.M = (size_t)M;
  prm.nbits = (int)nbits;
  lq_vq_codec* c = NULL;
  lq_status s;
  if (kind == LQ_VQ_RQ) {
    int nb[4096];
    for (size_t m = 0; m < M; m++) {
      uint32_t w = get_u32(p + LQ_VQ_HEADER_BYTES + 4 * m);
      nb[m] = w > 16 ? 0 : (int)w; /* 0 is rejected by the allocator */
    }
    s = lq_vq_rq_alloc((size_t)d, (size_t)M, nb, (int)resv, 0, &c);
    if (s == LQ_OK && (uint32_t)c->p.nbits != nbits) {
      lq_vq_codec_free(c);
      return lq_fail(LQ_ERR_FORMAT, "vq codec: RQ stage widths disagree with the header");
    }
  } else if (kind == LQ_VQ_LSQ) {
    s = lq_lsq_get_words(p + LQ_VQ_HEADER_BYTES, (size_t)d, (size_t)M, (int)nbits, &c);
    if (s == LQ_OK && resv != (1u << nbits)) {
      lq_vq_codec_free(c);
      return lq_fail(LQ_ERR_FORMAT, "vq codec: LSQ codebook size disagrees with the header");
    }
  } else if (kind == LQ_VQ_PRQ || kind == LQ_VQ_PLSQ) {
    s = lq_prod_get(p + LQ_VQ_HEADER_BYTES, kind, (size_t)d, (size_t)M, resv, (int)nbits, &c);
    if (s == LQ_OK && (uint32_t)c->p.nbits != nbits) {
      lq_vq_codec_free(c);
      return lq_fail(LQ_ERR_FORMAT, "vq codec: product codebook widths disagree with the header");
    }
  } else if (kind == LQ_VQ_TSVQ) {
    s = lq_vq_tsvq_alloc((size_t)d, (int)M, (int)resv, 0, &c);
    if (s == LQ_OK && (uint32_t)c->p.nbits != nbits) {
      lq_vq_codec_free(c);
      return lq_fail(LQ_ERR_FORMAT, "vq codec: TSVQ branch disagrees with the header");
    }
  } else {
    s = lq_vq_codec_alloc(&prm, &c);
  }
  if (s != LQ_OK) {
    if (s == LQ_ERR_OUT_OF_MEMORY) return s;
    return lq_fail(LQ_ERR_FORMAT, "vq codec: invalid geometry in header (%s)", lq_last_error());
  }
  size_t nrot = c->rot ? c->p.d * c->p.d : 0;
  if (c->ncent + nrot != ncent) {
    lq_vq_codec_free(c);
    return lq_fail(LQ_ERR_FORMAT, "vq codec: %llu floats stored, geometry needs %zu", (unsigned long long)ncent,
                   c->ncent + nrot);
  }
  const uint8_t* q = p + LQ_VQ_HEADER_BYTES + extra;
  for (size_t i = 0; i < ncent; i++) {
    uint32_t u = get_u32(q + 4 * i);
    memcpy(i < c->ncent ? &c->cent[i] : &c->rot[i - c->ncent], &u, 4);
  }
  if (!lq_vq_all_finite(c->cent, c->ncent) || (nrot && !lq_vq_all_finite(c->rot, nrot))) {
    lq_vq_codec_free(c);
    return lq_fail(LQ_ERR_FORMAT, "vq codec: stored centroids or rotation contain NaN or Inf");
  }
  for (size_t i = 0; i < c->p.d && nrot; i++)
    for (size_t j = 0; j < c->p.d; j++) c->rot_t[j * c->p.d + i] = c->rot[i * c->p.d + j];
  lq_vq_codec_finish(c);
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_save_file(const lq_vq_codec* c, const char* path) {
  LQ_REQUIRE_PTR(path);
  size_t n;
  LQ_CHECK(lq_vq_save(c, NULL, 0, &n));
  uint8_t* buf = NULL;
  LQ_CHECK(lq_alloc_array(n, 1, "codec image", (void**)&buf));
  lq_status s = lq_vq_save(c, buf, n, &n);
  if (s == LQ_OK) {
    FILE* f = fopen(path, "wb");
    if (!f) {
      s = lq_fail(LQ_ERR_IO, "lq_vq_save_file: cannot open '%s' for writing", path);
    } else {
      int bad = fwrite(buf, 1, n, f) != n;
      bad |= fclose(f) != 0;
      if (bad) s = lq_fail(LQ_ERR_IO, "lq_vq_save_file: cannot write '%s'", path);
    }
  }
  free(buf);
  return s;
}

lq_status lq_vq_load_file(const char* path, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(path);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  FILE* f = fopen(path, "rb");
  if (!f) return lq_fail(LQ_ERR_IO, "lq_vq_load_file: cannot open '%s'", path);
  uint8_t* buf = NULL;
  size_t n = 0, cap = 0;
  lq_status s = LQ_OK;
  for (;;) {
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 65536;
      uint8_t* nb = (uint8_t*)realloc(buf, ncap);
      if (!nb) {
        s = lq_fail(LQ_ERR_OUT_OF_MEMORY, "lq_vq_load_file: out of memory reading '%s'", path);
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) {
      if (ferror(f)) s = lq_fail(LQ_ERR_IO, "lq_vq_load_file: cannot read '%s'", path);
      break;
    }
  }
  fclose(f);
  if (s == LQ_OK) s = lq_vq_load(buf, n, out);
  free(buf);
  return s;
}
