# Per-ISA compile flags, applied per source file, so the rest of the library
# (and the dispatcher) is built for the baseline ISA only.
include(CheckCCompilerFlag)

set(LQ_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(LQ_FLAGS_avx512 -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c)
set(LQ_FLAGS_neon "")
# Armv8.2 dot product (SDOT/UDOT): a separate kernel group, chosen at run time
# when the CPU reports it (HWCAP_ASIMDDP), so baseline aarch64 builds still run
# everywhere.
set(LQ_FLAGS_neondot -march=armv8.2-a+dotprod)

# lq_isa_enabled(<isa> <outvar>): can this compiler build kernels for <isa>
# on this target?
function(lq_isa_enabled isa out)
  set(ok OFF)
  if(isa STREQUAL "neon")
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
      set(ok ON)
    endif()
  elseif(isa STREQUAL "neondot")
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
      set(CMAKE_REQUIRED_QUIET ON)
      check_c_compiler_flag("${LQ_FLAGS_neondot}" LQ_CC_HAS_neondot)
      if(LQ_CC_HAS_neondot)
        set(ok ON)
      endif()
    endif()
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    string(REPLACE ";" " " _flags "${LQ_FLAGS_${isa}}")
    set(CMAKE_REQUIRED_QUIET ON)
    check_c_compiler_flag("${_flags}" LQ_CC_HAS_${isa})
    if(LQ_CC_HAS_${isa})
      set(ok ON)
    endif()
  endif()
  set(${out} ${ok} PARENT_SCOPE)
endfunction()

# lq_isa_sources(<isa> files...): mark files as <isa> kernels.
function(lq_isa_sources isa)
  if(LQ_FLAGS_${isa})
    set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS "${LQ_FLAGS_${isa}}")
  endif()
endfunction()
