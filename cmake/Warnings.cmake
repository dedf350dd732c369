# One interface target carries the project's warning policy; every first-party
# target links it. System headers (Boost, yaml-cpp) are not affected.
add_library(cardd_warnings INTERFACE)
target_compile_options(cardd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
  -Wmissing-declarations)
if(CARDD_WERROR)
  target_compile_options(cardd_warnings INTERFACE -Werror)
endif()
# GCC 12 at -O2/-O3 reports false -Wrestrict overlaps inside std::string's
# operator+ (GCC bug 105329); it fires on correct code in Release builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(cardd_warnings INTERFACE -Wno-restrict)
endif()
# Under ASan/UBSan, GCC's flow analysis reports false -Wmaybe-uninitialized
# inside libstdc++ (std::regex, std::function); the instrumented code hides
# the initialisation from it.
if(CARDD_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cardd_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
