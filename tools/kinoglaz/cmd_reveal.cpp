// kinoglaz reveal: render an "optical unconscious" clip of any range (slowed and magnified,
// side by side with the original).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <kinoglaz/core.hpp>
#include <kinoglaz/unconscious.hpp>
#include "args.hpp"
#include "commands.hpp"
#include "magnify_args.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_reveal(const Argv& argv) {
    Args args(argv, {"--quiet", "--no-original", "--clean", "--force", "--preview"},
              {"-o", "--output", "--start", "--end", "--duration", "--slow", "--magnify", "--band",
               "--roi", "--method", "--threads", "--size", "--capture-fps"});
    if (args.positional().size() != 1) throw_bad_usage("reveal", "needs exactly one INPUT");
    auto out_dir = args.value("-o") ? args.value("-o") : args.value("--output");
    if (!out_dir) throw_bad_usage("reveal", "needs -o OUTDIR");
    RevealOptions o;
    const std::string input = args.positional()[0];
    const SecondsRange range = time_range(args, input, false);
    o.start_s = range.start_s;
    o.end_s = range.end_s;
    o.slow = args.integer("--slow", 1, 16).value_or(4);
    o.magnify = args.number("--magnify", 0, 100).value_or(10);
    o.band = band_option(args, "reveal");
    if (auto roi = args.value("--roi")) {
        auto v = numbers(*roi, ',', 4);
        if (!v || (*v)[0] < 0 || (*v)[1] < 0 || (*v)[2] < 1 || (*v)[3] < 1)
            throw_bad_usage("reveal", "--roi must be x,y,w,h in source pixels, got '" + *roi + "'");
        o.roi = cv::Rect(int((*v)[0]), int((*v)[1]), int((*v)[2]), int((*v)[3]));
    }
    if (auto method = method_option(args, "reveal")) o.method = *method;
    o.threads = args.integer("--threads", 0, 256).value_or(0);
    o.max_panel_px = args.integer("--size", 64, 3840).value_or(0);
    o.preview = args.flag("--preview");
    o.capture_fps = args.number("--capture-fps", 1e-3, 1e6);
    o.side_by_side = !args.flag("--no-original");
    o.clean = args.flag("--clean");
    if (!args.flag("--quiet")) o.progress_label = "revealing";

    OutputFolder folder(*out_dir, OutputKind::reveal, args.flag("--force"));
    folder.protect(input);
    // One file per range and treatment, so several reveals can share OUTDIR, and the name
    // says what the clip shows ("reveal-2.000-5.000_slow4x_magnify10x_8Hz.mp4").
    char range_name[64];
    if (o.end_s)
        std::snprintf(range_name, sizeof range_name, "reveal-%.3f-%.3f", o.start_s.value_or(0),
                      *o.end_s);
    else
        std::snprintf(range_name, sizeof range_name, "reveal-%.3f-end", o.start_s.value_or(0));
    std::optional<double> centre_hz;
    if (o.band) centre_hz = std::sqrt(o.band->first * o.band->second);
    const std::string name =
        range_name + reveal_clip_suffix(o.slow, o.magnify, centre_hz, o.preview) + ".mp4";
    if (folder.would_replace_protected(name))
        throw_bad_usage((folder.outdir() / name).string(), "would replace the input");
    const auto path = (folder.path() / name).string();
    render_reveal(input, o, path);
    folder.record(name);
    folder.commit();
    if (!args.flag("--quiet")) std::printf("%s\n", terminal_safe(path).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
