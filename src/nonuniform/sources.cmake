# Sources of the nonuniform module.
list(APPEND LQ_SOURCES src/nonuniform/nonuniform_ref.c src/nonuniform/logpot.c src/nonuniform/compand.c
  src/nonuniform/lut.c src/nonuniform/dpcm.c)
list(APPEND LQ_SOURCES_avx2 src/nonuniform/nonuniform_avx2.c)
list(APPEND LQ_SOURCES_neon src/nonuniform/nonuniform_neon.c)
