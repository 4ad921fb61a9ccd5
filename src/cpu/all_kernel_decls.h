/* Declarations of every module's kernels and their function-pointer types. */
#include "common/common_kernels.h"
