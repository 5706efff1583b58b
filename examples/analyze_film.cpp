// Analyses a film through kinoglaz's public API and prints its transitions and shots.
// Build it against an installed kinoglaz: see CMakeLists.txt next to this file.
//
//   analyze_film FILM
//
// Frame ranges are half-open, [start, end); times are seconds from the first frame.
#include <cstdio>
#include <exception>
#include <string>

#include <kinoglaz/analyze.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: analyze_film FILM\n");
        return 2;
    }
    try {
        kinoglaz::AnalyzeOptions options;
        options.pass.decode.threads = 2;
        const kinoglaz::Analysis analysis = kinoglaz::analyze(argv[1], options);
        std::printf("%lld frames at %.3f fps\n", (long long)analysis.source.frame_count,
                    analysis.source.fps);
        for (const auto& t : analysis.transitions) {
            const std::string type(kinoglaz::to_string(t.type));
            if (t.gradual())
                std::printf("%s over frames [%lld, %lld), %.3f..%.3f s\n", type.c_str(),
                            (long long)t.frames.start, (long long)t.frames.end, t.start_time_s,
                            t.end_time_s);
            else  // a cut sits on the first frame of the incoming shot
                std::printf("cut at frame %lld, %.3f s\n", (long long)t.frames.start,
                            t.start_time_s);
        }
        for (const auto& s : analysis.shots)
            std::printf("shot %d: frames [%lld, %lld), %.3f..%.3f s, %s, scene %d\n", s.index,
                        (long long)s.frames.start, (long long)s.frames.end, s.start_time_s,
                        s.end_time_s, std::string(kinoglaz::to_string(s.camera)).c_str(), s.scene);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
