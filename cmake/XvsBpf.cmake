# SPDX-License-Identifier: Apache-2.0
# Compiling BPF C with clang and embedding the (zlib-compressed) object into a C++ target.

find_program(XVS_CLANG NAMES clang-14 clang REQUIRED)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE XVS_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)

# Host tool: compresses a file and writes it as a C++ byte array.
add_executable(xvs-embed ${CMAKE_CURRENT_LIST_DIR}/xvs_embed.c)
target_link_libraries(xvs-embed PRIVATE ZLIB::ZLIB)

# xvs_bpf_object(<out-var> SOURCE <file.bpf.c> [DEPENDS <headers>...])
# Compiles SOURCE for the BPF target with BTF; sets <out-var> to the object path.
function(xvs_bpf_object out)
  cmake_parse_arguments(ARG "" "SOURCE" "DEPENDS" ${ARGN})
  get_filename_component(name ${ARG_SOURCE} NAME_WE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(inc)
  if(XVS_MULTIARCH)
    set(inc -idirafter /usr/include/${XVS_MULTIARCH})
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${XVS_CLANG} -target bpf -O2 -g -Wall -Wextra -Werror -mcpu=v3
            -I${CMAKE_CURRENT_SOURCE_DIR} ${inc}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_SOURCE} -o ${obj}
    DEPENDS ${ARG_SOURCE} ${ARG_DEPENDS}
    COMMENT "Compiling BPF object ${name}.bpf.o"
    VERBATIM)
  set(${out} ${obj} PARENT_SCOPE)
endfunction()

# xvs_embed(<out-var> OBJECT <file> SYMBOL <name>)
# Generates a C++ source defining `extern const unsigned char <name>[]` (zlib-compressed
# file contents) and `extern const std::size_t <name>_size`.
function(xvs_embed out)
  cmake_parse_arguments(ARG "" "OBJECT;SYMBOL" "" ${ARGN})
  set(src ${CMAKE_CURRENT_BINARY_DIR}/${ARG_SYMBOL}.cpp)
  add_custom_command(
    OUTPUT ${src}
    COMMAND xvs-embed ${ARG_OBJECT} ${src} ${ARG_SYMBOL}
    DEPENDS xvs-embed ${ARG_OBJECT}
    COMMENT "Embedding ${ARG_OBJECT}"
    VERBATIM)
  set(${out} ${src} PARENT_SCOPE)
endfunction()
