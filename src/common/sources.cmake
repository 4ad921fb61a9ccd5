# Sources of the common module (status, allocation, RNG, conversions, reductions).
list(APPEND LQ_SOURCES
  src/common/status.c src/common/alloc.c src/common/rng.c src/common/core_api.c
  src/common/common_ref.c)
list(APPEND LQ_SOURCES_avx2 src/common/common_avx2.c)
list(APPEND LQ_SOURCES_avx512 src/common/common_avx512.c)
list(APPEND LQ_SOURCES_neon src/common/common_neon.c)
