# Parses LQ_VERSION_MAJOR/MINOR/PATCH from include/libquant.h (the single
# source of truth) into LQ_VERSION, as zstd's GetZstdLibraryVersion does.
file(READ "${CMAKE_CURRENT_LIST_DIR}/../include/libquant.h" _lq_header)
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "#define LQ_VERSION_${part} +([0-9]+)" _m "${_lq_header}")
  if(NOT _m)
    message(FATAL_ERROR "cannot parse LQ_VERSION_${part} from include/libquant.h")
  endif()
  set(LQ_VERSION_${part} "${CMAKE_MATCH_1}")
endforeach()
set(LQ_VERSION "${LQ_VERSION_MAJOR}.${LQ_VERSION_MINOR}.${LQ_VERSION_PATCH}")
