/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"

/* module: uniform */

/* module: nonuniform */

/* module: hw */

/* module: observers */

/* module: llm */

#include "vq/vq_kernels.h"

/* module: io */

/* module: scheme */
