list(APPEND LQ_BENCH_SOURCES bench_observers.cc)
# Plain-C timing target for bench/compare/observers_vs_torch.py.
add_executable(lq_obs_time obs_time.c)
target_link_libraries(lq_obs_time PRIVATE libquant_static)
