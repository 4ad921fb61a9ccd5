list(APPEND LQ_SOURCES src/uniform/qparams.c src/uniform/uniform.c src/uniform/tensor.c src/uniform/sp.c
  src/uniform/mixed.c src/uniform/uniform_ref.c)
list(APPEND LQ_SOURCES_avx2 src/uniform/uniform_avx2.c)
list(APPEND LQ_SOURCES_avx512 src/uniform/uniform_avx512.c)
list(APPEND LQ_SOURCES_neon src/uniform/uniform_neon.c)
