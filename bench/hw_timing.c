#define _POSIX_C_SOURCE 199309L
/* Plain C timing of the hw codecs on a raw int16 buffer, for
 * bench/compare/hw_vs_audioop.py. Usage: lq_hw_timing OP FILE.raw REPS
 * OP: ulaw_enc_sun, ulaw_enc_g191, alaw_enc, ulaw_dec, alaw_dec, adpcm_enc,
 * adpcm_dec. Prints the best wall time of one call in seconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libquant.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: lq_hw_timing OP FILE.raw REPS\n");
    return 2;
  }
  FILE* f = fopen(argv[2], "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  size_t n = (size_t)len / 2;
  int16_t* x = malloc(n * 2 + 2);
  int16_t* y = malloc(n * 2 + 2);
  uint8_t* c = malloc(n + 2);
  if (!x || !y || !c || fread(x, 2, n, f) != n) return 1;
  fclose(f);
  int reps = atoi(argv[3]);
  const char* op = argv[1];
  lq_g711_ulaw_encode(x, n, LQ_G711_SUN, c);
  lq_adpcm_state st0 = {0, 0};
  uint8_t* pk = malloc(n / 2 + 2);
  lq_ima_adpcm_encode(x, n, LQ_NIBBLE_HIGH_FIRST, &st0, pk);
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    lq_adpcm_state st = {0, 0};
    double t0 = now();
    if (!strcmp(op, "ulaw_enc_sun")) lq_g711_ulaw_encode(x, n, LQ_G711_SUN, c);
    else if (!strcmp(op, "ulaw_enc_g191")) lq_g711_ulaw_encode(x, n, LQ_G711_G191, c);
    else if (!strcmp(op, "alaw_enc")) lq_g711_alaw_encode(x, n, c);
    else if (!strcmp(op, "ulaw_dec")) lq_g711_ulaw_decode(c, n, y);
    else if (!strcmp(op, "alaw_dec")) lq_g711_alaw_decode(c, n, y);
    else if (!strcmp(op, "adpcm_enc")) lq_ima_adpcm_encode(x, n, LQ_NIBBLE_HIGH_FIRST, &st, pk);
    else if (!strcmp(op, "adpcm_dec")) lq_ima_adpcm_decode(pk, n, LQ_NIBBLE_HIGH_FIRST, &st, y);
    else {
      fprintf(stderr, "unknown op %s\n", op);
      return 2;
    }
    double t = now() - t0;
    if (t < best) best = t;
  }
  printf("%.9f\n", best);
  free(x);
  free(y);
  free(c);
  free(pk);
  return 0;
}
