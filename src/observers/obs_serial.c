/* Observer save/load: a versioned little-endian container
 *   "LQOB" | u32 format version | u32 method | u64 payload length | u32 CRC-32 | payload
 * The payload holds the normalised config and the state. Loading validates
 * every field; hostile buffers give LQ_ERR_FORMAT. */
#include <math.h>
#include <string.h>

#include "observers/obs_internal.h"

#define OBS_MAGIC "LQOB"
#define OBS_FORMAT_VERSION 1u
#define OBS_HEADER 24u

static uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

typedef struct wr {
  uint8_t* p;
  size_t n;
} wr;

static void put(wr* w, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) {
    if (w->p) w->p[w->n] = (uint8_t)(v >> (8 * i));
    w->n++;
  }
}
static void put_u32(wr* w, uint32_t v) { put(w, v, 4); }
static void put_u64(wr* w, uint64_t v) { put(w, v, 8); }
static void put_f32(wr* w, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  put(w, u, 4);
}
static void put_f64(wr* w, double f) {
  uint64_t u;
  memcpy(&u, &f, 8);
  put(w, u, 8);
}

static void put_payload(wr* w, const lq_observer* o) {
  const lq_observer_config* c = &o->cfg;
  put_u32(w, (uint32_t)c->method);
  put_u32(w, (uint32_t)c->dtype);
  put_u32(w, (uint32_t)c->range.bits);
  put_u32(w, (uint32_t)c->range.signedness);
  put_u32(w, (uint32_t)c->range.mapping);
  put_u32(w, (uint32_t)c->range.narrow);
  put_u32(w, (uint32_t)c->range.reduce_range);
  put_u32(w, (uint32_t)c->range.sym_scale);
  put_f32(w, c->range.eps);
  put_u32(w, (uint32_t)c->range.qmin);
  put_u32(w, (uint32_t)c->range.qmax);
  put_u32(w, (uint32_t)c->granularity);
  put_u32(w, (uint32_t)c->axis);
  put_f32(w, c->averaging_constant);
  put_u32(w, (uint32_t)c->bins);
  put_u32(w, (uint32_t)c->upsample_rate);
  put_f64(w, c->percentile);
  put_u32(w, (uint32_t)c->start_bin);
  put_u32(w, (uint32_t)c->stride);
  put_u64(w, (uint64_t)c->exact_limit);
  put_f32(w, c->mse_norm);
  put_u32(w, (uint32_t)c->mse_grid);
  put_f32(w, c->mse_maxshrink);
  put_u32(w, (uint32_t)c->lsq_steps);
  put_f32(w, c->lsq_lr);
  put_u32(w, (uint32_t)c->torch_compat);
  put_u64(w, o->nch);
  put_u64(w, o->batches);
  for (size_t ch = 0; ch < o->nch; ch++) {
    put_f32(w, o->mn[ch]);
    put_f32(w, o->mx[ch]);
    if (o->h) {
      const obs_hist* h = &o->h[ch];
      put_u64(w, h->nb);
      put_f32(w, h->lo);
      put_f32(w, h->hi);
      put_f32(w, h->width);
      put_f64(w, h->mass);
      for (size_t i = 0; i < h->nb; i++) put_f64(w, h->counts[i]);
    }
    if (o->st) {
      const obs_store* s = &o->st[ch];
      put_u32(w, (uint32_t)s->overflowed);
      put_u64(w, s->n);
      for (size_t i = 0; i < s->n; i++) put_f32(w, s->v[i]);
    }
  }
}

lq_status lq_observer_save(const lq_observer* obs, void* buf, size_t* size) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(size);
  wr w = {NULL, 0};
  put_payload(&w, obs);
  size_t need = OBS_HEADER + w.n;
  if (buf == NULL) {
    *size = need;
    return LQ_OK;
  }
  if (*size < need) {
    *size = need;
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "observer needs %zu bytes", need);
  }
  uint8_t* out = buf;
  wr pw = {out + OBS_HEADER, 0};
  put_payload(&pw, obs);
  wr hw = {out, 0};
  memcpy(out, OBS_MAGIC, 4);
  hw.n = 4;
  put_u32(&hw, OBS_FORMAT_VERSION);
  put_u32(&hw, (uint32_t)obs->cfg.method);
  put_u64(&hw, pw.n);
  put_u32(&hw, crc32_update(0, out + OBS_HEADER, pw.n));
  *size = need;
  return LQ_OK;
}

typedef struct rd {
  const uint8_t* p;
  size_t n, pos;
  int bad;
} rd;

static uint64_t get(rd* r, int bytes) {
  if (r->bad || r->n - r->pos < (size_t)bytes) {
    r->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= (uint64_t)r->p[r->pos + i] << (8 * i);
  r->pos += (size_t)bytes;
  return v;
}
static int32_t get_i32(rd* r) { return (int32_t)(uint32_t)get(r, 4); }
static uint64_t get_u64(rd* r) { return get(r, 8); }
static float get_f32(rd* r) {
  uint32_t u = (uint32_t)get(r, 4);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static double get_f64(rd* r) {
  uint64_t u = get(r, 8);
  double f;
  memcpy(&f, &u, 8);
  return f;
}

#define FORMAT_CHECK(cond, ...)                                     \
  do {                                                              \
    if (!(cond)) {                                                  \
      s = lq_fail(LQ_ERR_FORMAT, __VA_ARGS__);                      \
      goto fail;                                                    \
    }                                                               \
  } while (0)

lq_status lq_observer_load(const void* buf, size_t size, lq_observer** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  LQ_REQUIRE_PTR(buf);
  const uint8_t* b = buf;
  if (size < OBS_HEADER) return lq_fail(LQ_ERR_FORMAT, "observer buffer of %zu bytes is shorter than its header", size);
  if (memcmp(b, OBS_MAGIC, 4) != 0) return lq_fail(LQ_ERR_FORMAT, "not an observer buffer (bad magic)");
  rd h = {b, OBS_HEADER, 4, 0};
  uint32_t version = (uint32_t)get(&h, 4), kind = (uint32_t)get(&h, 4);
  uint64_t len = get_u64(&h);
  uint32_t crc = (uint32_t)get(&h, 4);
  if (version != OBS_FORMAT_VERSION) return lq_fail(LQ_ERR_FORMAT, "observer format version %u is not supported", version);
  if (kind >= LQ_OBSERVER_METHOD_COUNT_) return lq_fail(LQ_ERR_FORMAT, "observer kind %u is unknown", kind);
  if (len != size - OBS_HEADER)
    return lq_fail(LQ_ERR_FORMAT, "observer payload length %llu does not match the %zu bytes given",
                   (unsigned long long)len, size - OBS_HEADER);
  if (crc32_update(0, b + OBS_HEADER, (size_t)len) != crc) return lq_fail(LQ_ERR_FORMAT, "observer checksum mismatch");
  rd r = {b + OBS_HEADER, (size_t)len, 0, 0};
  lq_observer_config c;
  memset(&c, 0, sizeof c);
  c.method = (lq_observer_method)get_i32(&r);
  c.dtype = (lq_observer_dtype)get_i32(&r);
  c.range.bits = get_i32(&r);
  c.range.signedness = (lq_signedness)get_i32(&r);
  c.range.mapping = (lq_mapping)get_i32(&r);
  c.range.narrow = get_i32(&r);
  c.range.reduce_range = get_i32(&r);
  c.range.sym_scale = (lq_sym_scale)get_i32(&r);
  c.range.eps = get_f32(&r);
  c.range.qmin = get_i32(&r);
  c.range.qmax = get_i32(&r);
  c.granularity = (lq_granularity)get_i32(&r);
  c.axis = get_i32(&r);
  c.averaging_constant = get_f32(&r);
  c.bins = get_i32(&r);
  c.upsample_rate = get_i32(&r);
  c.percentile = get_f64(&r);
  c.start_bin = get_i32(&r);
  c.stride = get_i32(&r);
  c.exact_limit = (int64_t)get_u64(&r);
  c.mse_norm = get_f32(&r);
  c.mse_grid = get_i32(&r);
  c.mse_maxshrink = get_f32(&r);
  c.lsq_steps = get_i32(&r);
  c.lsq_lr = get_f32(&r);
  c.torch_compat = get_i32(&r);
  if (r.bad) return lq_fail(LQ_ERR_FORMAT, "observer payload truncated in its config");
  if ((uint32_t)c.method != kind) return lq_fail(LQ_ERR_FORMAT, "observer kind %u does not match its config", kind);
  lq_observer_config norm;
  if (obs_normalise_config(&c, &norm) != LQ_OK || memcmp(&norm, &c, sizeof c) != 0)
    return lq_fail(LQ_ERR_FORMAT, "observer config in the buffer is invalid");
  lq_observer* o;
  lq_status s = lq_observer_create(&c, &o);
  if (s != LQ_OK) return s;
  uint64_t nch = get_u64(&r);
  o->batches = get_u64(&r);
  FORMAT_CHECK(!r.bad, "observer payload truncated");
  if (c.granularity == LQ_GRAN_TENSOR) {
    FORMAT_CHECK(nch == 1, "per-tensor observer with %llu channels", (unsigned long long)nch);
  } else {
    FORMAT_CHECK(nch <= LQ_OBS_MAX_CHANNELS && nch * 8 <= r.n - r.pos, "channel count %llu is invalid",
                 (unsigned long long)nch);
    FORMAT_CHECK((nch == 0) == (o->batches == 0), "channel count and batch count disagree");
    if (nch) {
      s = obs_alloc_channels(o, (size_t)nch);
      if (s != LQ_OK) goto fail;
    }
  }
  const int strict = c.method != LQ_OBSERVER_MINMAX && c.method != LQ_OBSERVER_MOVING_AVERAGE;
  for (size_t ch = 0; ch < o->nch; ch++) {
    float mn = get_f32(&r), mx = get_f32(&r);
    FORMAT_CHECK(!r.bad, "observer payload truncated");
    int unset = mn == INFINITY && mx == -INFINITY;
    if (strict) FORMAT_CHECK(unset || (isfinite(mn) && isfinite(mx) && mn <= mx), "channel %zu range is invalid", ch);
    else FORMAT_CHECK(unset || (mn != mn || mx != mx) || mn <= mx, "channel %zu range is invalid", ch);
    FORMAT_CHECK(unset == (o->batches == 0), "channel %zu range disagrees with the batch count", ch);
    o->mn[ch] = mn;
    o->mx[ch] = mx;
    if (o->h) {
      obs_hist* hh = &o->h[ch];
      uint64_t nb = get_u64(&r);
      float lo = get_f32(&r), hi = get_f32(&r), width = get_f32(&r);
      double mass = get_f64(&r);
      FORMAT_CHECK(!r.bad && nb <= (r.n - r.pos) / 8, "histogram of channel %zu truncated", ch);
      FORMAT_CHECK(isfinite(mass) && mass >= 0 && isfinite(lo) && isfinite(hi) && isfinite(width),
                   "histogram header of channel %zu is invalid", ch);
      if (c.method == LQ_OBSERVER_HISTOGRAM)
        FORMAT_CHECK(nb == 0 || nb == (uint64_t)c.bins, "histogram of channel %zu has %llu bins", ch,
                     (unsigned long long)nb);
      else
        FORMAT_CHECK(nb == 0 || (nb <= LQ_OBS_MAX_NVBINS && width > 0 && hi > 0),
                     "|x| histogram of channel %zu is invalid", ch);
      if (nb) {
        s = obs_hist_reserve(hh, (size_t)nb);
        if (s != LQ_OK) goto fail;
      }
      for (size_t i = 0; i < nb; i++) {
        double v = get_f64(&r);
        FORMAT_CHECK(isfinite(v) && v >= 0, "histogram count %zu of channel %zu is invalid", i, ch);
        hh->counts[i] = v;
      }
      hh->lo = lo;
      hh->hi = hi;
      hh->width = width;
      hh->mass = mass;
    }
    if (o->st) {
      obs_store* st = &o->st[ch];
      int32_t ovf = get_i32(&r);
      uint64_t n = get_u64(&r);
      FORMAT_CHECK(!r.bad && (ovf == 0 || ovf == 1) && n <= (r.n - r.pos) / 4 && (!ovf || n == 0),
                   "data of channel %zu is invalid", ch);
      st->overflowed = ovf;
      if (n) {
        void* p;
        s = lq_alloc_array((size_t)n, sizeof(float), "observer data", &p);
        if (s != LQ_OK) goto fail;
        st->v = p;
        st->cap = (size_t)n;
      }
      for (size_t i = 0; i < n; i++) {
        float v = get_f32(&r);
        FORMAT_CHECK(isfinite(v), "data value %zu of channel %zu is not finite", i, ch);
        st->v[i] = v;
        st->n = i + 1;
      }
    }
  }
  FORMAT_CHECK(r.pos == r.n, "%zu unexpected trailing bytes in the observer payload", r.n - r.pos);
  *out = o;
  return LQ_OK;
fail:
  lq_observer_destroy(o);
  return s;
}
