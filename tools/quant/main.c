/* quant: the libquant command-line tool. */
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"isa", "show detected/active ISA and the kernel chosen for each dispatch slot", cmd_isa, usage_isa},
    {"demo", "run the built-in demonstration (no input needed)", cmd_demo, usage_demo},

    /* commands: uniform */

    /* commands: nonuniform */

    {"audio", "WAV audio: G.711 / IMA-ADPCM encode, decode, SNR eval", cmd_audio, usage_audio},

    {"observe", "estimate (scale, zero_point) from .npy batches with an observer", cmd_observe, usage_observe},

    /* commands: llm */

    {"vq", "vector codecs (k-means, PQ, OPQ): train, encode, decode .npy rows", cmd_vq, usage_vq},

    /* commands: llmio */
    {"info", "list the tensors, dtypes, shapes and metadata of a .gguf, .safetensors or .npy file", cmd_info,
     usage_info},
    {"convert", "quantize a .safetensors/.gguf/.npy model into GGUF or safetensors, streaming (--scheme SPEC, --shard I/N)",
     cmd_convert, usage_convert},

    /* commands: llmrt */

    /* commands: io */

    /* commands: scheme */
    {"list", "list every quantization scheme with its module and summary", cmd_list, usage_list},
    {"roundtrip", "quantize and dequantize a .npy file (optionally write codes and parameters)", cmd_roundtrip,
     usage_roundtrip},
    {"eval", "error and size of one or more schemes on a .npy file", cmd_eval, usage_eval},
    {"bench", "quantize/dequantize throughput of a scheme against memcpy", cmd_bench, usage_bench},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE* out) {
  fprintf(out,
          "usage: quant <command> [options]\n"
          "       quant --version | --help | <command> --help\n\n"
          "libquant %s: quantization methods in one C library.\n\ncommands:\n",
          lq_version_string());
  for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nenvironment: LIBQUANT_ISA=scalar|sse2|avx2|avx512|neon|native masks the SIMD level.\n");
}

int main(int argc, char** argv) {
  const char* warn = lq_isa_env_warning();
  if (warn) fprintf(stderr, "quant: warning: %s\n", warn);
  if (argc < 2) {
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("quant (libquant) %s\n", lq_version_string());
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    if (argc > 2 && strcmp(argv[1], "help") == 0) {
      for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[2], commands[i].name) == 0) { commands[i].usage(stdout); return 0; }
    }
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  usage(stderr);
  return cli_usage_error("unknown command '%s'", argv[1]);
}
