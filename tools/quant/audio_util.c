/* Audio helpers shared by `quant audio` and `quant eval`: WAV loading and
 * SNR / segmental SNR. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int read_all(const char* path, uint8_t** buf, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return cli_usage_error("cannot open '%s': %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  uint8_t* b = malloc(cap);
  while (b) {
    size_t r = fread(b + n, 1, cap - n, f);
    n += r;
    if (n < cap) break;
    uint8_t* nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
    if (!nb) {
      free(b);
      b = NULL;
      break;
    }
    b = nb;
    cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (!b) return cli_fail("out of memory reading '%s'", path);
  if (err) {
    free(b);
    return cli_usage_error("cannot read '%s'", path);
  }
  *buf = b;
  *len = n;
  return 0;
}

/* Reads and decodes a WAV into interleaved PCM16 (caller frees *pcm). */
int cli_load_wav_pcm16(const char* path, int16_t** pcm, lq_wav_info* info) {
  uint8_t* buf = NULL;
  size_t len = 0;
  int rc = read_all(path, &buf, &len);
  if (rc) return rc;
  lq_status s = lq_wav_parse(buf, len, info);
  if (s != LQ_OK) {
    free(buf);
    return cli_lib_error(path, s);
  }
  size_t ns = (size_t)info->frames * info->channels;
  *pcm = malloc(ns ? ns * sizeof **pcm : 1);
  if (!*pcm) {
    free(buf);
    return cli_fail("out of memory");
  }
  s = lq_wav_decode(buf, len, info, *pcm, ns);
  free(buf);
  if (s != LQ_OK) {
    free(*pcm);
    return cli_lib_error(path, s);
  }
  return 0;
}

/* SNR over all samples (+inf when exact) and segmental SNR: mean over
 * segments of `seg` samples of the per-segment SNR clamped to [-10, 35] dB
 * (an exact segment counts 35), silent segments skipped (NaN if all are).
 * The sample type only scales both terms, so the two entry points agree. */
#define LQ_CLI_SNR_BODY                                                        \
  double s = 0, e = 0, acc = 0;                                                \
  size_t nseg = 0;                                                             \
  for (size_t b = 0; b < n; b += seg) {                                        \
    double ss = 0, ee = 0;                                                     \
    for (size_t i = b; i < n && i < b + seg; i++) {                            \
      double d = (double)x[i] - (double)y[i];                                  \
      ss += (double)x[i] * (double)x[i];                                       \
      ee += d * d;                                                             \
    }                                                                          \
    s += ss;                                                                   \
    e += ee;                                                                   \
    if (ss == 0) continue; /* silent segment */                                \
    double v = ee == 0 ? 35.0 : 10.0 * log10(ss / ee);                         \
    acc += v < -10 ? -10 : v > 35 ? 35 : v;                                    \
    nseg++;                                                                    \
  }                                                                            \
  *snr_out = e == 0 ? INFINITY : s == 0 ? -INFINITY : 10.0 * log10(s / e);    \
  *seg_out = nseg ? acc / (double)nseg : NAN;

void cli_snr_i16(const int16_t* x, const int16_t* y, size_t n, size_t seg, double* snr_out, double* seg_out) {
  LQ_CLI_SNR_BODY
}

void cli_snr_f32(const float* x, const float* y, size_t n, size_t seg, double* snr_out, double* seg_out) {
  LQ_CLI_SNR_BODY
}

int cli_pcm16_input(const lq_scheme* sc, const cli_tensor* t, const char* path, float* scale) {
  *scale = 1.0f;
  if (!lq_scheme_is_pcm16(sc) || t->pcm16_scaled) return 0;
  switch (t->file_dtype) {
    case LQ_NPY_S16: *scale = 32768.0f; return 0;
    case LQ_NPY_F32:
    case LQ_NPY_F64:
    case LQ_NPY_F16: return 0;
    default:
      return cli_usage_error("%s: scheme '%s' takes int16 PCM samples (.npy int16) or floats in [-1, 1); "
                             "this array is %s",
                             path, lq_scheme_spec(sc), lq_npy_dtype_name(t->file_dtype));
  }
}
