# Every dependency comes from a Debian 12 package; scripts/install-deps.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS url)
find_package(RapidJSON REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
find_package(Iconv REQUIRED)
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
find_package(tomlplusplus REQUIRED)
# allocator/: mimalloc as the process's malloc (libmimalloc-dev).
option(MINERAL_MIMALLOC "Link mimalloc as the process's malloc (the sanitizer presets turn it off)" ON)
if(MINERAL_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# Debian's RapidJSON config sets only RAPIDJSON_INCLUDE_DIRS; give it a target.
if(NOT TARGET RapidJSON::RapidJSON)
  add_library(RapidJSON::RapidJSON INTERFACE IMPORTED)
  set_target_properties(RapidJSON::RapidJSON PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")
endif()

# Shared helper: one Catch2 binary per library, linking only that library.
# Catch2's main() is slow to compile: build it once for every test binary.
if(MINERAL_BUILD_TESTS AND NOT TARGET mineral_catch_main)
  add_library(mineral_catch_main STATIC ${PROJECT_SOURCE_DIR}/tests/catch_main.cc)
  target_link_libraries(mineral_catch_main PUBLIC Catch2::Catch2)
endif()

function(mineral_add_test_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} mineral_catch_main)
  target_compile_definitions(${name} PRIVATE
    MINERAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    MINERAL_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  catch_discover_tests(${name} TEST_PREFIX "${name}:")
endfunction()

# I/O libraries: only net/ includes curl, only storage/ includes SQLiteCpp.
find_package(CURL REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(OpenSSL REQUIRED)  # HMAC for webhook signatures; TLS test servers
find_package(Threads REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
