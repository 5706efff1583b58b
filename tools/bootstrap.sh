#!/usr/bin/env bash
# Installs the system packages kinoglaz needs (only those missing) and builds it (Release).
#
# Usage: tools/bootstrap.sh            (from any directory; as root, or with sudo available)
# Environment:
#   KINOGLAZ_BUILD_DIR   build directory (default: <repo>/build)
#   KINOGLAZ_BUILD_TYPE  CMake build type (default: Release)
#   KINOGLAZ_CMAKE_ARGS  extra arguments for the CMake configure step
#   KINOGLAZ_SKIP_APT=1  never call apt-get (report missing packages and try to build anyway)
#   KINOGLAZ_JOBS        parallel build jobs (default: number of cores)
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

# ---- the one list of system packages (Debian 12 names) ------------------------------------
KINOGLAZ_BASE_PACKAGES=(
    build-essential cmake ninja-build pkg-config git
    libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
    libopencv-dev opencv-data libeigen3-dev libtbb-dev nlohmann-json3-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libxml2-utils graphviz python3 time
)
# Packages added by later features go here (one list, kept next to the base one).
KINOGLAZ_EXTRA_PACKAGES=(
    chromium          # the report page's browser test (driven by playwright-core from npm)
    slurm-wlm munge   # the single-node Slurm cluster test of `kinoglaz batch --slurm`
    libaubio-dev      # tempo, beats and onsets of the soundtrack (engine/sound)
    libxml2-dev       # reading edited FCPXML and ELAN files back (kinoglaz rebuild)
    libcpp-httplib-dev  # the local web server of `kinoglaz live`
    libavdevice-dev     # V4L2 cameras for `kinoglaz live`
    python3-numpy       # benchmarks/make_micro_film.py (micro-gesture test films)
)
# -------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${KINOGLAZ_BUILD_TYPE:-Release}"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_packages() {
    local pkg status
    for pkg in "${KINOGLAZ_BASE_PACKAGES[@]}" "${KINOGLAZ_EXTRA_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == "installed" ]] || printf '%s\n' "$pkg"
    done
}

install_missing() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        log "dpkg-query not found: not a Debian system; install the packages listed in $0 yourself"
        return 0
    fi
    local missing
    mapfile -t missing < <(missing_packages)
    if ((${#missing[@]} == 0)); then
        log "all ${#KINOGLAZ_BASE_PACKAGES[@]} base + ${#KINOGLAZ_EXTRA_PACKAGES[@]} extra packages present"
        return 0
    fi
    log "missing packages: ${missing[*]}"
    if [[ "${KINOGLAZ_SKIP_APT:-0}" == 1 ]]; then
        log "KINOGLAZ_SKIP_APT=1: not installing them"
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            log "not root and no sudo: cannot install ${missing[*]}"
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
    local generator=() cmake_args=()
    if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
        # Keep the generator the directory was configured with (CMake refuses to switch).
        :
    elif command -v ninja >/dev/null 2>&1; then
        generator=(-G Ninja)
    else
        generator=(-G "Unix Makefiles")
    fi
    if [[ -n "${KINOGLAZ_CMAKE_ARGS:-}" ]]; then
        read -r -a cmake_args <<<"$KINOGLAZ_CMAKE_ARGS"
    fi
    log "configuring $BUILD_DIR ($BUILD_TYPE)"
    cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
        "${cmake_args[@]}" >/dev/null
    local jobs="${KINOGLAZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
    log "building with $jobs jobs"
    cmake --build "$BUILD_DIR" --parallel "$jobs"
    log "built $BUILD_DIR/bin/kinoglaz"
}

# The browser test drives Debian's chromium with playwright-core, an npm package pinned by
# tests/browser/package-lock.json. Without npm (or node) the test skips itself.
install_node_modules() {
    local dir="$ROOT/tests/browser"
    [[ -f "$dir/package-lock.json" ]] || return 0
    if [[ -d "$dir/node_modules/playwright-core" ]]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        log "npm not found: the browser test of report.html will be skipped"
        return 0
    fi
    log "installing the browser test's npm packages (npm ci in tests/browser)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
        log "npm ci failed: the browser test of report.html will be skipped"
}

install_missing
install_node_modules
configure_and_build
