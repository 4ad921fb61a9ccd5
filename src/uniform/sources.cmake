list(APPEND LQ_SOURCES src/uniform/qparams.c)
