/* quant isa: detected ISA, active ISA, and the kernel each dispatch slot chose. */
#include <string.h>

#include "cli.h"

void usage_isa(FILE* out) {
  fprintf(out,
          "usage: quant isa [--json]\n"
          "  Prints the ISA extensions detected on this CPU, the active set (after\n"
          "  LIBQUANT_ISA=scalar|sse2|avx2|avx512|neon|native), and the kernel chosen for\n"
          "  every dispatch slot.\n");
}

static void print_bits(FILE* out, uint64_t bits) {
  int first = 1;
  for (int b = 0; b < 64; b++) {
    if (!(bits & (1ull << b))) continue;
    fprintf(out, "%s%s", first ? "" : " ", lq_isa_name(1ull << b));
    first = 0;
  }
  if (first) fputs("scalar", out);
}

int cmd_isa(int argc, char** argv) {
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage_isa(stdout); return 0; }
    else { usage_isa(stderr); return cli_usage_error("isa: unknown option '%s'", argv[i]); }
  }
  uint64_t det = lq_isa_detected(), act = lq_isa_active();
  size_t n = lq_dispatch_slot_count();
  if (json) {
    printf("{\"detected\": \"");
    print_bits(stdout, det);
    printf("\", \"active\": \"");
    print_bits(stdout, act);
    printf("\", \"kernels\": {");
    for (size_t i = 0; i < n; i++) {
      const char *slot, *kernel;
      lq_dispatch_slot_info(i, &slot, &kernel);
      printf("%s\"%s\": \"%s\"", i ? ", " : "", slot, kernel);
    }
    printf("}}\n");
    return 0;
  }
  printf("libquant %s\n", lq_version_string());
  printf("detected: ");
  print_bits(stdout, det);
  printf("\nactive:   ");
  print_bits(stdout, act);
  printf("\n\n%-32s %s\n", "slot", "kernel");
  for (size_t i = 0; i < n; i++) {
    const char *slot, *kernel;
    lq_dispatch_slot_info(i, &slot, &kernel);
    printf("%-32s %s\n", slot, kernel);
  }
  return 0;
}
