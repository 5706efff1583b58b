#include "kinoglaz/unconscious/split.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/montage.hpp>
#include "video_writer.hpp"

namespace kinoglaz {

namespace {

std::string padded(long long value, int width) {
    std::string digits = std::to_string(value);
    if (int(digits.size()) < width) digits.insert(0, std::size_t(width) - digits.size(), '0');
    return digits;
}

int width_for(long long largest) {
    return std::max(3, int(std::to_string(std::max(0LL, largest)).size()));
}

// HH-MM-SS.mmm: a time that sorts as text and holds no ':' (refused on some filesystems).
std::string start_label(double seconds) {
    const long long ms = std::llround(std::max(0.0, seconds) * 1000.0);
    char text[40];
    std::snprintf(text, sizeof text, "%02lld-%02lld-%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
                  ms / 1000 % 60, ms % 1000);
    return text;
}

// Expands the template once per shot; `values` maps a variable to its text, or is null to
// only check the template.
std::string expand(const std::string& tpl, const std::map<std::string, std::string>* values) {
    static const char* const kNames[] = {"SHOT", "SCENE", "START", "NAME"};
    std::string out;
    for (std::size_t i = 0; i < tpl.size(); ++i) {
        if (tpl[i] != '$') {
            out += tpl[i];
            continue;
        }
        if (i + 1 < tpl.size() && tpl[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        bool known = false;
        for (const char* name : kNames) {
            if (tpl.compare(i + 1, std::strlen(name), name) != 0) continue;
            if (values) out += values->at(name);
            i += std::strlen(name);
            known = true;
            break;
        }
        if (!known)
            throw_bad_usage("split", "--name: unknown variable at '" + tpl.substr(i) +
                                         "' (use $SHOT, $SCENE, $START, $NAME or $$)");
    }
    return out;
}

struct FileId {
    unsigned long long dev = 0, ino = 0;
    friend bool operator==(const FileId&, const FileId&) = default;
};

// The identity of what `path` names (following links), if it exists.
std::optional<FileId> file_id(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{static_cast<unsigned long long>(st.st_dev),
                  static_cast<unsigned long long>(st.st_ino)};
}

// Frame-exact: decode exactly the shot's frames and encode their coded samples again
// (same size, same pixel aspect, same rotation flag), timestamps kept relative to the
// shot's first frame; the sound of the same span goes with them.
void reencode_shot(const std::string& input, const Shot& shot, const std::filesystem::path& path,
                   const SplitOptions& options) {
    VideoDecoder decoder(input,
                         full_frames_decode_options(options.threads, options.allow_network, true,
                                                    shot.start_time_s, shot.end_time_s));
    const SourceInfo& info = decoder.info();
    std::unique_ptr<detail::VideoWriter> writer;
    std::int64_t first_pts = 0;
    while (auto picture = decoder.next()) {
        throw_if_cancelled();
        if (picture->index >= shot.frames.end) break;
        Frame frame = decoder.convert(*picture);
        if (!writer) {
            first_pts = frame.timestamp.pts;
            // The sound starts with the first picture and lasts as long as the shot.
            const double start = frame.timestamp.seconds();
            detail::VideoWriterExtras extras{
                .sample_aspect = info.sample_aspect,
                .rotation_deg = info.rotation_deg,
                .audio = detail::WriterAudio{.input = input,
                                             .start_s = start,
                                             .end_s = start + shot.end_time_s - frame.time_s,
                                             .allow_network = options.allow_network}};
            writer = std::make_unique<detail::VideoWriter>(
                path.string(), frame.full_planes.y.size(), info.time_base,
                info.fps > 0 ? info.fps : 25.0, 20, extras);
        }
        writer->write(frame.full_planes, frame.timestamp.pts - first_pts);
    }
    if (!writer)
        throw_bad_input(input, "shot " + std::to_string(shot.index) + " has no decodable frame");
    writer->close();
}

}  // namespace

void check_name_template(const std::string& name_template) {
    if (name_template.empty()) throw_bad_usage("split", "--name: the template is empty");
    if (name_template.find_first_of("/\\") != std::string::npos)
        throw_bad_usage(
            "split", "--name: a file name cannot hold a path separator ('" + name_template + "')");
    expand(name_template, nullptr);
}

std::vector<std::string> shot_file_names(const std::string& name_template, const std::string& input,
                                         const std::vector<Shot>& shots) {
    check_name_template(name_template);
    int last_shot = 0, last_scene = 0;
    for (const Shot& shot : shots) {
        last_shot = std::max(last_shot, shot.index);
        last_scene = std::max(last_scene, shot.scene);
    }
    std::map<std::string, std::string> values{
        {"NAME", std::filesystem::path(input).stem().string()}};
    std::vector<std::string> names;
    std::map<std::string, int> taken;
    for (const Shot& shot : shots) {
        values["SHOT"] = padded(shot.index, width_for(last_shot));
        values["SCENE"] = padded(shot.scene, width_for(last_scene));
        values["START"] = start_label(shot.start_time_s);
        const std::string name = expand(name_template, &values);
        const std::string which = "--name: shot " + std::to_string(shot.index) + " ";
        if (name.empty()) throw_bad_usage("split", which + "gets an empty name");
        if (name.find_first_of("/\\") != std::string::npos || name.find('\0') != std::string::npos)
            throw_bad_usage("split", which + "gets a name with a path separator: " + name);
        if (name.front() == '.')
            throw_bad_usage("split", which + "gets a name starting with '.': " + name);
        if (name.size() > 250) throw_bad_usage("split", which + "gets a name over 250 bytes");
        auto [it, fresh] = taken.emplace(name, shot.index);
        if (!fresh)
            throw_bad_usage("split", which + "gets the same name as shot " +
                                         std::to_string(it->second) + ": " + name + ".mp4");
        names.push_back(name + ".mp4");
    }
    return names;
}

std::vector<std::filesystem::path> split_shots(const std::string& input, const SourceInfo&,
                                               const std::vector<Shot>& shots,
                                               const std::filesystem::path& dir,
                                               const SplitOptions& options) {
    const auto names = shot_file_names(options.name_template, input, shots);
    std::error_code ec;
    // The input is never replaced, whatever folder it is in (by identity: links count too).
    const auto input_id = file_id(input);
    for (const auto& name : names) {
        const auto id = file_id(dir / name);
        if (id && input_id && *id == *input_id)
            throw_bad_usage("split",
                            (dir / name).string() + " is the input itself; choose another -o");
    }

    std::filesystem::create_directories(dir, ec);
    if (ec) throw_io(dir.string(), "cannot create: " + ec.message());
    std::vector<std::filesystem::path> written;
    bool warned = false;
    for (std::size_t i = 0; i < shots.size(); ++i) {
        throw_if_cancelled();
        const Shot& shot = shots[i];
        // A leading dot: no shot's final name can be a temporary name (names may not start
        // with one), so a half-written file never replaces a finished one.
        const auto temp = dir / ("." + names[i]);
        const auto final_path = dir / names[i];
        try {
            if (options.copy) {
                const RangeCopy copied = copy_video_range(input, shot.start_time_s, shot.end_time_s,
                                                          temp.string(), options.allow_network);
                if (!copied.audio_left_out.empty() && !warned) {
                    std::fprintf(stderr,
                                 "split: %s: %s audio cannot be copied into MP4; the files are "
                                 "silent (leave out --copy to keep the sound)\n",
                                 input.c_str(), copied.audio_left_out.c_str());
                    warned = true;
                }
            } else {
                reencode_shot(input, shot, temp, options);
            }
        } catch (...) {
            std::filesystem::remove(temp, ec);
            throw;
        }
        std::filesystem::rename(temp, final_path, ec);
        if (ec) throw_io(final_path.string(), "cannot write: " + ec.message());
        written.push_back(final_path);
    }
    return written;
}

}  // namespace kinoglaz
