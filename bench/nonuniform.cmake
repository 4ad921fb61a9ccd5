list(APPEND LQ_BENCH_SOURCES bench_nonuniform.cc)
