/* Encodes a WAV file (any format libquant reads) to G.711 µ-law.
 * usage: wav_ulaw IN.wav OUT.wav */
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN.wav OUT.wav\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) return perror(argv[1]), 2;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* buf = malloc(len > 0 ? (size_t)len : 1);
  if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) return fprintf(stderr, "read failed\n"), 1;
  fclose(f);
  lq_wav_info info;
  lq_status s = lq_wav_parse(buf, (size_t)len, &info);
  if (s != LQ_OK) return fprintf(stderr, "%s: %s\n", argv[1], lq_last_error()), 2;
  size_t ns = (size_t)info.frames * info.channels, out_len, written;
  int16_t* pcm = malloc(ns ? ns * 2 : 1);
  if (!pcm || lq_wav_decode(buf, (size_t)len, &info, pcm, ns) != LQ_OK) return fprintf(stderr, "%s\n", lq_last_error()), 2;
  if (lq_wav_encoded_size(LQ_WAV_ULAW, info.channels, info.frames, 0, &out_len) != LQ_OK) return 1;
  uint8_t* out = malloc(out_len);
  if (!out || lq_wav_encode(pcm, info.frames, info.channels, info.sample_rate, LQ_WAV_ULAW, LQ_G711_G191, 0, out,
                            out_len, &written) != LQ_OK)
    return fprintf(stderr, "%s\n", lq_last_error()), 1;
  FILE* o = fopen(argv[2], "wb");
  if (!o || fwrite(out, 1, written, o) != written || fclose(o) != 0) return perror(argv[2]), 1;
  printf("%s: %llu frames x %u ch -> %zu bytes of mu-law\n", argv[2], (unsigned long long)info.frames,
         (unsigned)info.channels, written);
  free(buf);
  free(pcm);
  free(out);
  return 0;
}
