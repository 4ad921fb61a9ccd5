/* quant list: every registered scheme (families and aliases). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_list(FILE* out) {
  fprintf(out,
          "usage: quant list [--json]\n"
          "  Lists every scheme name SPEC strings may start with, its module and a\n"
          "  one-line summary. docs/scheme.md describes the keys of each.\n");
}

int cmd_list(int argc, char** argv) {
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage_list(stdout); return 0; }
    else { usage_list(stderr); return cli_usage_error("list: unknown option '%s'", argv[i]); }
  }
  size_t n = lq_scheme_count();
  if (json) printf("[");
  for (size_t i = 0; i < n; i++) {
    const char *name, *module, *summary;
    lq_scheme_info(i, &name, &module, &summary);
    if (json) {
      printf("%s{\"name\": ", i ? ", " : "");
      cli_json_string(stdout, name);
      printf(", \"module\": ");
      cli_json_string(stdout, module);
      printf(", \"summary\": ");
      cli_json_string(stdout, summary);
      printf("}");
    } else {
      printf("%-10s %-10s %s\n", name, module, summary);
    }
  }
  if (json) printf("]\n");
  return 0;
}
