# The command-line client: arbor_cli (src/cli/*.cc but main.cc) and bin/arborctl.
# It stands alone on util and its own HTTP client (cpp-httplib, which Debian ships as a shared
# library built with OpenSSL and zlib; client.cc defines the matching configuration).
file(GLOB cli_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/cli/*.cc)
list(FILTER cli_srcs EXCLUDE REGEX ".*/main\\.cc$")
add_library(arbor_cli STATIC ${cli_srcs})
target_include_directories(arbor_cli PUBLIC ${CMAKE_SOURCE_DIR}/src)
# backup and snapshot restore read and write data directories: the one exception to the
# layering (../shared/STYLE.md), they link the wal, snap and store modules, and restore reads
# the recorded members and writes member IDs as the server does (server/membership.h).
target_link_libraries(arbor_cli PUBLIC arbor_util arbor_wal arbor_snap arbor_store arbor_server cpp-httplib ssl crypto
                      Threads::Threads)

add_executable(arborctl ${CMAKE_SOURCE_DIR}/src/cli/main.cc)
target_link_libraries(arborctl PRIVATE arbor_cli)
set_target_properties(arborctl PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_SOURCE_DIR}/bin)

# tests/cli: unit tests link the library; integration tests run bin/arborctl.
if(TARGET cli_test)
  target_link_libraries(cli_test PRIVATE arbor_cli)
  add_dependencies(cli_test arborctl)
endif()
