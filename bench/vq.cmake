list(APPEND LQ_BENCH_SOURCES bench_vq.cc)
# Plain-C timing driver used by bench/compare/vq_vs_faiss.py.
add_executable(vq_timing vq_timing.c)
target_link_libraries(vq_timing PRIVATE libquant_static)
target_compile_options(vq_timing PRIVATE ${LQ_WARNINGS})
