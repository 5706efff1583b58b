#!/usr/bin/env bash
# camera_truth.sh: the camera labels of a kinoglaz build against a known truth.
#
#   benchmarks/camera_truth.sh BINARY [WORKDIR]     (default WORKDIR: /tmp/kinoglaz-camera-truth)
#
# Makes sixteen one-shot clips (3 s each) with the ffmpeg CLI from still photographs of
# shared/media/clips/testvideo.mp4 and issue-195-aspect-ratio.mp4 (once; they are kept in
# WORKDIR): a window moving over the enlarged photograph at a known speed (pan, tilt), zoompan
# at a known rate (zoom), a window shaken by a sum of sines (handheld), a fixed window
# (static), at 1280x720 and 1920x1080, 24, 25 and 30 fps, with pans near the static/pan
# boundary of CameraOptions (pan_speed 0.03 frame widths per second). Then runs
# `BINARY analyze --no-reveal` on each and prints its camera label against the truth, and the
# count right. Speeds are in frame sizes per second, zoom rates in ln(scale) per second.
set -euo pipefail
bin=${1:?usage: camera_truth.sh BINARY [WORKDIR]}
work=${2:-/tmp/kinoglaz-camera-truth}
media=${KINOGLAZ_MEDIA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/media}
mkdir -p "$work"
encode=(-c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -an)

still() {  # still NAME SOURCE FRAME: one picture, 1280x720
    [[ -f $work/$1.png ]] ||
        ffmpeg -v error -y -i "$media/clips/$2" -vf "select=eq(n\,$3),scale=1280:720" \
            -frames:v 1 "$work/$1.png"
}
still leaf testvideo.mp4 100
still deer testvideo.mp4 280
still rock testvideo.mp4 450
still metal testvideo.mp4 620
still doc issue-195-aspect-ratio.mp4 120

# window NAME W H FPS STILL X Y: a W x H window at X, Y (expressions of t, in pixels of the
# photograph enlarged to 2W x 2H) over 3 s.
window() {
    [[ -f $work/$1.mp4 ]] && return
    ffmpeg -v error -y -loop 1 -framerate "$4" -i "$work/$5.png" -t 3 \
        -vf "scale=$((2 * $2)):$((2 * $3)):flags=lanczos,format=rgb24,crop=$2:$3:$6:$7" \
        -r "$4" "${encode[@]}" "$work/$1.mp4"
}
# pan NAME W H FPS STILL VX VY: a steady move, VX and VY frame sizes per second.
pan() {
    local x="$2/2+$6*$2*(t-1.5)" y="$3/2+$7*$3*(t-1.5)"
    window "$1" "$2" "$3" "$4" "$5" "$x" "$y"
}
# zoom NAME W H FPS STILL RATE: the content grows by exp(RATE) per second (< 0 zooms out).
zoom() {
    [[ -f $work/$1.mp4 ]] && return
    local n=$((3 * $4))
    ffmpeg -v error -y -loop 1 -framerate "$4" -i "$work/$5.png" -frames:v "$n" \
        -vf "scale=$((4 * $2)):$((4 * $3)):flags=lanczos,zoompan=z='1.2*exp($6*(on-$n/2)/$4)':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=$2x$3:fps=$4" \
        "${encode[@]}" "$work/$1.mp4"
}
# shake NAME W H FPS STILL A: a window shaken by sums of sines, amplitude A frame sizes.
shake() {
    local x="$2/2+$6*$2*(sin(8.2*t)+0.7*sin(18.2*t+1)+0.4*sin(32*t+2))"
    local y="$3/2+$6*$3*(sin(10.1*t+0.5)+0.6*sin(21.4*t+2)+0.3*sin(37*t+1))"
    window "$1" "$2" "$3" "$4" "$5" "$x" "$y"
}

clips=(
    "static_1080_24 static"
    "static_720_30 static"
    "creep_720_25 static"
    "pan_fast_1080_24 pan"
    "pan_left_720_30 pan"
    "pan_slow_1080_25 pan"
    "pan_near_720_24 pan"
    "pan_edge_1080_30 pan"
    "creep_1080_24 static"
    "tilt_1080_30 tilt"
    "tilt_slow_720_25 tilt"
    "zoom_in_1080_25 zoom"
    "zoom_out_720_24 zoom"
    "handheld_1080_24 handheld"
    "handheld_720_30 handheld"
    "handheld_small_720_25 handheld"
)
window static_1080_24 1920 1080 24 leaf 960 540
window static_720_30 1280 720 30 doc 640 360
pan creep_720_25 1280 720 25 rock 0.008 0
pan pan_fast_1080_24 1920 1080 24 deer 0.25 0
pan pan_left_720_30 1280 720 30 leaf -0.15 0
pan pan_slow_1080_25 1920 1080 25 rock 0.05 0
pan pan_near_720_24 1280 720 24 deer 0.04 0
pan pan_edge_1080_30 1920 1080 30 metal 0.034 0
pan creep_1080_24 1920 1080 24 doc 0 0.012
pan tilt_1080_30 1920 1080 30 metal 0 0.12
pan tilt_slow_720_25 1280 720 25 doc 0 -0.06
zoom zoom_in_1080_25 1920 1080 25 deer 0.15
zoom zoom_out_720_24 1280 720 24 leaf -0.1
shake handheld_1080_24 1920 1080 24 rock 0.006
shake handheld_720_30 1280 720 30 deer 0.006
shake handheld_small_720_25 1280 720 25 leaf 0.003

right=0
for c in "${clips[@]}"; do
    read -r name truth <<<"$c"
    out=$work/out-$name
    "$bin" analyze "$work/$name.mp4" -o "$out" --no-reveal --no-audio --quiet --force >/dev/null
    label=$(python3 -c 'import json,sys
shots = json.load(open(sys.argv[1]))["shots"]
print(",".join(s["camera"] for s in shots))' "$out/analysis.json")
    mark=WRONG
    [[ $label == "$truth" ]] && mark=ok && right=$((right + 1))
    printf '%-18s truth %-9s label %-12s %s\n' "$name" "$truth" "$label" "$mark"
done
echo "right: $right of ${#clips[@]}"
