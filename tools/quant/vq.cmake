list(APPEND QUANT_SOURCES cmd_vq.c)
