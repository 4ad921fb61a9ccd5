list(APPEND LQ_BENCH_SOURCES bench_llmrt.cc)
