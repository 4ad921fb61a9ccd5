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

/* Commands. */
int cmd_isa(int argc, char** argv);
void usage_isa(FILE* out);
int cmd_demo(int argc, char** argv);
void usage_demo(FILE* out);

/* commands: uniform */

/* commands: nonuniform */

int cmd_audio(int argc, char** argv);
void usage_audio(FILE* out);

/* commands: observers */

/* commands: llm */

/* commands: vq */

/* commands: io */

/* commands: scheme */

#endif
