# Plain C timing program for bench/compare/hw_vs_audioop.py (no Google Benchmark needed at run time).
enable_language(C)
add_executable(lq_hw_timing hw_timing.c)
target_link_libraries(lq_hw_timing PRIVATE libquant_static)
