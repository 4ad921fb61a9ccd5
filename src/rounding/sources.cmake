list(APPEND LQ_SOURCES src/rounding/rounding.c)
