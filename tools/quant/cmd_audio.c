/* quant audio: WAV encode/decode with the G.711 and IMA-ADPCM codecs, and an
 * SNR / segmental-SNR evaluation of every codec on one file. Output files are
 * written atomically (lq_file_write_atomic) and never over the input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_audio(FILE* out) {
  fprintf(out,
          "usage: quant audio encode --codec g711-ulaw|g711-alaw|ima-adpcm IN.wav OUT.wav\n"
          "                          [--variant g191|sun] [--block-align N]\n"
          "       quant audio decode IN.wav OUT.wav\n"
          "       quant audio eval IN.wav [--json]\n"
          "  (OUT.wav may also be given as -o OUT.wav)\n\n"
          "encode: PCM16 WAV (or any WAV decode reads) -> G.711 mu-law (format tag 7),\n"
          "        A-law (tag 6) or IMA-ADPCM (tag 0x11; --block-align N bytes per block,\n"
          "        default 256 per channel). mu-law --variant: g191 (ITU-T G.191, default)\n"
          "        or sun (CPython audioop / sox).\n"
          "decode: a PCM16, mu-law, A-law or IMA-ADPCM WAV -> PCM16 WAV.\n"
          "eval:   SNR and segmental SNR (256-frame segments, clamped to [-10, 35] dB, silent\n"
          "        segments skipped) of g711-ulaw, g711-ulaw:variant=sun, g711-alaw and\n"
          "        ima-adpcm on the file's samples.\n"
          "Outputs are written atomically and never over the input.\n"
          "exit status: 0 ok, 1 failure, 2 bad usage or malformed/unsupported input.\n");
}

static int save_wav(const char* path, const int16_t* pcm, const lq_wav_info* info, lq_wav_format fmt,
                    lq_g711_variant var, uint32_t align) {
  size_t sz, w;
  lq_status s = lq_wav_encoded_size(fmt, info->channels, info->frames, align, &sz);
  if (s != LQ_OK) return cli_lib_error("encode", s);
  uint8_t* out = malloc(sz);
  if (!out) return cli_fail("out of memory");
  s = lq_wav_encode(pcm, info->frames, info->channels, info->sample_rate, fmt, var, align, out, sz, &w);
  if (s == LQ_OK) s = lq_file_write_atomic(path, out, w);
  int rc = s != LQ_OK ? cli_lib_error(path, s) : 0;
  free(out);
  return rc;
}

typedef struct {
  const char* name;
  lq_wav_format fmt;
  lq_g711_variant var;
} codec;

static const codec codecs[] = {{"g711-ulaw", LQ_WAV_ULAW, LQ_G711_G191},
                               {"g711-ulaw:variant=sun", LQ_WAV_ULAW, LQ_G711_SUN},
                               {"g711-alaw", LQ_WAV_ALAW, LQ_G711_G191},
                               {"ima-adpcm", LQ_WAV_IMA_ADPCM, LQ_G711_G191}};

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
  const char *in = NULL, *out = NULL, *codec_name = NULL, *variant = NULL;
  int json = 0;
  uint32_t align = 0;
  int is_encode = strcmp(sub, "encode") == 0, is_eval = strcmp(sub, "eval") == 0;
  if (!is_encode && !is_eval && strcmp(sub, "decode") != 0)
    return cli_usage_error("audio: unknown subcommand '%s' (encode, decode, eval)", sub);
  for (int i = 2; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage_audio(stdout);
      return 0;
    }
    if (strcmp(a, "-o") == 0 || strcmp(a, "--codec") == 0 || strcmp(a, "--variant") == 0 ||
        strcmp(a, "--block-align") == 0) {
      if (i + 1 >= argc) return cli_usage_error("audio: %s needs a value", a);
      const char* v = argv[++i];
      const char** dst = a[1] == 'o' ? &out : a[2] == 'c' ? &codec_name : a[2] == 'v' ? &variant : NULL;
      if (dst) {
        if (*dst) return cli_usage_error("audio: %s given twice (or OUT.wav given twice)", a);
        *dst = v;
      } else {
        char* end;
        unsigned long b = strtoul(v, &end, 10);
        if (*end || v[0] == '-' || b == 0 || b > 65535) return cli_usage_error("audio: bad --block-align '%s'", v);
        align = (uint32_t)b;
      }
    } else if (strcmp(a, "--json") == 0 && is_eval) {
      json = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli_usage_error("audio %s: unknown option '%s'", sub, a);
    } else if (!in) {
      in = a;
    } else if (!out && !is_eval) {
      out = a;
    } else {
      return cli_usage_error("audio %s: unexpected argument '%s'", sub, a);
    }
  }
  if (!in) return cli_usage_error("audio %s: missing input file IN.wav", sub);
  if (!is_eval && !out) return cli_usage_error("audio %s: missing output file OUT.wav", sub);
  if (!is_encode && (codec_name || variant || align))
    return cli_usage_error("audio %s: --codec, --variant and --block-align apply to encode only", sub);
  lq_wav_format fmt = LQ_WAV_PCM16;
  lq_g711_variant var = LQ_G711_G191;
  if (is_encode) {
    if (!codec_name) return cli_usage_error("audio encode: missing --codec (g711-ulaw, g711-alaw, ima-adpcm)");
    if (strcmp(codec_name, "g711-ulaw") == 0) fmt = LQ_WAV_ULAW;
    else if (strcmp(codec_name, "g711-alaw") == 0) fmt = LQ_WAV_ALAW;
    else if (strcmp(codec_name, "ima-adpcm") == 0) fmt = LQ_WAV_IMA_ADPCM;
    else return cli_usage_error("audio encode: unknown codec '%s' (g711-ulaw, g711-alaw, ima-adpcm)", codec_name);
    if (variant && fmt != LQ_WAV_ULAW) return cli_usage_error("audio encode: --variant applies to g711-ulaw only");
    if (!variant || strcmp(variant, "g191") == 0) var = LQ_G711_G191;
    else if (strcmp(variant, "sun") == 0) var = LQ_G711_SUN;
    else return cli_usage_error("audio encode: unknown --variant '%s' (g191, sun)", variant);
    if (align && fmt != LQ_WAV_IMA_ADPCM)
      return cli_usage_error("audio encode: --block-align applies to ima-adpcm only");
  }
  if (!is_eval) {
    const char* outputs[1] = {out};
    const char* inputs[1] = {in};
    int rc = cli_check_outputs(outputs, 1, inputs, 1);
    if (rc) return rc;
  }
  int16_t* pcm = NULL;
  lq_wav_info info;
  int rc = cli_load_wav_pcm16(in, &pcm, &info);
  if (rc) return rc;
  if (!is_eval) {
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
    cli_snr_i16(pcm, y, ns, 256 * (size_t)info.channels, &s, &g);
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
