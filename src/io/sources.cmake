# io: file formats (.npy reader/writer, atomic file replacement).
list(APPEND LQ_SOURCES src/io/npy.c src/io/atomic_write.c)
