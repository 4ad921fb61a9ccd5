/* quant audio: WAV encode/decode with the G.711 and IMA-ADPCM codecs, and an
 * SNR / segmental-SNR evaluation of every codec on one file. Output files are
 * written atomically (temporary file in the same directory, then rename). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void usage_audio(FILE* out) {
  fprintf(out,
          "usage: quant audio encode ulaw|alaw|adpcm IN.wav -o OUT.wav [--variant g191|sun] [--block-align N]\n"
          "       quant audio decode IN.wav -o OUT.wav\n"
          "       quant audio eval IN.wav [--json]\n\n"
          "encode: PCM16 (or any supported) WAV -> G.711 mu-law (tag 7), A-law (tag 6) or IMA-ADPCM (tag 0x11).\n"
          "        mu-law variant: g191 (ITU-T G.191, default) or sun (CPython audioop / sox).\n"
          "decode: any supported WAV -> PCM16 WAV.\n"
          "eval:   SNR and segmental SNR (256-frame segments, clamped to [-10, 35] dB, silent segments\n"
          "        skipped) of ulaw (sun), ulaw_g191, alaw and adpcm on the file's samples.\n"
          "exit status: 0 ok, 1 failure, 2 bad usage or malformed/unsupported input.\n");
}

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

static int write_atomic(const char* path, const uint8_t* data, size_t len) {
  size_t pl = strlen(path);
  char* tmp = malloc(pl + 16);
  if (!tmp) return cli_fail("out of memory");
  memcpy(tmp, path, pl);
  memcpy(tmp + pl, ".tmp.XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int rc = cli_fail("cannot create a temporary file next to '%s': %s", path, strerror(errno));
    free(tmp);
    return rc;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      break;
    }
    off += (size_t)w;
  }
  int ok = off == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    int rc = cli_fail("cannot write '%s': %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return rc;
  }
  free(tmp);
  return 0;
}

/* Reads and decodes a WAV into interleaved PCM16 (caller frees *pcm). */
static int load_wav(const char* path, int16_t** pcm, lq_wav_info* info) {
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

static int save_wav(const char* path, const int16_t* pcm, const lq_wav_info* info, lq_wav_format fmt,
                    lq_g711_variant var, uint32_t align) {
  size_t sz, w;
  lq_status s = lq_wav_encoded_size(fmt, info->channels, info->frames, align, &sz);
  if (s != LQ_OK) return cli_lib_error("encode", s);
  uint8_t* out = malloc(sz);
  if (!out) return cli_fail("out of memory");
  s = lq_wav_encode(pcm, info->frames, info->channels, info->sample_rate, fmt, var, align, out, sz, &w);
  int rc = s != LQ_OK ? cli_lib_error("encode", s) : write_atomic(path, out, w);
  free(out);
  return rc;
}

typedef struct {
  const char* name;
  lq_wav_format fmt;
  lq_g711_variant var;
} codec;

static const codec codecs[] = {{"ulaw", LQ_WAV_ULAW, LQ_G711_SUN},
                               {"ulaw_g191", LQ_WAV_ULAW, LQ_G711_G191},
                               {"alaw", LQ_WAV_ALAW, LQ_G711_G191},
                               {"adpcm", LQ_WAV_IMA_ADPCM, LQ_G711_G191}};

/* Encodes then decodes through an in-memory WAV, so eval measures exactly
 * what `encode` + `decode` would produce. */
static int roundtrip(const int16_t* pcm, const lq_wav_info* info, const codec* c, int16_t* y) {
  size_t sz, w, ns = (size_t)info->frames * info->channels;
  lq_status s = lq_wav_encoded_size(c->fmt, info->channels, info->frames, 0, &sz);
  if (s != LQ_OK) return cli_lib_error(c->name, s);
  uint8_t* b = malloc(sz);
  if (!b) return cli_fail("out of memory");
  lq_wav_info i2;
  s = lq_wav_encode(pcm, info->frames, info->channels, info->sample_rate, c->fmt, c->var, 0, b, sz, &w);
  if (s == LQ_OK) s = lq_wav_parse(b, w, &i2);
  if (s == LQ_OK) s = lq_wav_decode(b, w, &i2, y, ns);
  free(b);
  return s != LQ_OK ? cli_lib_error(c->name, s) : 0;
}

/* SNR over all samples (+inf when exact) and segmental SNR. */
static void snr(const int16_t* x, const int16_t* y, size_t n, size_t seg, double* snr_out, double* seg_out) {
  double s = 0, e = 0, acc = 0;
  size_t nseg = 0;
  for (size_t b = 0; b < n; b += seg) {
    double ss = 0, ee = 0;
    for (size_t i = b; i < n && i < b + seg; i++) {
      double d = (double)x[i] - y[i];
      ss += (double)x[i] * x[i];
      ee += d * d;
    }
    s += ss;
    e += ee;
    if (ss == 0) continue; /* silent segment */
    double v = ee == 0 ? 35.0 : 10.0 * log10(ss / ee);
    acc += v < -10 ? -10 : v > 35 ? 35 : v;
    nseg++;
  }
  *snr_out = e == 0 ? INFINITY : s == 0 ? -INFINITY : 10.0 * log10(s / e);
  *seg_out = nseg ? acc / (double)nseg : NAN;
}

static void print_num(double v, int json) {
  if (isfinite(v)) printf("%.4f", v);
  else printf(json ? "null" : "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

int cmd_audio(int argc, char** argv) {
  if (argc < 2) return cli_usage_error("audio: missing subcommand (encode, decode, eval); see quant audio --help");
  const char* sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    usage_audio(stdout);
    return 0;
  }
  const char *in = NULL, *out = NULL, *codec_name = NULL, *variant = "g191";
  int json = 0;
  uint32_t align = 0;
  int is_encode = strcmp(sub, "encode") == 0;
  if (!is_encode && strcmp(sub, "decode") != 0 && strcmp(sub, "eval") != 0)
    return cli_usage_error("audio: unknown subcommand '%s'", sub);
  for (int i = 2; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "-o") == 0 || strcmp(a, "--variant") == 0 || strcmp(a, "--block-align") == 0) {
      if (i + 1 >= argc) return cli_usage_error("audio: %s needs a value", a);
      const char* v = argv[++i];
      if (a[1] == 'o') out = v;
      else if (a[2] == 'v') variant = v;
      else {
        char* end;
        unsigned long b = strtoul(v, &end, 10);
        if (*end || b == 0 || b > 65535) return cli_usage_error("audio: bad --block-align '%s'", v);
        align = (uint32_t)b;
      }
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli_usage_error("audio: unknown option '%s'", a);
    } else if (is_encode && !codec_name) {
      codec_name = a;
    } else if (!in) {
      in = a;
    } else {
      return cli_usage_error("audio: unexpected argument '%s'", a);
    }
  }
  if (!in) return cli_usage_error("audio %s: missing input file", sub);
  if (strcmp(sub, "eval") != 0 && !out) return cli_usage_error("audio %s: missing -o OUT.wav", sub);
  if (strcmp(sub, "eval") == 0 && (out || align)) return cli_usage_error("audio eval: -o/--block-align do not apply");
  lq_wav_format fmt = LQ_WAV_PCM16;
  lq_g711_variant var = LQ_G711_G191;
  if (is_encode) {
    if (!codec_name) return cli_usage_error("audio encode: missing codec (ulaw, alaw, adpcm)");
    if (strcmp(codec_name, "ulaw") == 0) fmt = LQ_WAV_ULAW;
    else if (strcmp(codec_name, "alaw") == 0) fmt = LQ_WAV_ALAW;
    else if (strcmp(codec_name, "adpcm") == 0) fmt = LQ_WAV_IMA_ADPCM;
    else return cli_usage_error("audio encode: unknown codec '%s' (ulaw, alaw, adpcm)", codec_name);
    if (strcmp(variant, "g191") == 0) var = LQ_G711_G191;
    else if (strcmp(variant, "sun") == 0) var = LQ_G711_SUN;
    else return cli_usage_error("audio encode: unknown --variant '%s' (g191, sun)", variant);
    if (align && fmt != LQ_WAV_IMA_ADPCM) return cli_usage_error("audio encode: --block-align applies to adpcm only");
  }
  int16_t* pcm = NULL;
  lq_wav_info info;
  int rc = load_wav(in, &pcm, &info);
  if (rc) return rc;
  if (strcmp(sub, "eval") != 0) {
    rc = save_wav(out, pcm, &info, fmt, var, align);
    free(pcm);
    return rc;
  }
  size_t ns = (size_t)info.frames * info.channels;
  int16_t* y = malloc(ns ? ns * sizeof *y : 1);
  if (!y) {
    free(pcm);
    return cli_fail("out of memory");
  }
  if (json)
    printf("{\"file\": \"%s\", \"channels\": %u, \"sample_rate\": %u, \"frames\": %llu, \"codecs\": [", in,
           (unsigned)info.channels, (unsigned)info.sample_rate, (unsigned long long)info.frames);
  else
    printf("%s: %u ch, %u Hz, %llu frames\n%-10s %10s %10s\n", in, (unsigned)info.channels, (unsigned)info.sample_rate,
           (unsigned long long)info.frames, "codec", "snr_db", "segsnr_db");
  for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
    rc = roundtrip(pcm, &info, &codecs[k], y);
    if (rc) break;
    double s, g;
    snr(pcm, y, ns, 256 * (size_t)info.channels, &s, &g);
    if (json) {
      printf("%s{\"codec\": \"%s\", \"snr_db\": ", k ? ", " : "", codecs[k].name);
      print_num(s, 1);
      printf(", \"segsnr_db\": ");
      print_num(g, 1);
      printf("}");
    } else {
      printf("%-10s %10.4f %10.4f\n", codecs[k].name, s, g);
    }
  }
  if (json && !rc) printf("]}\n");
  free(y);
  free(pcm);
  return rc;
}
