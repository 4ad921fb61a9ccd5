# Sources of the observers module (range estimation / calibration).
list(APPEND LQ_SOURCES
  src/observers/observers.c src/observers/obs_hist.c src/observers/obs_data.c
  src/observers/obs_serial.c src/observers/observers_ref.c)
list(APPEND LQ_SOURCES_avx2 src/observers/observers_avx2.c)
list(APPEND LQ_SOURCES_avx512 src/observers/observers_avx512.c)
list(APPEND LQ_SOURCES_neon src/observers/observers_neon.c)
