#!/usr/bin/env bash
# Install.ExampleBuildsAgainstTheInstalledPackage: installs the build into a temporary prefix,
# builds examples/ against it with find_package(kinoglaz) (nothing from the source or build
# tree on its include or link paths), and runs the example on a two-shot film made with ffmpeg:
# it must report the one cut at frame 50 and the two shots [0, 50) and [50, 100).
#
# Usage: example_against_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir="$1"
source_dir="$2"

work="$(mktemp -d "${TMPDIR:-/tmp}/kinoglaz-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
    printf 'install test: %s\n' "$*" >&2
    exit 1
}

cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" ||
    fail "cmake --install failed: $(tail -5 "$work/install.log")"
[[ -f "$work/prefix/include/kinoglaz/analyze.hpp" ]] || fail "analyze.hpp not installed"
config="$(find "$work/prefix" -name kinoglazConfig.cmake | head -1)"
[[ -n "$config" ]] || fail "kinoglazConfig.cmake not installed"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/examples" -B "$work/build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" 2>&1 ||
    fail "configuring examples/ failed: $(tail -20 "$work/configure.log")"
cmake --build "$work/build" >"$work/build.log" 2>&1 ||
    fail "building examples/ failed: $(tail -30 "$work/build.log")"
# The example must have been compiled against the installed headers, not the source tree's.
grep -rqs -- "$work/prefix/include" "$work/build" ||
    fail "the example was not compiled against the installed headers"
if grep -rqs -- "$source_dir/include" "$work/build"; then
    fail "the example saw the source tree's headers"
fi

# 2 s of a test pattern, then 2 s of flat red: one cut at frame 50 (25 fps).
ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i testsrc=size=160x120:rate=25:duration=2 \
    -f lavfi -i color=c=red:size=160x120:rate=25:duration=2 \
    -filter_complex "[0:v][1:v]concat=n=2:v=1[v]" -map "[v]" -c:v libx264 -preset ultrafast \
    "$work/two-shots.mp4" || fail "ffmpeg could not make the test film"

out="$("$work/build/analyze_film" "$work/two-shots.mp4")" || fail "analyze_film failed"
printf '%s\n' "$out"
grep -qx "100 frames at 25.000 fps" <<<"$out" || fail "wrong frame count or rate"
[[ "$(grep -c -e '^cut at' -e ' over frames ' <<<"$out")" == 1 ]] ||
    fail "expected exactly one transition"
grep -qx 'cut at frame 50, 2.000 s' <<<"$out" || fail "the cut is not at frame 50"
[[ "$(grep -c '^shot ' <<<"$out")" == 2 ]] || fail "expected two shots"
grep -q '^shot 0: frames \[0, 50), 0.000..2.000 s' <<<"$out" || fail "shot 0 is not [0, 50)"
grep -q '^shot 1: frames \[50, 100), 2.000..4.000 s' <<<"$out" || fail "shot 1 is not [50, 100)"
echo "install test: the example built against the installed package and found the cut"
