# Sources of the hw module (G.711, IMA-ADPCM, WAV, fixed-point requantization).
list(APPEND LQ_SOURCES src/hw/hw_ref.c src/hw/g711.c src/hw/adpcm.c src/hw/wav.c src/hw/requant.c)
list(APPEND LQ_SOURCES_avx2 src/hw/hw_avx2.c)
list(APPEND LQ_SOURCES_avx512 src/hw/hw_avx512.c)
list(APPEND LQ_SOURCES_neon src/hw/hw_neon.c)
