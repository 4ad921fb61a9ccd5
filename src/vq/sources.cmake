# Sources of the vq module (k-means, product quantization, codec container).
list(APPEND LQ_SOURCES
  src/vq/vq_rng.c src/vq/vq_linalg.c src/vq/vq_threads.c src/vq/kmeans.c src/vq/pq.c src/vq/codec_io.c src/vq/opq.c src/vq/rq.c
  src/vq/vq_ref.c)
list(APPEND LQ_SOURCES src/vq/lsq.c)
list(APPEND LQ_SOURCES src/vq/product.c)
list(APPEND LQ_SOURCES src/vq/lattice.c)
list(APPEND LQ_SOURCES_avx2 src/vq/vq_avx2.c)
list(APPEND LQ_SOURCES_neon src/vq/vq_neon.c)
list(APPEND LQ_SOURCES src/vq/vqvae.c src/vq/qinco.c)
list(APPEND LQ_SOURCES src/vq/search.c src/vq/search_ref.c)
list(APPEND LQ_SOURCES_avx2 src/vq/search_avx2.c)
list(APPEND LQ_SOURCES_neon src/vq/search_neon.c)
