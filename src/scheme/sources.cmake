# scheme: the scheme-string grammar, the registry of scheme families and
# their adapters (scheme_registry.inc lists them).
list(APPEND LQ_SOURCES src/scheme/scheme.c src/scheme/scheme_int.c src/scheme/scheme_sp.c
  src/scheme/scheme_audio.c src/scheme/scheme_nonuniform.c src/scheme/scheme_llm.c
  src/scheme/scheme_vq.c src/scheme/scheme_lattice.c)
list(APPEND LQ_SOURCES src/scheme/scheme_qinco.c)
