list(APPEND QUANT_SOURCES cmd_observe.c)
