/* int4_groupwise: LLM-style 4-bit weights, one (scale, zero point) per group
 * of 128 consecutive inputs of every output row, codes packed two per byte
 * (LSB-first), dequantized straight from the packed bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

#define OUT 32
#define IN 1000 /* not a multiple of 128: the last group of each row has 104 inputs */
#define GROUP 128

static void check(lq_status s) {
  if (s != LQ_OK) {
    fprintf(stderr, "libquant: %s: %s\n", lq_status_string(s), lq_last_error());
    exit(1);
  }
}

int main(void) {
  static float w[OUT * IN], y[OUT * IN];
  for (int i = 0; i < OUT * IN; i++) {
    float u = 2.0f * lq_rng_uniform_f32(7, (uint64_t)i) - 1.0f;
    w[i] = 0.02f * u * u * u * 4.0f; /* heavier tails than uniform */
  }
  w[5 * IN + 300] = 0.9f; /* one outlier: only its group pays for it */

  lq_uniform_config cfg = {0};
  cfg.range.bits = 4;
  cfg.range.signedness = LQ_UNSIGNED; /* codes 0..15, affine (zero point per group) */
  cfg.granularity = LQ_GRAN_GROUP;
  cfg.axis = 1; /* groups run along the input dimension */
  cfg.group_size = GROUP;
  lq_shape shape = {2, {OUT, IN}};

  size_t nparams, packed_bytes;
  lq_dtype dt;
  check(lq_uniform_param_count(&cfg, &shape, &nparams)); /* OUT * ceil(IN / GROUP) */
  check(lq_uniform_code_dtype(&cfg, 1, &dt));             /* LQ_DTYPE_U4 */
  check(lq_pack_size(dt, OUT * IN, &packed_bytes));
  float* scales = malloc(nparams * sizeof(float));
  int32_t* zps = malloc(nparams * sizeof(int32_t));
  uint8_t* packed = malloc(packed_bytes);
  if (!scales || !zps || !packed) return 1;

  check(lq_uniform_calibrate_minmax(&cfg, w, &shape, scales, zps));
  check(lq_uniform_quantize_packed(&cfg, w, &shape, scales, zps, packed));
  check(lq_uniform_dequantize_packed(&cfg, packed, &shape, scales, zps, y));

  double se = 0, ss = 0;
  for (int i = 0; i < OUT * IN; i++) {
    se += ((double)w[i] - y[i]) * ((double)w[i] - y[i]);
    ss += (double)w[i] * w[i];
  }
  double bits = (8.0 * (double)packed_bytes + 32.0 * 2.0 * (double)nparams) / (OUT * IN);
  printf("%s codes: %zu bytes for %d weights, %zu groups\n", lq_dtype_name(dt), packed_bytes, OUT * IN, nparams);
  printf("bits per weight incl. fp32 scale + int32 zero point: %.3f\n", bits);
  printf("SQNR %.2f dB; outlier group scale %.4g vs neighbour %.4g\n", 10.0 * log10(ss / se),
         (double)scales[5 * 8 + 2], (double)scales[5 * 8 + 1]);
  free(scales);
  free(zps);
  free(packed);
  return 0;
}
