# Target helpers shared by every folder: one way to declare a library, a test, a fuzzer.
include_guard(GLOBAL)

# Warnings for our own code only; Boost and other dependencies come in as SYSTEM includes.
function(sb_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                             -Wno-missing-field-initializers)
    if(SB_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# sb_add_library(name SOURCES ... DEPS ... [PUBLIC_DEPS ...])
# Declares sb_<name> with its folder as include root (src/), and an alias sb::<name>.
function(sb_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
    add_library(sb_${name} STATIC ${ARG_SOURCES})
    add_library(sb::${name} ALIAS sb_${name})
    target_include_directories(sb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(sb_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
    target_compile_features(sb_${name} PUBLIC cxx_std_20)
    sb_target_warnings(sb_${name})
endfunction()

# sb_add_test(name SOURCES ... DEPS ... [LABELS ...])
# A GoogleTest executable registered with CTest; tests carry labels (unit, postgres, redis, ...).
function(sb_add_test name)
    if(NOT SB_BUILD_TESTS)
        return()
    endif()
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
    sb_target_warnings(${name})
    if(NOT ARG_LABELS)
        set(ARG_LABELS unit)
    endif()
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# sb_add_fuzzer(name SOURCES ... DEPS ...): a libFuzzer target, built only with clang and
# SB_BUILD_FUZZERS=ON.
function(sb_add_fuzzer name)
    if(NOT SB_BUILD_FUZZERS)
        return()
    endif()
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()
