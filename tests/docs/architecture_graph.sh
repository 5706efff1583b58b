#!/usr/bin/env bash
# Docs.ArchitectureGraphMatchesCMake: the module graph in docs/architecture.md is the one the
# CMake targets give now (tools/module_graph.sh); prints the difference when it is not.
#
# Usage: architecture_graph.sh SOURCE_DIR
set -euo pipefail
source_dir="$1"
documented="$(sed -n '/<!-- module-graph:begin -->/,/<!-- module-graph:end -->/p' \
    "$source_dir/docs/architecture.md" | sed '1,2d;$d' | sed '$d')"
[[ -n "$documented" ]] || {
    echo "docs/architecture.md has no module-graph block" >&2
    exit 1
}
actual="$("$source_dir/tools/module_graph.sh" "$source_dir")"
if [[ "$documented" != "$actual" ]]; then
    echo "docs/architecture.md's module graph differs from the CMake targets (< doc, > CMake):" >&2
    diff <(printf '%s\n' "$documented") <(printf '%s\n' "$actual") >&2 || true
    echo "regenerate it with tools/module_graph.sh (and docs/architecture.svg with dot)" >&2
    exit 1
fi
echo "module graph of docs/architecture.md matches the CMake targets"
