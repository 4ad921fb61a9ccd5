/* Lattice quantizers: nearest points of Z^n, D_n, A_n and E8 by Conway &
 * Sloane's rules ("Fast quantizing and decoding algorithms for lattice
 * quantizers and codes", IEEE Trans. IT 28(2), 1982), a saturating storable
 * form with an MSE-fitted scale, and a finite E8 code (all points up to a
 * squared norm). Arithmetic is in double: float inputs are exact there, so
 * the only rounding is the final multiply by the scale. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/lq_internal.h"

#define LAT_MAX_ABS 1073741824.0 /* 2^30: rounded coordinates stay exact ints */

static double round_half_up(double v) { return floor(v + 0.5); }

static void nearest_zn(size_t dim, const double* x, double* y) {
  for (size_t i = 0; i < dim; i++) y[i] = round_half_up(x[i]);
}

/* D_n: round; if the sum is odd, re-round the coordinate with the largest
 * rounding error the other way (first such coordinate). */
static void nearest_dn(size_t dim, const double* x, double* y) {
  double sum = 0.0, worst = -1.0;
  size_t k = 0;
  for (size_t i = 0; i < dim; i++) {
    y[i] = round_half_up(x[i]);
    sum += y[i];
    double e = fabs(x[i] - y[i]);
    if (e > worst) {
      worst = e;
      k = i;
    }
  }
  if (fmod(sum, 2.0) != 0.0) y[k] += (x[k] - y[k] > 0.0) ? 1.0 : -1.0;
}

/* A_n in dim = n+1 coordinates: round, then move the |Delta| coordinates
 * whose change costs least (the cost of y_i -> y_i -+ 1 is 1 +- 2 delta_i,
 * a separable convex problem, so the greedy choice is optimal for any x). */
static void nearest_an(size_t dim, const double* x, double* y, double* delta, size_t* order) {
  /* Project onto the hyperplane sum = 0 first (A_n lies in it, so the nearest
   * point is unchanged); then |rounding errors| <= 1/2 bound |Delta| by dim/2
   * and each coordinate moves at most once. */
  double mean = 0.0;
  for (size_t i = 0; i < dim; i++) mean += x[i];
  mean /= (double)dim;
  double sum = 0.0;
  for (size_t i = 0; i < dim; i++) {
    double xp = x[i] - mean;
    y[i] = round_half_up(xp);
    delta[i] = xp - y[i];
    sum += y[i];
    order[i] = i;
  }
  if (sum == 0.0) return;
  /* stable insertion sort of indices by delta ascending */
  for (size_t i = 1; i < dim; i++) {
    size_t v = order[i];
    size_t j = i;
    while (j > 0 && delta[order[j - 1]] > delta[v]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = v;
  }
  if (sum > 0.0) {
    size_t cnt = (size_t)sum;
    if (cnt > dim) cnt = dim; /* cannot happen after the projection; keeps indices in range */
    for (size_t t = 0; t < cnt; t++) y[order[t]] -= 1.0; /* smallest deltas; equal deltas: lower index */
  } else {
    size_t cnt = (size_t)(-sum);
    if (cnt > dim) cnt = dim;
    /* largest deltas; among equal deltas the lower index first */
    size_t t = 0, hi = dim;
    while (t < cnt) {
      size_t lo = hi - 1;
      while (lo > 0 && delta[order[lo - 1]] == delta[order[hi - 1]]) lo--;
      for (size_t j = lo; j < hi && t < cnt; j++, t++) y[order[j]] += 1.0;
      hi = lo;
    }
  }
}

static double dist2(size_t dim, const double* a, const double* b) {
  double s = 0.0;
  for (size_t i = 0; i < dim; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

/* E8 = D8 U (D8 + 1/2): the nearer of the two coset answers, D8 on ties. */
static void nearest_e8(const double* x, double* y) {
  double a[8], h[8], b[8];
  nearest_dn(8, x, a);
  for (int i = 0; i < 8; i++) h[i] = x[i] - 0.5;
  nearest_dn(8, h, b);
  for (int i = 0; i < 8; i++) b[i] += 0.5;
  const double* best = dist2(8, x, a) <= dist2(8, x, b) ? a : b;
  memcpy(y, best, sizeof a);
}

static lq_status check_type_dim(lq_lattice_type type, size_t dim) {
  switch (type) {
    case LQ_LATTICE_ZN:
    case LQ_LATTICE_DN:
      if (dim < 1) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: dim must be >= 1");
      break;
    case LQ_LATTICE_AN:
      if (dim < 2) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: A_n needs dim = n+1 >= 2 coordinates");
      break;
    case LQ_LATTICE_E8:
      if (dim != 8) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: E8 needs dim 8, got %zu", dim);
      break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "lattice: unknown type %d", (int)type);
  }
  if (dim > 65536) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: dim %zu above 65536", dim);
  return LQ_OK;
}

static lq_status check_scale(float scale) {
  if (!(scale > 0.0f) || !isfinite(scale))
    return lq_fail(LQ_ERR_INVALID_ARG, "lattice: scale must be finite and > 0");
  return LQ_OK;
}

typedef struct lat_work {
  double *u, *v, *delta;
  size_t* order;
} lat_work;

static lq_status work_alloc(size_t dim, lat_work* w) {
  memset(w, 0, sizeof *w);
  void* p;
  LQ_CHECK(lq_alloc_array(dim, 3 * sizeof(double) + sizeof(size_t), "lattice work", &p));
  w->u = p;
  w->v = w->u + dim;
  w->delta = w->v + dim;
  w->order = (size_t*)(w->delta + dim);
  return LQ_OK;
}

static void nearest_any(lq_lattice_type type, size_t dim, lat_work* w) {
  switch (type) {
    case LQ_LATTICE_ZN: nearest_zn(dim, w->u, w->v); break;
    case LQ_LATTICE_DN: nearest_dn(dim, w->u, w->v); break;
    case LQ_LATTICE_AN: nearest_an(dim, w->u, w->v, w->delta, w->order); break;
    default: nearest_e8(w->u, w->v); break;
  }
}

/* Loads x/scale into w->u, clipped to [-clip, clip] when clip >= 0. */
static lq_status load_scaled(size_t dim, const float* x, double scale, double clip, lat_work* w) {
  for (size_t i = 0; i < dim; i++) {
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "lattice: non-finite input");
    double u = (double)x[i] / scale;
    if (clip >= 0.0) u = u > clip ? clip : (u < -clip ? -clip : u);
    if (fabs(u) > LAT_MAX_ABS) return lq_fail(LQ_ERR_NUMERIC, "lattice: |x/scale| above 2^30");
    w->u[i] = u;
  }
  return LQ_OK;
}

lq_status lq_lattice_nearest(lq_lattice_type type, size_t dim, size_t n, const float* x, float scale, float* y) {
  LQ_CHECK(check_type_dim(type, dim));
  LQ_CHECK(check_scale(scale));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(y);
  size_t total;
  if (lq_mul_overflows(n, dim, &total)) return lq_fail(LQ_ERR_OVERFLOW, "lattice: n*dim overflows");
  lat_work w;
  LQ_CHECK(work_alloc(dim, &w));
  lq_status st = LQ_OK;
  for (size_t r = 0; r < n && st == LQ_OK; r++) {
    st = load_scaled(dim, x + r * dim, scale, -1.0, &w);
    if (st != LQ_OK) break;
    nearest_any(type, dim, &w);
    for (size_t i = 0; i < dim; i++) y[r * dim + i] = (float)(w.v[i] * (double)scale);
  }
  free(w.u);
  return st;
}

int lq_lattice_clip_bound(lq_lattice_type type, int bits) {
  if (bits < 1 || bits > 16) return -1;
  int q = (1 << (bits - 1)) - 1, c;
  switch (type) {
    case LQ_LATTICE_ZN: c = q; break;
    case LQ_LATTICE_DN: c = q - 1; break;
    case LQ_LATTICE_AN: c = (q - 1) / 2; break;
    case LQ_LATTICE_E8: c = (q - 3) / 2; break;
    default: return -1;
  }
  return c >= 1 ? c : -1; /* c = 0 would map everything to 0 */
}

/* One saturating quantization; accumulates the squared error when sse != NULL. */
static lq_status quantize_rows(lq_lattice_type type, size_t dim, size_t n, size_t stride_rows, const float* x,
                               double scale, int bits, float* y, int32_t* coords, double* sse) {
  double clip = (double)lq_lattice_clip_bound(type, bits);
  double unit = type == LQ_LATTICE_E8 ? 2.0 : 1.0;
  lat_work w;
  LQ_CHECK(work_alloc(dim, &w));
  lq_status st = LQ_OK;
  double acc = 0.0;
  for (size_t r = 0; r < n; r += stride_rows) {
    const float* xr = x + r * dim;
    st = load_scaled(dim, xr, scale, clip, &w);
    if (st != LQ_OK) break;
    nearest_any(type, dim, &w);
    for (size_t i = 0; i < dim; i++) {
      float q = (float)(w.v[i] * scale);
      if (sse) {
        double e = (double)xr[i] - (double)q;
        acc += e * e;
      }
      if (coords) coords[r * dim + i] = (int32_t)(w.v[i] * unit);
      if (y) y[r * dim + i] = q;
    }
  }
  free(w.u);
  if (sse) *sse = acc;
  return st;
}

lq_status lq_lattice_quantize(lq_lattice_type type, size_t dim, size_t n, const float* x, float scale, int bits,
                              float* y, int32_t* coords) {
  LQ_CHECK(check_type_dim(type, dim));
  LQ_CHECK(check_scale(scale));
  if (lq_lattice_clip_bound(type, bits) < 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "lattice: bits=%d out of range for this lattice", bits);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  size_t total;
  if (lq_mul_overflows(n, dim, &total)) return lq_fail(LQ_ERR_OVERFLOW, "lattice: n*dim overflows");
  return quantize_rows(type, dim, n, 1, x, scale, bits, y, coords, NULL);
}

lq_status lq_lattice_dequantize(lq_lattice_type type, size_t dim, size_t n, const int32_t* coords, float scale,
                                float* y) {
  LQ_CHECK(check_type_dim(type, dim));
  LQ_CHECK(check_scale(scale));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(coords);
  LQ_REQUIRE_PTR(y);
  size_t total;
  if (lq_mul_overflows(n, dim, &total)) return lq_fail(LQ_ERR_OVERFLOW, "lattice: n*dim overflows");
  double unit = type == LQ_LATTICE_E8 ? 0.5 : 1.0;
  for (size_t i = 0; i < total; i++) y[i] = (float)((double)coords[i] * unit * (double)scale);
  return LQ_OK;
}

/* ------------------------------------------------------------ scale fit -- */

typedef lq_status (*sse_fn)(const void* ctx, double scale, size_t stride, double* sse);

/* Grid then golden section over log-free scale; returns the best scale seen. */
static lq_status fit_scale_search(sse_fn f, const void* ctx, double s0, size_t stride, double* best_s) {
  enum { GRID = 41, GOLDEN = 40 };
  double grid_s[GRID], grid_e[GRID];
  size_t kbest = 0;
  for (int k = 0; k < GRID; k++) {
    grid_s[k] = s0 * exp2(-k / 4.0);
    LQ_CHECK(f(ctx, grid_s[k], stride, &grid_e[k]));
    if (grid_e[k] < grid_e[kbest]) kbest = (size_t)k;
  }
  double bs = grid_s[kbest], be = grid_e[kbest];
  double lo = grid_s[kbest + 1 < GRID ? kbest + 1 : kbest];
  double hi = grid_s[kbest > 0 ? kbest - 1 : 0];
  const double g = 0.6180339887498949;
  double a = lo, b = hi;
  double c = b - g * (b - a), d = a + g * (b - a);
  double ec, ed;
  LQ_CHECK(f(ctx, c, stride, &ec));
  LQ_CHECK(f(ctx, d, stride, &ed));
  for (int it = 0; it < GOLDEN; it++) {
    if (ec < be) { be = ec; bs = c; }
    if (ed < be) { be = ed; bs = d; }
    if (ec <= ed) {
      b = d; d = c; ed = ec;
      c = b - g * (b - a);
      LQ_CHECK(f(ctx, c, stride, &ec));
    } else {
      a = c; c = d; ec = ed;
      d = a + g * (b - a);
      LQ_CHECK(f(ctx, d, stride, &ed));
    }
  }
  if (ec < be) { be = ec; bs = c; }
  if (ed < be) { be = ed; bs = d; }
  *best_s = bs;
  return LQ_OK;
}

enum { FIT_MAX_ROWS = 16384 };

typedef struct lat_fit_ctx {
  lq_lattice_type type;
  size_t dim, n;
  const float* x;
  int bits;
} lat_fit_ctx;

static lq_status lat_sse(const void* p, double scale, size_t stride, double* sse) {
  const lat_fit_ctx* c = p;
  float s = (float)scale;
  if (!(s > 0.0f)) return lq_fail(LQ_ERR_NUMERIC, "lattice: scale underflows");
  return quantize_rows(c->type, c->dim, c->n, stride, c->x, s, c->bits, NULL, NULL, sse);
}

lq_status lq_lattice_fit_scale(lq_lattice_type type, size_t dim, size_t n, const float* x, int bits,
                               float* scale_out, double* mse_out) {
  LQ_CHECK(check_type_dim(type, dim));
  int clip = lq_lattice_clip_bound(type, bits);
  if (clip < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: bits=%d out of range for this lattice", bits);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: no vectors to fit a scale to");
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(scale_out);
  size_t total;
  if (lq_mul_overflows(n, dim, &total)) return lq_fail(LQ_ERR_OVERFLOW, "lattice: n*dim overflows");
  double amax = 0.0;
  for (size_t i = 0; i < total; i++) {
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "lattice: non-finite input");
    double a = fabs((double)x[i]);
    if (a > amax) amax = a;
  }
  lat_fit_ctx ctx = {type, dim, n, x, bits};
  double s = 1.0;
  double s0 = amax / clip;
  if (amax > 0.0 && (float)(s0 * exp2(-10.0)) > 0.0f && isfinite((float)s0)) {
    size_t stride = n > FIT_MAX_ROWS ? n / FIT_MAX_ROWS : 1;
    LQ_CHECK(fit_scale_search(lat_sse, &ctx, s0, stride, &s));
  }
  *scale_out = (float)s;
  if (mse_out) {
    double sse;
    LQ_CHECK(lat_sse(&ctx, (float)s, 1, &sse));
    *mse_out = sse / (double)total;
  }
  return LQ_OK;
}

/* ------------------------------------------------------- E8 shell code -- */

struct lq_e8_shell {
  int max_norm2;
  size_t size;
  int8_t* pts; /* size x 8, coordinates doubled (2y) */
  int32_t* norm4; /* |2y|^2 */
};

static int shell_cmp(const int8_t* a, int na, const int8_t* b, int nb) {
  if (na != nb) return na < nb ? -1 : 1;
  for (int i = 0; i < 8; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* Enumerates doubled coordinates t in lexicographic order within each
 * parity class, keeping all-even or all-odd vectors with sum(t) = 0 mod 4
 * (sum of y even) and |t|^2 <= lim. */
static void shell_enum(int8_t* t, int pos, int rem, int lim_c, int parity, int8_t* out, size_t* cnt, int store) {
  if (pos == 8) {
    int s = 0;
    for (int i = 0; i < 8; i++) s += t[i];
    if (((s % 4) + 4) % 4 != 0) return;
    if (store) memcpy(out + *cnt * 8, t, 8);
    (*cnt)++;
    return;
  }
  for (int v = -lim_c; v <= lim_c; v++) {
    if (((v % 2) + 2) % 2 != parity) continue;
    if (v * v > rem) continue;
    t[pos] = (int8_t)v;
    shell_enum(t, pos + 1, rem - v * v, lim_c, parity, out, cnt, store);
  }
}

static int norm4_of(const int8_t* p) {
  int s = 0;
  for (int i = 0; i < 8; i++) s += p[i] * p[i];
  return s;
}

static int sort_rec_cmp(const void* a, const void* b) {
  const int8_t* pa = a;
  const int8_t* pb = b;
  return shell_cmp(pa, norm4_of(pa), pb, norm4_of(pb));
}

lq_status lq_e8_shell_new(int max_norm2, lq_e8_shell** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (max_norm2 != 2 && max_norm2 != 4 && max_norm2 != 6 && max_norm2 != 8)
    return lq_fail(LQ_ERR_INVALID_ARG, "e8 shell: max_norm2 must be 2, 4, 6 or 8, got %d", max_norm2);
  int lim = 4 * max_norm2;
  int lim_c = (int)floor(sqrt((double)lim));
  int8_t t[8];
  size_t cnt = 0;
  for (int par = 0; par < 2; par++) shell_enum(t, 0, lim, lim_c, par, NULL, &cnt, 0);
  lq_e8_shell* c = calloc(1, sizeof *c);
  if (!c) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "e8 shell: out of memory");
  c->pts = malloc(cnt * 8);
  c->norm4 = malloc(cnt * sizeof *c->norm4);
  if (!c->pts || !c->norm4) {
    lq_e8_shell_free(c);
    return lq_fail(LQ_ERR_OUT_OF_MEMORY, "e8 shell: out of memory");
  }
  size_t k = 0;
  for (int par = 0; par < 2; par++) shell_enum(t, 0, lim, lim_c, par, c->pts, &k, 1);
  qsort(c->pts, cnt, 8, sort_rec_cmp); /* records are distinct, so the order is total */
  for (size_t i = 0; i < cnt; i++) c->norm4[i] = norm4_of(c->pts + 8 * i);
  c->max_norm2 = max_norm2;
  c->size = cnt;
  *out = c;
  return LQ_OK;
}

void lq_e8_shell_free(lq_e8_shell* c) {
  if (!c) return;
  free(c->pts);
  free(c->norm4);
  free(c);
}

size_t lq_e8_shell_size(const lq_e8_shell* c) { return c ? c->size : 0; }

int lq_e8_shell_code_bits(const lq_e8_shell* c) {
  if (!c) return 0;
  int b = 0;
  while (((size_t)1 << b) < c->size) b++;
  return b;
}

lq_status lq_e8_shell_codeword(const lq_e8_shell* c, uint32_t idx, float* out8) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(out8);
  if (idx >= c->size) return lq_fail(LQ_ERR_INVALID_ARG, "e8 shell: index %u >= size %zu", idx, c->size);
  for (int i = 0; i < 8; i++) out8[i] = 0.5f * (float)c->pts[8 * (size_t)idx + i];
  return LQ_OK;
}

static size_t shell_lookup(const lq_e8_shell* c, const int8_t* t) {
  int n4 = norm4_of(t);
  size_t lo = 0, hi = c->size;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = shell_cmp(c->pts + 8 * mid, c->norm4[mid], t, n4);
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return c->size;
}

static lq_status shell_encode_one(const lq_e8_shell* c, const float* x, double scale, uint32_t* idx,
                                  double* sse) {
  double u[8], v[8];
  for (int i = 0; i < 8; i++) {
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "e8 shell: non-finite input");
    u[i] = (double)x[i] / scale;
    if (fabs(u[i]) > LAT_MAX_ABS) return lq_fail(LQ_ERR_NUMERIC, "e8 shell: |x/scale| above 2^30");
  }
  nearest_e8(u, v);
  double n2 = 0.0;
  for (int i = 0; i < 8; i++) n2 += v[i] * v[i];
  size_t best = c->size;
  if (n2 <= (double)c->max_norm2) {
    int8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (int8_t)(2.0 * v[i]);
    best = shell_lookup(c, t);
  }
  if (best == c->size) {
    /* outside the code: exhaustive search, first minimum wins */
    double bd = INFINITY;
    for (size_t k = 0; k < c->size; k++) {
      const int8_t* p = c->pts + 8 * k;
      double d = 0.0;
      for (int i = 0; i < 8; i++) {
        double e = u[i] - 0.5 * p[i];
        d += e * e;
      }
      if (d < bd) {
        bd = d;
        best = k;
      }
    }
  }
  *idx = (uint32_t)best;
  if (sse) {
    double acc = 0.0;
    for (int i = 0; i < 8; i++) {
      float q = (float)(0.5 * c->pts[8 * best + i] * scale);
      double e = (double)x[i] - (double)q;
      acc += e * e;
    }
    *sse += acc;
  }
  return LQ_OK;
}

lq_status lq_e8_shell_encode(const lq_e8_shell* c, size_t n, const float* x, float scale, uint32_t* idx) {
  LQ_REQUIRE_PTR(c);
  LQ_CHECK(check_scale(scale));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(idx);
  for (size_t r = 0; r < n; r++) LQ_CHECK(shell_encode_one(c, x + 8 * r, scale, idx + r, NULL));
  return LQ_OK;
}

lq_status lq_e8_shell_decode(const lq_e8_shell* c, size_t n, const uint32_t* idx, float scale, float* y) {
  LQ_REQUIRE_PTR(c);
  LQ_CHECK(check_scale(scale));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(idx);
  LQ_REQUIRE_PTR(y);
  for (size_t r = 0; r < n; r++) {
    if (idx[r] >= c->size) return lq_fail(LQ_ERR_INVALID_ARG, "e8 shell: index %u >= size %zu", idx[r], c->size);
    for (int i = 0; i < 8; i++) y[8 * r + i] = (float)(0.5 * c->pts[8 * (size_t)idx[r] + i] * scale);
  }
  return LQ_OK;
}

typedef struct shell_fit_ctx {
  const lq_e8_shell* c;
  size_t n;
  const float* x;
} shell_fit_ctx;

static lq_status shell_sse(const void* p, double scale, size_t stride, double* sse) {
  const shell_fit_ctx* f = p;
  float s = (float)scale;
  if (!(s > 0.0f)) return lq_fail(LQ_ERR_NUMERIC, "e8 shell: scale underflows");
  *sse = 0.0;
  uint32_t idx;
  for (size_t r = 0; r < f->n; r += stride) LQ_CHECK(shell_encode_one(f->c, f->x + 8 * r, s, &idx, sse));
  return LQ_OK;
}

lq_status lq_e8_shell_fit_scale(const lq_e8_shell* c, size_t n, const float* x, float* scale_out,
                                double* mse_out) {
  LQ_REQUIRE_PTR(c);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "e8 shell: no vectors to fit a scale to");
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(scale_out);
  double nmax = 0.0;
  for (size_t r = 0; r < n; r++) {
    double s = 0.0;
    for (int i = 0; i < 8; i++) {
      if (!isfinite(x[8 * r + i])) return lq_fail(LQ_ERR_NUMERIC, "e8 shell: non-finite input");
      s += (double)x[8 * r + i] * x[8 * r + i];
    }
    if (s > nmax) nmax = s;
  }
  shell_fit_ctx ctx = {c, n, x};
  double s = 1.0;
  double s0 = sqrt(nmax) / sqrt((double)c->max_norm2);
  if (nmax > 0.0 && (float)(s0 * exp2(-10.0)) > 0.0f && isfinite((float)s0)) {
    size_t stride = n > FIT_MAX_ROWS ? n / FIT_MAX_ROWS : 1;
    LQ_CHECK(fit_scale_search(shell_sse, &ctx, s0, stride, &s));
  }
  *scale_out = (float)s;
  if (mse_out) {
    double sse;
    LQ_CHECK(shell_sse(&ctx, (float)s, 1, &sse));
    *mse_out = sse / (8.0 * (double)n);
  }
  return LQ_OK;
}
