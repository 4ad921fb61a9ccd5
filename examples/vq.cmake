lq_add_example(pq_search pq_search.c)
lq_add_example(vqvae_ema vqvae_ema.c)
lq_add_example(qinco_vs_rq qinco_vs_rq.c)
if(NOT WIN32)
  target_link_libraries(example_qinco_vs_rq PRIVATE m) # sinf in the data generator
endif()
