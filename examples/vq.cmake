lq_add_example(pq_search pq_search.c)
