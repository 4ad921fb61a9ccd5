list(APPEND QUANT_SOURCES cmd_audio.c)
