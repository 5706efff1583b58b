#include "commands.hpp"

namespace kinoglaz::cli {

namespace {

const char* kCommon =
    "  --threads N        worker and codec threads (default: all cores)\n"
    "  --quiet            no progress bar\n"
    "  --allow-network    allow URLs and non-file protocols\n";

}  // namespace

std::string usage(const std::string& command) {
    if (command == "probe")
        return "usage: kinoglaz probe INPUT [--fast] [--threads N]\n"
               "Prints the video stream's facts as JSON. frame_count is counted by decoding\n"
               "(as ffprobe -count_frames); --fast trusts the container's count instead.\n" +
               std::string(kCommon);
    if (command == "cuts")
        return "usage: kinoglaz cuts INPUT [--json] [--sensitivity S] [--threads N]\n"
               "Detects transitions (cut, dissolve, fade_in, fade_out, wipe) and prints a table,\n"
               "or with --json an object with 'source' and 'transitions'.\n"
               "  --sensitivity S    0..1, higher finds more (default 0.5)\n"
               "  --exact-decode     decode with the in-loop filter (slower, same result)\n"
               "  --start T --end T  only this range (seconds or HH:MM:SS.mmm)\n"
               "  --segments N       decode N time segments in parallel (same result; default: "
               "one\n"
               "                     per thread for pictures up to 1280x720, else 1)\n" +
               std::string(kCommon);
    if (command == "analyze")
        return "usage: kinoglaz analyze INPUT -o OUTDIR [--threads N] [--no-reveal] [--quiet]\n"
               "Writes the analysis folder (analysis.json and the exports) into OUTDIR.\n"
               "  --sensitivity S    transition sensitivity 0..1 (default 0.5)\n"
               "  --segments N       decode N time segments in parallel (same analysis; default\n"
               "                     1: on few cores the analysis already keeps them busy)\n"
               "  --timeline-rate R  OTIO/FCPXML/EDL in R fps (24000/1001, 23.976, 25, ...)\n"
               "  --absolute-paths   refer to the film by file:// URL, not relative to OUTDIR\n" +
               std::string(kCommon);
    if (command == "reveal")
        return "usage: kinoglaz reveal INPUT -o OUTDIR [--start T] [--end T] [--slow K] [--magnify "
               "A]\n"
               "       [--band LO:HI] [--roi x,y,w,h] [--method eulerian|phase] [--size PX]\n"
               "Renders an annotated H.264 clip of the range: the original next to the motion-\n"
               "magnified and slowed view, with source timecode, K and alpha written on the "
               "frame.\n"
               "  --start T --end T  source range (seconds or HH:MM:SS.mmm; at most 60 s)\n"
               "  --slow K           slow-down by flow interpolation, 1..16 (default 4)\n"
               "  --magnify A        amplification alpha, 0..100 (default 10; 0 = none)\n"
               "  --band LO:HI       temporal band in Hz (default from the frame rate)\n"
               "  --roi x,y,w,h      region of interest in source pixels (boxed, with context)\n"
               "  --method M         phase (default, sharp for large alpha) or eulerian\n"
               "  --size PX          longest side of each panel (default 640)\n"
               "  --no-original      only the processed view\n"
               "  --clean            the processed view alone, no overlays (with --magnify 0:\n"
               "                     the whole picture at source size, slowed in its own "
               "samples)\n" +
               std::string(kCommon);
    if (command == "batch")
        return "usage: kinoglaz batch MANIFEST -o CORPUSDIR [--jobs N] [--resume] [--threads N]\n"
               "       kinoglaz batch --tables-only MANIFEST -o CORPUSDIR\n"
               "       kinoglaz batch MANIFEST -o CORPUSDIR --slurm [--partition P] [--array-max "
               "K]\n"
               "                      [--time T] [--mem M] [--cpus C] [--tasks N] "
               "[--print-script]\n"
               "Analyses every film of MANIFEST into CORPUSDIR/<id>/ (an analysis folder each) "
               "and\n"
               "writes corpus.csv, corpus.json, corpus.html and failures.csv. MANIFEST: one path "
               "or\n"
               "URL per line (# comments; relative to the manifest's folder), or a .csv with an\n"
               "'input' column and free metadata columns (title, year, ...). Exit 1 if a film "
               "failed.\n"
               "  --jobs N           films in parallel (default 1), each with cores/N threads\n"
               "  --resume           skip films whose folder is complete\n"
               "  --tables-only      only rebuild the corpus tables from the folders\n"
               "  --task I --tasks N analyse only entries I, I+N, ... (no tables)\n"
               "  --slurm            write CORPUSDIR/slurm/batch.sh (a job array) and tables.sh, "
               "and\n"
               "                     submit both with sbatch (tables after the array: afterany)\n"
               "  --print-script     print the array script, submit nothing\n"
               "  --no-reveal, --sensitivity S, --exact-decode   passed to every analyze\n" +
               std::string(kCommon);
    if (command == "split")
        return "usage: kinoglaz split INPUT -o DIR [--copy] [--threads N]\n"
               "Writes one file per shot, DIR/shot-NNN.mp4, with the shots `analyze` finds.\n"
               "Frame-exact H.264 re-encoding by default; --copy copies the stream without\n"
               "re-encoding, each file starting at the keyframe at or before its shot.\n" +
               std::string(kCommon);
    if (command == "eval")
        return "usage: kinoglaz eval --truth T.json --pred analysis.json [--truth T2 --pred P2 "
               "...]\n"
               "       [--tolerance F] [--json]\n"
               "Scores predicted transitions (and events) against truth files: precision, recall,\n"
               "F1 for cuts, gradual transitions and all, per file and micro-averaged. The last\n"
               "line is machine-readable JSON.\n";
    return "usage: kinoglaz COMMAND [options]\n"
           "\n"
           "commands:\n"
           "  analyze INPUT -o OUTDIR   full analysis folder (analysis.json, exports, report)\n"
           "  cuts INPUT [--json]       transitions only, fastest path\n"
           "  probe INPUT               stream facts as JSON\n"
           "  eval --truth T --pred P   score transitions against truth\n"
           "  split INPUT -o DIR        one file per shot\n"
           "  reveal INPUT -o OUTDIR    slowed, motion-magnified clip of a range\n"
           "  batch MANIFEST -o DIR     analyse a film archive; corpus tables; Slurm arrays\n"
           "\n"
           "Run 'kinoglaz COMMAND --help' for a command's options.\n"
           "Exit status: 0 success, 1 bad input, 2 bad usage, 130 interrupted.\n";
}

}  // namespace kinoglaz::cli
