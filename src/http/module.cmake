# The server binary: src/main.cc wires the server and http modules (bin/arbor).
add_executable(arbor ${CMAKE_SOURCE_DIR}/src/main.cc)
target_link_libraries(arbor PRIVATE arbor_http arbor_server)
# ARBOR_BIN_DIR lets a profiling build put its binary elsewhere.
if(NOT ARBOR_BIN_DIR)
  set(ARBOR_BIN_DIR ${CMAKE_SOURCE_DIR}/bin)
endif()
set_target_properties(arbor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ARBOR_BIN_DIR})
target_link_libraries(arbor_http PUBLIC crypt)

# The integration tests talk to bin/arbor with cpp-httplib (Debian ships it as a shared library).
if(TARGET integration_test)
  # Debian's libcpp-httplib is built with OpenSSL and zlib: the header must see the same
  # configuration, or httplib::Client has another size in the tests than in the library.
  target_compile_definitions(integration_test PRIVATE CPPHTTPLIB_OPENSSL_SUPPORT
                                                      CPPHTTPLIB_ZLIB_SUPPORT)
  target_link_libraries(integration_test PRIVATE cpp-httplib ssl crypto z)
  add_dependencies(integration_test arbor)
endif()

# The web UI (web/) compiled into arbor_http: cmake/web_assets.cmake generates
# ${CMAKE_BINARY_DIR}/generated/web_assets.cc behind src/http/web_assets.h (docs/web_ui.md).
include(${CMAKE_SOURCE_DIR}/cmake/web_assets.cmake)
