#!/usr/bin/env bash
# Generates the embedded default sample film (about 20 s, 640x360, 25 fps, H.264) and its
# exact truth OUT.truth.json (kinoglaz.truth/1) from the recipe in data/sample/.
#
# Usage: tools/make_sample.sh OUT.mp4      (needs ffmpeg with libx264, and python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if (($# != 1)); then
    echo "usage: tools/make_sample.sh OUT.mp4" >&2
    exit 2
fi
for tool in ffmpeg python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make_sample.sh: $tool not found (run tools/bootstrap.sh)" >&2; exit 1; }
done
exec python3 "$ROOT/data/sample/make_sample.py" "$1"
