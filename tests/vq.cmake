lq_add_test(test_vq SOURCES test_vq.c ISA_VARIANTS)
lq_add_test(test_vq_kernels SOURCES test_vq_kernels.c)
lq_add_test(test_vq_rq SOURCES test_vq_rq.c)
lq_add_cli_test(cli_vq vq.sh)
# qemu-user (7.2, Debian) hangs in pthread_create for dynamically linked
# aarch64 binaries, so emulated runs use one worker thread. The thread-count
# independence tests still run natively.
if(CMAKE_CROSSCOMPILING)
  set_property(TEST test_vq_rq APPEND PROPERTY ENVIRONMENT "LIBQUANT_NUM_THREADS=1")
  foreach(t test_vq ${LQ_TEST_ISAS})
    if(t STREQUAL "test_vq")
      set(_name test_vq)
    else()
      set(_name test_vq_isa_${t})
    endif()
    set_property(TEST ${_name} APPEND PROPERTY ENVIRONMENT "LIBQUANT_NUM_THREADS=1")
  endforeach()
endif()
lq_add_test(test_vq_lattice SOURCES test_vq_lattice.c)
