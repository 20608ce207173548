# SPDX-License-Identifier: Apache-2.0
# Compiling BPF C with clang and embedding the (zlib-compressed) object into a C++ target.

find_program(XVS_CLANG NAMES clang-14 clang REQUIRED)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE XVS_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND ${XVS_CLANG} -print-resource-dir
                OUTPUT_VARIABLE XVS_CLANG_RESOURCE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)

# BPF programs see only kernel UAPI and libbpf headers, never libc: a libc header reached from
# a UAPI one (<linux/icmp.h> -> <linux/if.h> -> <sys/socket.h>) once made the build need
# glibc's 32-bit stubs (libc6-dev-i386). So the BPF compile runs with -nostdinc and an include
# dir holding links to just those trees (plus clang's own freestanding headers): reaching libc
# again fails the build with "file not found", on every machine.
set(XVS_BPF_INCLUDE_DIR ${CMAKE_BINARY_DIR}/bpf-include)
file(MAKE_DIRECTORY ${XVS_BPF_INCLUDE_DIR})
foreach(tree linux asm-generic bpf)
  file(CREATE_LINK /usr/include/${tree} ${XVS_BPF_INCLUDE_DIR}/${tree} SYMBOLIC)
endforeach()
if(XVS_MULTIARCH AND EXISTS /usr/include/${XVS_MULTIARCH}/asm)
  file(CREATE_LINK /usr/include/${XVS_MULTIARCH}/asm ${XVS_BPF_INCLUDE_DIR}/asm SYMBOLIC)
else()
  file(CREATE_LINK /usr/include/asm ${XVS_BPF_INCLUDE_DIR}/asm SYMBOLIC)
endif()

# Host tool: compresses a file and writes it as a C++ byte array.
add_executable(xvs-embed ${CMAKE_CURRENT_LIST_DIR}/xvs_embed.c)
target_link_libraries(xvs-embed PRIVATE ZLIB::ZLIB)

# xvs_bpf_object(<out-var> SOURCE <file.bpf.c> [NAME <name>] [DEFINES <NAME=value>...]
#                [DEPENDS <headers>...])
# Compiles SOURCE for the BPF target with BTF into <name>.bpf.o (default: SOURCE's name);
# sets <out-var> to the object path.
function(xvs_bpf_object out)
  cmake_parse_arguments(ARG "" "SOURCE;NAME" "DEFINES;DEPENDS" ${ARGN})
  get_filename_component(name ${ARG_SOURCE} NAME_WE)
  if(ARG_NAME)
    set(name ${ARG_NAME})
  endif()
  list(TRANSFORM ARG_DEFINES PREPEND -D)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${XVS_CLANG} -target bpf -O2 -g -Wall -Wextra -Werror -mcpu=v3
            -nostdinc -isystem ${XVS_CLANG_RESOURCE_DIR}/include -isystem ${XVS_BPF_INCLUDE_DIR}
            -I${CMAKE_CURRENT_SOURCE_DIR} ${ARG_DEFINES}
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
