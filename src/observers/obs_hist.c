/* Histogram observers: PyTorch's HistogramObserver (grow by up/down-sampling,
 * L2 non-linear parameter search) and NVIDIA pytorch-quantization's |x|
 * histogram with its percentile, MSE and entropy (KL) calibrators. Counts are
 * kept in double (torch keeps float32, which stops counting at 2^24 per bin). */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "observers/obs_internal.h"

lq_status obs_hist_reserve(obs_hist* h, size_t nb) {
  if (nb > h->cap) {
    void* p;
    LQ_CHECK(lq_calloc_array(nb, sizeof(double), "histogram", &p));
    if (h->counts) memcpy(p, h->counts, h->nb * sizeof(double));
    free(h->counts);
    h->counts = p;
    h->cap = nb;
  }
  if (nb > h->nb) memset(h->counts + h->nb, 0, (nb - h->nb) * sizeof(double));
  h->nb = nb;
  return LQ_OK;
}

/* Adds channel c's elements of the batch, histogrammed over [lo, hi] with nb
 * bins by torch.histc's rule, into out[0..nb). */
static lq_status hist_accumulate(lq_observer* o, const float* x, const obs_layout* L, size_t c, float lo,
                                 float hi, size_t nb, int absval, double* out) {
  if (!(lo < hi) || !isfinite(hi - lo))
    return lq_fail(LQ_ERR_NUMERIC, "histogram range [%g, %g] is empty or too wide", (double)lo, (double)hi);
  LQ_CHECK(obs_ensure_tmp(o, nb));
  memset(o->tmp, 0, nb * sizeof(uint32_t));
  const lq_dispatch* d = lq_dispatch_get();
  const size_t chunk = (size_t)1 << 30; /* keeps uint32 bin counts from wrapping */
  size_t since_flush = 0;
  for (size_t r = 0; r < L->outer; r++) {
    const float* blk = x + (r * L->ch + c) * L->inner;
    for (size_t off = 0; off < L->inner; off += chunk) {
      size_t m = L->inner - off < chunk ? L->inner - off : chunk;
      if (since_flush + m > ((size_t)1 << 31)) {
        for (size_t i = 0; i < nb; i++) out[i] += (double)o->tmp[i];
        memset(o->tmp, 0, nb * sizeof(uint32_t));
        since_flush = 0;
      }
      d->obs_hist_f32(m, blk + off, lo, hi, (uint32_t)nb, absval, o->tmp);
      since_flush += m;
    }
  }
  for (size_t i = 0; i < nb; i++) out[i] += (double)o->tmp[i];
  return LQ_OK;
}

/* torch.histc's choice of outer edges for explicit (min, max) arguments. */
static void histc_edges(double lo, double hi, float bmn, float bmx, float* flo, float* fhi) {
  if (lo == hi) {
    lo = bmn;
    hi = bmx;
  }
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  *flo = (float)lo;
  *fhi = (float)hi;
}

/* Adds a histogram over [lo, hi] (nb bins; lo == hi: all mass at lo) into
 * one over [nlo, nhi] (nnb bins), each source bin spread by overlap. */
static void rebin_add(const double* src, size_t nb, double mass, float lo, float hi, double* dst, size_t nnb,
                      float nlo, float nhi) {
  const double nw = ((double)nhi - (double)nlo) / (double)nnb;
  if (mass != 0.0 || lo == hi) {
    double v = mass;
    if (lo == hi)
      for (size_t i = 0; i < nb; i++) v += src[i];
    double p = ((double)lo - nlo) / nw;
    size_t k = p <= 0 ? 0 : p >= (double)nnb ? nnb - 1 : (size_t)p;
    dst[k] += v;
    if (lo == hi) return;
  }
  const double w = ((double)hi - (double)lo) / (double)nb;
  for (size_t i = 0; i < nb; i++) {
    if (src[i] == 0.0) continue;
    double a = ((double)lo + w * (double)i - nlo) / nw, e = ((double)lo + w * (double)(i + 1) - nlo) / nw;
    if (a < 0) a = 0;
    if (e > (double)nnb) e = (double)nnb;
    if (!(e > a)) { /* collapsed by rounding: keep the mass */
      size_t k = a >= (double)nnb ? nnb - 1 : (size_t)a;
      dst[k] += src[i];
      continue;
    }
    double per = src[i] / (e - a);
    while (a < e) {
      size_t k = (size_t)a;
      if (k >= nnb) k = nnb - 1;
      double end = (double)(k + 1) < e ? (double)(k + 1) : e;
      if (k == nnb - 1) end = e;
      dst[k] += per * (end - a);
      a = end;
    }
  }
}

/* ------------------------------------------------ torch HistogramObserver -- */

static lq_status torch_channel_observe(lq_observer* o, const float* x, const obs_layout* L, size_t c) {
  obs_hist* h = &o->h[c];
  const size_t bins = (size_t)o->cfg.bins;
  const int compat = o->cfg.torch_compat;
  const float bmn = o->bmn[c], bmx = o->bmx[c];
  float mn = o->mn[c], mx = o->mx[c];
  const double count = (double)L->outer * (double)L->inner;
  const int uninit = mn == INFINITY && mx == -INFINITY;
  if (uninit || (compat && mn == mx)) {
    /* first batch (torch also restarts here when min == max, dropping the old counts) */
    LQ_CHECK(obs_hist_reserve(h, bins));
    memset(h->counts, 0, bins * sizeof(double));
    h->mass = 0;
    o->mn[c] = bmn;
    o->mx[c] = bmx;
    if (compat) { /* torch 1.13: histc(x, bins, min=int(min), max=int(max)) */
      float lo, hi;
      histc_edges(trunc((double)bmn), trunc((double)bmx), bmn, bmx, &lo, &hi);
      return hist_accumulate(o, x, L, c, lo, hi, bins, 0, h->counts);
    }
    if (bmn == bmx) {
      h->mass = count; /* a single value: no bins yet */
      return LQ_OK;
    }
    return hist_accumulate(o, x, L, c, bmn, bmx, bins, 0, h->counts);
  }
  float cmin = bmn < mn ? bmn : mn, cmax = bmx > mx ? bmx : mx;
  if (mn == mx) { /* intended algorithm, single value so far: open bins over the new range */
    if (cmin == cmax) {
      h->mass += count;
      return LQ_OK;
    }
    memset(h->counts, 0, bins * sizeof(double));
    LQ_CHECK(hist_accumulate(o, x, L, c, cmin, cmax, bins, 0, h->counts));
    double none = 0;
    rebin_add(&none, 1, h->mass, mn, mn, h->counts, bins, cmin, cmax);
    h->mass = 0;
    o->mn[c] = cmin;
    o->mx[c] = cmax;
    return LQ_OK;
  }
  /* torch's _adjust_min_max, in float32 like its tensors */
  const int64_t ups = o->cfg.upsample_rate;
  const float hbw = (mx - mn) / (float)((int64_t)bins * ups);
  const float t = (float)bins * hbw;
  const float down_f = ceilf((cmax - cmin) / t);
  if (!(down_f >= 1.0f) || down_f > 1e15f)
    return lq_fail(LQ_ERR_NUMERIC, "histogram range grows by a factor the re-binning cannot represent");
  const double down = (double)down_f;
  const float e = down_f * t - (cmax - cmin);
  cmax = cmax + e;
  const double start = (double)nearbyintf((mn - cmin) / hbw);
  float lo = cmin, hi = cmax;
  if (compat) histc_edges(trunc((double)cmin), trunc((double)cmax), bmn, bmx, &lo, &hi);
  if (cmin == mn && cmax == mx) return hist_accumulate(o, x, L, c, lo, hi, bins, 0, h->counts);
  void* p;
  LQ_CHECK(lq_calloc_array(bins, sizeof(double), "histogram", &p));
  double* nh = p;
  lq_status s = hist_accumulate(o, x, L, c, lo, hi, bins, 0, nh);
  if (s != LQ_OK) {
    free(nh);
    return s;
  }
  /* torch's _combine_histograms: old bin b covers fine cells
   * [start + b*ups, start + (b+1)*ups) of bins*down cells; coarse bin k
   * sums cells [k*down, (k+1)*down) and divides by ups. */
  const double total_cells = (double)bins * down;
  for (size_t b = 0; b < bins; b++) {
    double v = h->counts[b];
    if (v == 0.0) continue;
    double a = start + (double)b * (double)ups, end = a + (double)ups;
    if (end > total_cells) end = total_cells; /* torch would fail here; drop the overhang */
    while (a < end) {
      double k = floor(a / down);
      double kend = (k + 1) * down;
      double seg = kend < end ? kend : end;
      nh[(size_t)k] += v * (seg - a) / (double)ups;
      a = seg;
    }
  }
  free(h->counts);
  h->counts = nh;
  h->cap = bins;
  o->mn[c] = cmin;
  o->mx[c] = cmax;
  return LQ_OK;
}

lq_status obs_hist_torch_observe(lq_observer* o, const float* x, const obs_layout* L) {
  for (size_t c = 0; c < o->nch; c++) LQ_CHECK(torch_channel_observe(o, x, L, c));
  return LQ_OK;
}

/* L2 error of quantizing bins [ns, ne] into dst_nbins levels (torch's
 * _compute_quantization_error), in double. */
static double torch_l2_error(const double* hist, size_t bins, double bw, size_t ns, size_t ne, double dst) {
  double dw = bw * (double)(ne - ns + 1) / dst;
  if (dw == 0.0) return 0.0;
  double half3 = (dw / 2) * (dw / 2) * (dw / 2);
  double norm = 0;
  for (size_t i = 0; i < bins; i++) {
    if (hist[i] == 0.0) continue;
    double b = ((double)i - (double)ns) * bw, e = b + bw;
    double db = floor(b / dw), de = floor(e / dw);
    db = db < 0 ? 0 : db > dst - 1 ? dst - 1 : db;
    de = de < 0 ? 0 : de > dst - 1 ? dst - 1 : de;
    double density = hist[i] / bw;
    double d1 = b - (db + 0.5) * dw;
    double d3 = e - (de + 0.5) * dw;
    norm += density * (half3 - d1 * d1 * d1) / 3;
    norm += (de - db - 1) * density * (2 * half3) / 3;
    norm += density * (d3 * d3 * d3 + half3) / 3;
  }
  return norm;
}

lq_status obs_hist_torch_range(const lq_observer* o, size_t c, float* lo, float* hi) {
  const obs_hist* h = &o->h[c];
  const float mn = o->mn[c], mx = o->mx[c];
  *lo = mn;
  *hi = mx;
  if (mn == mx || h->nb == 0) return LQ_OK;
  const size_t bins = h->nb;
  void* p;
  LQ_CHECK(lq_alloc_array(bins, sizeof(double), "cumulative histogram", &p));
  double* cs = p;
  double total = 0;
  for (size_t i = 0; i < bins; i++) cs[i] = (total += h->counts[i]);
  const float bw_f = (mx - mn) / (float)bins;
  const double bw_d = ((double)mx - (double)mn) / (double)bins;
  const double dst = ldexp(1.0, o->rc.bits);
  double alpha = 0.0, beta = 1.0, norm_min = INFINITY;
  size_t start = 0, end = bins - 1;
  /* F: first index with cs >= thr_a (non-decreasing as alpha grows);
   * G: last index with cs <= thr_b (non-increasing as beta shrinks). */
  size_t F = 0;
  ptrdiff_t G = (ptrdiff_t)bins - 1;
  while (alpha < beta) {
    double na = alpha + 1e-5, nbeta = beta - 1e-5;
    /* torch compares float32 tensors with the python threshold cast to float */
    float ta = (float)(na * total), tb = (float)(nbeta * total);
    while (F < bins && (float)cs[F] < ta) F++;
    while (G >= 0 && (float)cs[G] > tb) G--;
    size_t l = F > start ? F : start;
    if (l > end) l = end;
    ptrdiff_t rr = G < (ptrdiff_t)end ? G : (ptrdiff_t)end;
    size_t r = rr < (ptrdiff_t)start ? start : (size_t)rr;
    size_t ns = start, ne = end;
    if (l - start > end - r) {
      ns = l;
      alpha = na;
    } else {
      ne = r;
      beta = nbeta;
    }
    if (ns == start && ne == end) continue;
    double norm = torch_l2_error(h->counts, bins, bw_d, ns, ne, dst);
    if (norm > norm_min) break;
    norm_min = norm;
    start = ns;
    end = ne;
  }
  free(cs);
  *lo = mn + bw_f * (float)start;
  *hi = mn + bw_f * (float)(end + 1);
  return LQ_OK;
}

lq_status obs_hist_torch_merge(lq_observer* dst, const lq_observer* src, size_t c) {
  obs_hist* d = &dst->h[c];
  const obs_hist* s = &src->h[c];
  const size_t bins = (size_t)dst->cfg.bins;
  float smn = src->mn[c], smx = src->mx[c], dmn = dst->mn[c], dmx = dst->mx[c];
  if (smn == INFINITY && smx == -INFINITY) return LQ_OK;
  if (dmn == INFINITY && dmx == -INFINITY) {
    LQ_CHECK(obs_hist_reserve(d, bins));
    if (s->nb) memcpy(d->counts, s->counts, bins * sizeof(double));
    else memset(d->counts, 0, bins * sizeof(double));
    d->mass = s->mass;
    dst->mn[c] = smn;
    dst->mx[c] = smx;
    return LQ_OK;
  }
  LQ_CHECK(obs_hist_reserve(d, bins));
  if (dmn == smn && dmx == smx) { /* same grid: exact */
    if (s->nb)
      for (size_t i = 0; i < bins; i++) d->counts[i] += s->counts[i];
    d->mass += s->mass;
    return LQ_OK;
  }
  float cmin = smn < dmn ? smn : dmn, cmax = smx > dmx ? smx : dmx;
  void* p;
  LQ_CHECK(lq_calloc_array(bins, sizeof(double), "histogram", &p));
  double* nh = p;
  double zero = 0;
  rebin_add(d->counts, bins, d->mass, dmn, dmx, nh, bins, cmin, cmax);
  if (s->nb) rebin_add(s->counts, bins, s->mass, smn, smx, nh, bins, cmin, cmax);
  else rebin_add(&zero, 1, s->mass, smn, smx, nh, bins, cmin, cmax);
  free(d->counts);
  d->counts = nh;
  d->cap = bins;
  d->mass = 0;
  dst->mn[c] = cmin;
  dst->mx[c] = cmax;
  return LQ_OK;
}

/* ------------------------------------------- NVIDIA |x| histogram -------- */

static float nv_edge(size_t i, float width) { return (float)((double)i * (double)width); }

static lq_status nv_grow(obs_hist* h, float amax) {
  size_t nb = (size_t)ceilf(amax / h->width);
  while (nv_edge(nb, h->width) < amax) nb++;
  if (nb > LQ_OBS_MAX_NVBINS)
    return lq_fail(LQ_ERR_UNSUPPORTED, "|x| histogram would need %zu bins (> 2^24): range grew too much", nb);
  if (nb > h->nb) {
    LQ_CHECK(obs_hist_reserve(h, nb));
    h->hi = nv_edge(nb, h->width);
  }
  return LQ_OK;
}

lq_status obs_hist_nv_observe(lq_observer* o, const float* x, const obs_layout* L) {
  for (size_t c = 0; c < o->nch; c++) {
    obs_hist* h = &o->h[c];
    float amax = fabsf(o->bmn[c]) > fabsf(o->bmx[c]) ? fabsf(o->bmn[c]) : fabsf(o->bmx[c]);
    if (h->nb == 0) {
      if (amax == 0.0f) {
        h->mass += (double)L->outer * (double)L->inner; /* zeros before any range exists */
        continue;
      }
      size_t bins = (size_t)o->cfg.bins;
      LQ_CHECK(obs_hist_reserve(h, bins));
      h->width = amax / (float)bins;
      if (!(h->width > 0.0f)) return lq_fail(LQ_ERR_NUMERIC, "|x| max %g is too small to bin", (double)amax);
      h->hi = amax;
      h->counts[0] += h->mass;
      h->mass = 0;
    } else if (amax > h->hi) {
      LQ_CHECK(nv_grow(h, amax));
    }
    LQ_CHECK(hist_accumulate(o, x, L, c, 0.0f, h->hi, h->nb, 1, h->counts));
  }
  return LQ_OK;
}

lq_status obs_hist_nv_amax(const lq_observer* o, size_t c, float* amax) {
  const obs_hist* h = &o->h[c];
  if (h->nb == 0) {
    *amax = 0.0f;
    return LQ_OK;
  }
  int is_unsigned = o->cfg.dtype == LQ_OBSERVER_QUINT && o->mn[c] >= 0.0f;
  return lq_hist_amax(o->cfg.method, h->counts, h->nb, h->width, o->rc.bits, is_unsigned, o->cfg.percentile,
                      o->cfg.start_bin, o->cfg.stride, amax);
}

lq_status obs_hist_nv_merge(lq_observer* dst, const lq_observer* src, size_t c) {
  obs_hist* d = &dst->h[c];
  const obs_hist* s = &src->h[c];
  if (s->nb == 0) {
    if (d->nb == 0) d->mass += s->mass;
    else d->counts[0] += s->mass;
    return LQ_OK;
  }
  if (d->nb == 0) {
    double m = d->mass;
    LQ_CHECK(obs_hist_reserve(d, s->nb));
    memcpy(d->counts, s->counts, s->nb * sizeof(double));
    d->width = s->width;
    d->hi = s->hi;
    d->counts[0] += m;
    d->mass = 0;
    return LQ_OK;
  }
  if (s->hi > d->hi) LQ_CHECK(nv_grow(d, s->hi));
  if (d->width == s->width) { /* same grid: exact */
    for (size_t i = 0; i < s->nb; i++) d->counts[i] += s->counts[i];
  } else {
    rebin_add(s->counts, s->nb, 0.0, 0.0f, nv_edge(s->nb, s->width), d->counts, d->nb, 0.0f, d->hi);
  }
  d->counts[0] += s->mass;
  return LQ_OK;
}

/* ------------------------------------------------- NVIDIA compute_amax -- */

static lq_status amax_percentile(const double* hist, size_t nb, float w, double total, double p, float* out) {
  double cdf = 0, target = p / 100.0;
  size_t idx = nb;
  for (size_t i = 0; i < nb; i++) {
    cdf += hist[i] / total; /* numpy: cumsum(hist / total) */
    if (cdf >= target) {
      idx = i;
      break;
    }
  }
  *out = nv_edge(idx, w);
  return LQ_OK;
}

static lq_status amax_mse(const double* hist, size_t nb, float w, int32_t bits, int is_unsigned, size_t start,
                          size_t stride, float* out) {
  void* p;
  LQ_CHECK(lq_alloc_array(nb, sizeof(float), "bin centres", &p));
  float* ctr = p;
  for (size_t i = 0; i < nb; i++) ctr[i] = (nv_edge(i + 1, w) + nv_edge(i, w)) / 2.0f;
  const float maxb = (float)((1u << (bits - 1 + is_unsigned)) - 1u);
  const float minb = is_unsigned ? 0.0f : -maxb;
  double best = INFINITY;
  size_t arg = start;
  for (size_t i = start; i < nb; i += stride) { /* range(start_bin, len(centers), stride) */
    float amax = ctr[i];
    float scale = maxb / amax; /* narrow range, TensorRT convention q = x * scale */
    double err = 0;
    for (size_t j = 0; j < nb; j++) {
      if (hist[j] == 0.0) continue;
      float q = nearbyintf(ctr[j] * scale);
      q = q < minb ? minb : q > maxb ? maxb : q;
      double d = (double)(q / scale) - (double)ctr[j];
      err += d * d * hist[j];
    }
    err /= (double)nb;
    if (err < best) { /* first minimum (np.argmin) */
      best = err;
      arg = i;
    }
  }
  *out = ctr[arg];
  free(ctr);
  return LQ_OK;
}

static lq_status amax_kl(const double* hist_in, size_t nb, float w, int32_t bits, int is_unsigned, size_t start,
                         size_t stride, float* out) {
  const size_t nq = (size_t)1 << (bits - 1 + is_unsigned);
  void *pb, *pq, *pc, *pd;
  LQ_CHECK(lq_alloc_array(nb, sizeof(double), "KL bins", &pb));
  if (lq_alloc_array(nq, sizeof(double), "KL levels", &pq) != LQ_OK) {
    free(pb);
    return LQ_ERR_OUT_OF_MEMORY;
  }
  if (lq_alloc_array(nq, sizeof(double), "KL level counts", &pc) != LQ_OK) {
    free(pb);
    free(pq);
    return LQ_ERR_OUT_OF_MEMORY;
  }
  if (lq_alloc_array(nb + 1, sizeof(double), "KL tail sums", &pd) != LQ_OK) {
    free(pb);
    free(pq);
    free(pc);
    return LQ_ERR_OUT_OF_MEMORY;
  }
  double *bins = pb, *lev = pq, *cnt = pc, *tail = pd;
  memcpy(bins, hist_in, nb * sizeof(double));
  if (nb >= 2) bins[0] = bins[1]; /* NVIDIA suppresses the spike at zero */
  tail[nb] = 0;
  for (size_t k = nb; k-- > 0;) tail[k] = tail[k + 1] + bins[k];
  const double total = tail[0];
  double best = INFINITY;
  size_t arg = start;
  for (size_t i = start; i <= nb; i += stride) {
    memset(lev, 0, nq * sizeof(double));
    memset(cnt, 0, nq * sizeof(double));
    for (size_t k = 0; k < i; k++) {
      if (bins[k] == 0.0) continue;
      size_t j = (size_t)(((uint64_t)k * nq) / i);
      lev[j] += bins[k];
      cnt[j] += 1;
    }
    double qsum = 0;
    for (size_t j = 0; j < nq; j++)
      if (cnt[j] > 0) qsum += lev[j]; /* sum of the expanded distribution */
    double psum = total, kl = 0;
    for (size_t k = 0; k < i; k++) {
      double pk = bins[k];
      if (k == i - 1) pk += tail[i];
      if (pk == 0.0) continue;
      double qk = 0;
      if (bins[k] != 0.0) {
        size_t j = (size_t)(((uint64_t)k * nq) / i);
        qk = lev[j] / cnt[j];
      }
      if (qk == 0.0 || qsum == 0.0) {
        kl = INFINITY;
        break;
      }
      double pn = pk / psum, qn = qk / qsum;
      kl += pn * log(pn / qn);
    }
    if (kl <= best) { /* last minimum wins */
      best = kl;
      arg = i;
    }
  }
  *out = nv_edge(arg, w);
  free(bins);
  free(lev);
  free(cnt);
  free(tail);
  return LQ_OK;
}

lq_status lq_hist_amax(lq_observer_method method, const double* hist, size_t nbins, float bin_width, int32_t bits,
                       int32_t is_unsigned, double percentile, int32_t start_bin, int32_t stride, float* amax_out) {
  LQ_REQUIRE_PTR(hist);
  LQ_REQUIRE_PTR(amax_out);
  if (nbins == 0 || nbins > LQ_OBS_MAX_NVBINS)
    return lq_fail(LQ_ERR_INVALID_ARG, "nbins %zu outside [1, 2^24]", nbins);
  if (!(bin_width > 0.0f) || !isfinite(bin_width))
    return lq_fail(LQ_ERR_INVALID_ARG, "bin_width %g must be finite and > 0", (double)bin_width);
  if (bits < 1 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "bits %d outside 1..16", (int)bits);
  if (is_unsigned != 0 && is_unsigned != 1)
    return lq_fail(LQ_ERR_INVALID_ARG, "is_unsigned %d must be 0 or 1", (int)is_unsigned);
  if (!is_unsigned && bits < 2 && method != LQ_OBSERVER_PERCENTILE)
    return lq_fail(LQ_ERR_INVALID_ARG, "signed calibration needs at least 2 bits");
  double total = 0;
  for (size_t i = 0; i < nbins; i++) {
    if (!(hist[i] >= 0.0) || !isfinite(hist[i]))
      return lq_fail(LQ_ERR_INVALID_ARG, "histogram count %zu is negative or not finite", i);
    total += hist[i];
  }
  if (!(total > 0.0)) return lq_fail(LQ_ERR_INVALID_ARG, "histogram is empty");
  switch (method) {
    case LQ_OBSERVER_PERCENTILE:
      if (!(percentile >= 0.0 && percentile <= 100.0))
        return lq_fail(LQ_ERR_INVALID_ARG, "percentile %g outside [0, 100]", percentile);
      return amax_percentile(hist, nbins, bin_width, total, percentile, amax_out);
    case LQ_OBSERVER_HIST_MSE:
    case LQ_OBSERVER_KL: {
      if (start_bin < 0 || stride < 1)
        return lq_fail(LQ_ERR_INVALID_ARG, "start_bin %d / stride %d invalid", (int)start_bin, (int)stride);
      if (method == LQ_OBSERVER_KL ? (start_bin < 1 || (size_t)start_bin > nbins) : (size_t)start_bin >= nbins)
        return lq_fail(LQ_ERR_INVALID_ARG, "no candidate bins: start_bin %d with %zu bins", (int)start_bin, nbins);
      if (method == LQ_OBSERVER_KL) return amax_kl(hist, nbins, bin_width, bits, is_unsigned, (size_t)start_bin,
                                                   (size_t)stride, amax_out);
      return amax_mse(hist, nbins, bin_width, bits, is_unsigned, (size_t)start_bin, (size_t)stride, amax_out);
    }
    default:
      return lq_fail(LQ_ERR_INVALID_ARG, "method %d is not a histogram calibrator", (int)method);
  }
}
