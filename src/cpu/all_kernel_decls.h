/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"

#include "uniform/uniform_kernels.h"

/* module: nonuniform */

/* module: hw */

#include "observers/observers_kernels.h"

/* module: llm */

/* module: vq */

/* module: io */

/* module: scheme */
