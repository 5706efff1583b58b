#include "commands.hpp"

namespace kinoglaz::cli {

namespace {

const char* kCommon =
    "  --threads N        worker and codec threads (default: all cores)\n"
    "  --quiet            no progress bars\n"
    "  --allow-network    allow URLs and non-file protocols\n";

// The options of every command that runs the detection pass (pass_options.hpp).
const char* kPass =
    "  --start T, --end T, --duration T\n"
    "                     only this range; T is seconds (12.5), HH:MM:SS.mmm, SMPTE timecode\n"
    "                     HH:MM:SS:FF (HH:MM:SS;FF drop-frame) or a frame number (123f);\n"
    "                     frames count from 0 and a range is half-open [start, end)\n"
    "  --sensitivity S    transition sensitivity 0..1, higher finds more (default 0.5)\n"
    "  --exact-decode     decode every picture, with the in-loop filter (slower, same\n"
    "                     result)\n"
    "  --metrics FILE     write every frame's feature metrics to FILE (CSV)\n";

// The output-folder rule (output_folder.hpp) of every command that writes a folder.
const char* kForce =
    "  --force            write into a folder that holds other files; only kinoglaz's own\n"
    "                     files are replaced (without it, a folder that is neither empty nor\n"
    "                     made by kinoglaz is refused)\n";

std::string probe_usage() {
    return std::string(
               "usage: kinoglaz probe INPUT [--fast] [--threads N]\n"
               "Prints the video stream's facts as JSON. frame_count is counted by decoding\n"
               "(as ffprobe -count_frames); --fast trusts the container's count instead.\n"
               "  --fast             trust the container's frame count\n") +
           kCommon;
}

std::string cuts_usage() {
    return std::string(
               "usage: kinoglaz cuts INPUT [--json] [--sensitivity S] [--threads N]\n"
               "Detects transitions (cut, dissolve, fade_in, fade_out, wipe) and prints a table,\n"
               "or with --json an object with 'source' and 'transitions'.\n"
               "  --json             print JSON instead of a table\n") +
           kPass +
           "  --segments N       decode N time segments in parallel (same result; default:\n"
           "                     one per thread for pictures up to 1280x720, else 1)\n" +
           kCommon;
}

std::string analyze_usage() {
    return std::string(
               "usage: kinoglaz analyze INPUT -o OUTDIR [--threads N] [--no-reveal] [--quiet]\n"
               "Writes the analysis folder (analysis.json and the exports) into OUTDIR.\n"
               "  --no-reveal        render no clips of the events found\n") +
           kPass + kForce +
           "  --segments N       decode N time segments in parallel (same analysis; default\n"
           "                     1: on few cores the analysis already keeps them busy)\n"
           "  --timeline-rate R  OTIO/FCPXML/EDL in R fps (24000/1001, 23.976, 25, ...; default:\n"
           "                     the film's nominal rate), each cut on its nearest frame\n"
           "  --absolute-paths   refer to the film by file:// URL, not relative to OUTDIR\n"
           "  --audio-stream N   beats and onsets of stream N (default: the first audio stream)\n"
           "  --no-audio         no audio section (the soundtrack is not read)\n"
           "  --keep-edits DIR   keep the corrections of DIR's analysis of this film (transitions\n"
           "                     added or removed and labels set by a person, from rebuild)\n"
           "  --capture-fps F    the footage was shot at F fps (high-speed footage played\n"
           "                     slower): events' frequencies in physical Hz\n" +
           kCommon;
}

std::string rebuild_usage() {
    return std::string(
               "usage: kinoglaz rebuild ANALYSIS_DIR --from EDITED [-o OUTDIR] [--force]\n"
               "Rebuilds an analysis folder from a corrected export: EDITED is an edited\n"
               "shots.csv, cuts.edl, timeline.otio, timeline.fcpxml, annotations.eaf or\n"
               "analysis.json (recognised by content). Transitions and labels (scale, camera,\n"
               "ELAN notes) the person changed are kept as theirs (\"source\": \"user\");\n"
               "shots, set-ups, scenes, patterns, rhythm and every export follow. Only new\n"
               "keyframes are decoded from the film.\n"
               "  --from EDITED      the corrected file\n"
               "  -o OUTDIR          where to write (default: ANALYSIS_DIR itself)\n"
               "  --film FILM        the film, when its path in analysis.json no longer leads\n"
               "                     to it (needed only for new keyframes)\n"
               "  --timeline-rate R  OTIO/FCPXML/EDL in R fps (default: the edited timeline's\n"
               "                     rate, else the film's nominal rate)\n") +
           kForce + kCommon;
}

std::string reveal_usage() {
    return std::string(
               "usage: kinoglaz reveal INPUT -o OUTDIR [--start T] [--end T] [--slow K] "
               "[--magnify A]\n"
               "       [--band LO:HI] [--capture-fps F] [--roi x,y,w,h] [--method eulerian|phase]\n"
               "       [--size PX] [--preview]\n"
               "Renders an annotated H.264 clip of the range: the original next to the motion-\n"
               "magnified and slowed view, with source timecode, K and alpha written on the\n"
               "frame. The file's name gives the range and what was done to it\n"
               "(reveal-2.000-5.000_slow4x_magnify10x.mp4), so several reveals can share OUTDIR.\n"
               "  -o, --output DIR   the folder the clip is written into\n"
               "  --start T, --end T, --duration T\n"
               "                     source range (at most 60 s): seconds, HH:MM:SS.mmm, SMPTE\n"
               "                     HH:MM:SS:FF (;FF drop-frame) or a frame number (123f)\n"
               "  --slow K           slow-down by flow interpolation, 1..16 (default 4)\n"
               "  --magnify A        amplification alpha, 0..100 (default 10; 0 = none)\n"
               "  --band LO:HI       temporal band in Hz (default from the frame rate)\n"
               "  --capture-fps F    the footage was shot at F fps (high-speed, time-lapse):\n"
               "                     --band and the overlay are in physical Hz, below F / 2\n"
               "  --roi x,y,w,h      region of interest in source pixels (boxed, with context)\n"
               "  --method M         phase (default, sharp for large alpha) or eulerian\n"
               "  --size PX          longest side of each panel, 64..3840 (default: the\n"
               "                     source's size; a small --roi is enlarged)\n"
               "  --preview          a small, fast version (panels of at most 480 pixels)\n"
               "  --no-original      only the processed view\n"
               "  --clean            the processed view alone, no overlays (with --magnify 0:\n"
               "                     the whole picture at source size, slowed in its own\n"
               "                     samples)\n") +
           kForce + kCommon;
}

std::string batch_usage() {
    return std::string(
               "usage: kinoglaz batch MANIFEST -o CORPUSDIR [--jobs N] [--resume] [--threads N]\n"
               "       kinoglaz batch --tables-only MANIFEST -o CORPUSDIR\n"
               "       kinoglaz batch MANIFEST -o CORPUSDIR --slurm [--partition P] "
               "[--array-max K]\n"
               "                      [--time T] [--mem M] [--cpus C] [--tasks N] "
               "[--print-script]\n"
               "Analyses every film of MANIFEST into CORPUSDIR/<id>/ (an analysis folder each)\n"
               "and writes corpus.csv, corpus.json, corpus.html and failures.csv. MANIFEST: one\n"
               "path or URL per line (# comments; relative to the manifest's folder), or a .csv\n"
               "with an 'input' column and free metadata columns (title, year, ...). Exit 1 if a\n"
               "film failed.\n"
               "  --jobs N           films in parallel (default 1), each with cores/N threads\n"
               "  --resume           skip films whose folder is complete\n"
               "  --no-tables        analyse only; write no corpus tables\n"
               "  --tables-only      only rebuild the corpus tables from the folders\n"
               "  --task I --tasks N analyse only entries I, I+N, ... (no tables)\n"
               "  --slurm            write CORPUSDIR/slurm/batch.sh (a job array) and tables.sh,\n"
               "                     and submit both with sbatch (tables after the array:\n"
               "                     afterany)\n"
               "  --partition P, --time T, --mem M, --cpus C, --array-max K\n"
               "                     the job array's partition, time and memory limits, cores per\n"
               "                     task and most tasks running at once (with --slurm)\n"
               "  --print-script     print the array script, submit nothing\n"
               "  --no-reveal, --no-audio, --sensitivity S, --exact-decode   passed to every\n"
               "                     analyze\n") +
           kForce + kCommon;
}

std::string split_usage() {
    return std::string(
               "usage: kinoglaz split INPUT -o DIR [--copy] [--name TEMPLATE] [--threads N]\n"
               "Writes one file per shot, DIR/shot-NNN.mp4, with the shots `analyze` finds, each\n"
               "with the first audio stream's sound for the same span. Frame-exact H.264\n"
               "re-encoding by default, in the source's pixel size and aspect (SAR kept), the\n"
               "sound as AAC. Never replaces the input (exit 2).\n"
               "  --copy             copy picture and sound without re-encoding, each file\n"
               "                     starting at the keyframe at or before its shot\n"
               "  --name TEMPLATE    file name without .mp4 (default shot-$SHOT): $SHOT shot\n"
               "                     index, $SCENE scene index (both zero-padded), $START start\n"
               "                     time as HH-MM-SS.mmm, $NAME input name without extension,\n"
               "                     $$ a '$'\n") +
           kPass + kForce + kCommon;
}

std::string live_usage() {
    return "usage: kinoglaz live INPUT [--listen HOST:PORT] [--magnify A] [--band LO:HI]\n"
           "       [--method eulerian|phase] [--replay-s N] [-o OUTDIR] [--realtime]\n"
           "Magnifies a camera or stream as it arrives and serves a page (original and\n"
           "magnified side by side, replay of the last seconds slowed, clips saved) to any\n"
           "browser. INPUT: a V4L2 camera (/dev/video0), a stream URL (udp://, rtp://, srt://,\n"
           "http://; no --allow-network needed) or a file with --realtime. Ends with Ctrl-C\n"
           "(exit 130, as any interrupted command).\n"
           "  --listen HOST:PORT address of the web server (default 127.0.0.1:8090; port 0:\n"
           "                     any free one). Beyond loopback (0.0.0.0, a LAN address) the\n"
           "                     printed address carries a random token every request needs\n"
           "  --magnify A        amplification alpha, 0..100 (default 10; 0 = none)\n"
           "  --band LO:HI       temporal band in Hz (default from the frame rate)\n"
           "  --method M         eulerian (default live: cheaper) or phase\n"
           "  --replay-s N       seconds kept for replays and clips, 1..60 (default 10)\n"
           "  -o, --output DIR   where 'save clip' writes (default ./kinoglaz-live)\n"
           "  --realtime         play a file at its own speed (required for files)\n"
           "  --size PX          longest side of each half of the view (default 640)\n"
           "  --no-events        do not look for micro-gestures\n"
           "  --quiet            no notes on stderr\n" +
           std::string(kForce);
}

std::string eval_usage() {
    return "usage: kinoglaz eval --truth T.json --pred analysis.json [--truth T2 --pred P2 ...]\n"
           "       [--tolerance F] [--json]\n"
           "Scores predicted transitions (and events) against truth files: precision, recall,\n"
           "F1 for cuts, gradual transitions and all, per file and micro-averaged. The last\n"
           "line is machine-readable JSON.\n"
           "  --truth T, --pred P  a truth file and the analysis.json scored against it\n"
           "  --tolerance F      frames a cut may be off and still match (default 1)\n"
           "  --json             print only the JSON summary\n"
           "  --quiet            no per-file tables\n";
}

}  // namespace

std::string usage(const std::string& command) {
    if (command == "probe") return probe_usage();
    if (command == "cuts") return cuts_usage();
    if (command == "analyze") return analyze_usage();
    if (command == "reveal") return reveal_usage();
    if (command == "batch") return batch_usage();
    if (command == "split") return split_usage();
    if (command == "eval") return eval_usage();
    if (command == "rebuild") return rebuild_usage();
    if (command == "live") return live_usage();
    return "usage: kinoglaz COMMAND [options]\n"
           "\n"
           "commands:\n"
           "  analyze INPUT -o OUTDIR   full analysis folder (analysis.json, exports, report)\n"
           "  rebuild DIR --from FILE   the analysis again from a corrected export\n"
           "  cuts INPUT [--json]       transitions only, fastest path\n"
           "  probe INPUT               stream facts as JSON\n"
           "  eval --truth T --pred P   score transitions against truth\n"
           "  split INPUT -o DIR        one file per shot\n"
           "  reveal INPUT -o OUTDIR    slowed, motion-magnified clip of a range\n"
           "  batch MANIFEST -o DIR     analyse a film archive; corpus tables; Slurm arrays\n"
           "  live INPUT                magnify a camera or stream live, served to a browser\n"
           "\n"
           "Run 'kinoglaz COMMAND --help' for a command's options, 'kinoglaz --version' for the\n"
           "version. Exit status: 0 success, 1 bad input, 2 bad usage, 130 interrupted.\n";
}

}  // namespace kinoglaz::cli
