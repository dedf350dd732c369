#!/usr/bin/env bash
# Fails when a C++ file under version control is not formatted per .clang-format.
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find daemon cardctl tests bench -name '*.[ch]pp')
clang-format --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted"
