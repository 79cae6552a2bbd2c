#!/usr/bin/env bash
# Fails, naming each file, if a C++ source of the project differs from what clang-format
# makes of it with the repository's .clang-format. Fix with: clang-format -i FILE...
set -euo pipefail
root="${1:?usage: check_format.sh SOURCE_DIR}"
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(find services tools bench tests \( -name '*.cc' -o -name '*.h' \) -type f | sort)
((${#files[@]} > 0)) || { echo "no sources found under $root" >&2; exit 1; }
unformatted=()
for file in "${files[@]}"; do
  clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if ((${#unformatted[@]} > 0)); then
  printf 'not clang-formatted: %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "${#files[@]} sources clang-formatted"
