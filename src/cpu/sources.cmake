list(APPEND LQ_SOURCES src/cpu/cpu.c src/cpu/dispatch.c)
