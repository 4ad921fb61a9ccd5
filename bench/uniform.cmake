list(APPEND LQ_BENCH_SOURCES bench_uniform.cc)
# Plain-C timing program (JSON) used by bench/compare/uniform_vs_torch.py.
add_executable(lq_uniform_speed uniform_speed.c)
target_link_libraries(lq_uniform_speed PRIVATE libquant_static)
