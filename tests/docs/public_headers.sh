#!/usr/bin/env bash
# Docs.PublicHeadersOnly: the include rule of docs/architecture.md holds. A module's parts
# (include/kinoglaz/<module>/) are included only by that module (engine/<module>/, its other
# parts and its header include/kinoglaz/<module>.hpp); everything else includes the module's one
# header, <kinoglaz/<module>.hpp>; nothing includes an engine header by relative path; and the
# module headers do not include each other in a circle. Prints each offending line.
#
# Usage: public_headers.sh SOURCE_DIR
set -euo pipefail
cd "$1"
status=0
fail() {
    printf '%s\n%s\n' "$1" "$2" >&2
    status=1
}
sources=(engine include tools tests benchmarks examples)
files() { find "${sources[@]}" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.hpp.in' \) \
    -not -path 'tests/browser/node_modules/*' | LC_ALL=C sort; }
# A part included from outside its module (or spelled <...>, as only module headers are).
bad="$(files | xargs grep -nE '#\s*include\s+[<"]kinoglaz/[a-z_]+/' |
    grep -vE '^(engine|include/kinoglaz)/([a-z_]+)/[^:]*:[0-9]+:\s*#\s*include\s+"kinoglaz/\2/' |
    grep -vE '^include/kinoglaz/([a-z_]+)\.hpp:[0-9]+:\s*#\s*include\s+"kinoglaz/\1/' |
    grep -vE '^engine/[a-z_]+/[^:]*:[0-9]+:\s*#\s*include\s+"kinoglaz/internal/' || true)"
[[ -z "$bad" ]] || fail "a module's part included from outside the module:" "$bad"
# Another module's header spelled in quotes (the old flat layout) rather than <kinoglaz/...>.
bad="$(files | xargs grep -nE '#\s*include\s+"kinoglaz/[a-z_]+\.hpp"' |
    grep -vE '^(engine|include/kinoglaz)/([a-z_]+)[/.][^:]*:[0-9]+:\s*#\s*include\s+"kinoglaz/\2\.hpp"' ||
    true)"
[[ -z "$bad" ]] || fail "a module header included in quotes (write <kinoglaz/MODULE.hpp>):" "$bad"
bad="$(files | xargs grep -nE '#\s*include\s+"(\.\./)+(engine|include)/' || true)"
[[ -z "$bad" ]] || fail "a header included by relative path:" "$bad"
# Every <kinoglaz/X.hpp> names a module header that exists.
bad="$(files | xargs grep -nhoE '#\s*include\s+<kinoglaz/[a-z_]+\.hpp>' |
    sed -E 's/.*<(kinoglaz\/[a-z_]+\.hpp)>/\1/' | sort -u |
    while read -r h; do [[ -f "include/$h" ]] || echo "$h"; done)"
[[ -z "$bad" ]] || fail "module headers that do not exist:" "$bad"
# The module headers include each other without a circle.
edges="$(for f in include/kinoglaz/*.hpp include/kinoglaz/*/*.hpp; do
    if [[ "$f" == include/kinoglaz/*/* ]]; then from="${f#include/kinoglaz/}" from="${from%%/*}"
    else from="${f##*/}" from="${from%.hpp}"; fi
    grep -oE '#include <kinoglaz/[a-z_]+\.hpp>' "$f" | sed -E "s|.*<kinoglaz/([a-z_]+)\.hpp>|$from \1|" ||
        true
done | sort -u)"
if ! loop="$(tsort <<<"$edges" 2>&1 >/dev/null)" || [[ -n "$loop" ]]; then
    fail "the module headers include each other in a circle:" "$loop"
fi
((status == 0)) && echo "every include follows the public-header rule; module headers form no circle"
exit "$status"
