/* Shared pieces of the quant command-line tool. The tool is thin: it parses,
 * calls the library, and prints. Exit status: 0 ok, 1 runtime failure,
 * 2 usage error or bad input. */
#ifndef QUANT_CLI_H
#define QUANT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "libquant.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef struct cli_command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv); /* argv[0] is the command name */
  void (*usage)(FILE* out);
} cli_command;

/* Error helpers: print "quant: ..." to stderr and return the exit status. */
int cli_usage_error(const char* fmt, ...);
int cli_lib_error(const char* what, lq_status s);
int cli_fail(const char* fmt, ...);

/* Seconds from a monotonic clock. */
double cli_now(void);

/* Median of n doubles (sorts in place). */
double cli_median(double* v, size_t n);

/* A float tensor loaded from a .npy file (any supported dtype, converted). */
typedef struct cli_tensor {
  float* x;
  size_t n;
  lq_shape shape;
  lq_npy_dtype file_dtype;
  int pcm16_scaled; /* x already holds int16 samples / 32768 (a WAV file) */
} cli_tensor;

/* Loads path into t; on failure prints the reason and returns the exit status. */
int cli_load_npy_f32(const char* path, cli_tensor* t);
void cli_tensor_free(cli_tensor* t);

/* Refuses (exit 2, message) an output path that names an existing input file
 * (same device and inode, so links and different spellings are caught) or
 * another output. Returns 0 when the outputs are safe to write. */
int cli_check_outputs(const char* const* outputs, size_t nout, const char* const* inputs, size_t nin);

/* JSON helpers for stdout: a string with escapes; a number or null. */
void cli_json_string(FILE* out, const char* s);
void cli_json_number(FILE* out, double v);

/* Progress on stderr, drawn only when stderr is a terminal and the work has
 * run for more than a second and a half. cli_progress_end() clears it. */
void cli_progress_begin(void);
void cli_progress(const char* what, size_t done, size_t total);
void cli_progress_end(void);

/* Parses a positive integer option value; 0 on success. */
int cli_parse_size(const char* opt, const char* text, size_t lo, size_t hi, size_t* out);

/* The eval table (quant eval and quant demo): one roundtrip per spec over t.
 * Specs must already be parsed. Prints a table or a JSON list to stdout.
 * Returns the exit status. */
int cli_eval_run(lq_scheme* const* schemes, size_t nschemes, const cli_tensor* t, int json, const char* title);

/* Commands. */
int cmd_isa(int argc, char** argv);
void usage_isa(FILE* out);
int cmd_demo(int argc, char** argv);
void usage_demo(FILE* out);

/* commands: uniform */

/* commands: nonuniform */

int cmd_audio(int argc, char** argv);
void usage_audio(FILE* out);
/* audio_util.c: WAV loading (interleaved PCM16, caller frees *pcm; prints the
 * reason and returns the exit status on failure) and SNR / segmental SNR. */
int cli_load_wav_pcm16(const char* path, int16_t** pcm, lq_wav_info* info);
void cli_snr_i16(const int16_t* x, const int16_t* y, size_t n, size_t seg, double* snr_out, double* seg_out);
void cli_snr_f32(const float* x, const float* y, size_t n, size_t seg, double* snr_out, double* seg_out);
/* How tensor t (from `path`) feeds scheme sc. PCM16 schemes
 * (lq_scheme_is_pcm16: g711-ulaw, g711-alaw, ima-adpcm) take an int16 array as
 * samples: *scale = 32768 (divide the input by it, multiply the output; both
 * exact); float arrays and WAV samples as they are, floats in [-1, 1)
 * (*scale = 1); any other integer dtype is refused (message, returns 2).
 * Other schemes: *scale = 1. Returns 0 when t can be used. */
int cli_pcm16_input(const lq_scheme* sc, const cli_tensor* t, const char* path, float* scale);
/* cli_eval_run with audio columns: channels > 0 adds snr_db and segsnr_db
 * (segments of 256 frames); 0 is plain cli_eval_run. path names the input in
 * messages (cli_pcm16_input). */
int cli_eval_run_audio(lq_scheme* const* schemes, size_t nschemes, const cli_tensor* t, int json, const char* title,
                       unsigned channels, const char* path);

int cmd_observe(int argc, char** argv);
void usage_observe(FILE* out);

/* commands: llm */

int cmd_vq(int argc, char** argv);
void usage_vq(FILE* out);

/* commands: llmio */
int cmd_info(int argc, char** argv);
void usage_info(FILE* out);
int cmd_convert(int argc, char** argv);
void usage_convert(FILE* out);

/* commands: llmrt */

/* commands: io */

/* commands: scheme */
int cmd_list(int argc, char** argv);
void usage_list(FILE* out);
int cmd_roundtrip(int argc, char** argv);
void usage_roundtrip(FILE* out);
int cmd_eval(int argc, char** argv);
void usage_eval(FILE* out);
int cmd_bench(int argc, char** argv);
void usage_bench(FILE* out);

#endif
