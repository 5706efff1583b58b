#include "kinoglaz/core/output_folder.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinoglaz/core/error.hpp"

namespace kinoglaz {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMarkerSchema = "kinoglaz.output-folder/1";
// Markers and analyses are small; anything larger is not ours.
constexpr std::uintmax_t kMaxMarkerBytes = 64u << 20;

const char* kind_name(OutputKind kind) {
    switch (kind) {
        case OutputKind::analysis:
            return "analysis";
        case OutputKind::split:
            return "split";
        case OutputKind::reveal:
            return "reveal";
        case OutputKind::corpus:
            return "corpus";
    }
    return "analysis";
}

// A result that must appear whole; reveals and corpora add files one at a time.
bool staged_kind(OutputKind kind) {
    return kind == OutputKind::analysis || kind == OutputKind::split;
}

// An analysis or a split is one result: a new one replaces the earlier one's files. Reveals and
// corpora grow, run after run.
bool replaces_earlier_run(OutputKind kind) {
    return kind == OutputKind::analysis || kind == OutputKind::split;
}

fs::path normalised_absolute(const fs::path& p) {
    fs::path abs = fs::absolute(p).lexically_normal();
    // "out/" normalises to "out/" with an empty filename; the folder is "out".
    if (abs.filename().empty()) abs = abs.parent_path();
    return abs;
}

std::string pid_suffix() {
    return std::to_string(static_cast<long long>(::getpid()));
}

std::string read_small_file(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > kMaxMarkerBytes) return {};
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Files that kinoglaz's own hidden bookkeeping may leave in a folder (the marker, its temporary
// copy while it is replaced).
bool is_bookkeeping(const std::string& name) {
    return name.rfind(kOutputMarker, 0) == 0;
}

// True when `file` is a JSON object whose "schema" starts with `prefix`.
bool has_schema(const fs::path& file, const std::string& prefix) {
    const auto parsed = nlohmann::json::parse(read_small_file(file), nullptr, false);
    return parsed.is_object() && parsed.contains("schema") && parsed["schema"].is_string() &&
           parsed["schema"].get<std::string>().rfind(prefix, 0) == 0;
}

// A folder written before the marker existed: an analysis folder (its analysis.json names
// kinoglaz's schema: the fixed names plus keyframes and reveal clips in kinoglaz's naming) or a
// corpus folder (its corpus.json does).
std::map<std::string, std::string> legacy_files(const fs::path& dir) {
    std::map<std::string, std::string> files;
    if (has_schema(dir / "corpus.json", "kinoglaz.corpus/")) {
        for (const char* name : {"corpus.json", "corpus.csv", "corpus.html", "failures.csv"})
            if (fs::exists(dir / name)) files.emplace(name, "corpus");
        return files;
    }
    if (!has_schema(dir / "analysis.json", "kinoglaz.analysis/")) return files;
    for (const char* name : {"analysis.json", "shots.csv", "shotgraph.dot", "shotgraph.graphml",
                             "timeline.otio", "cuts.edl", "timeline.fcpxml", "annotations.eaf",
                             "chapters.vtt", "beats.vtt", "report.html"})
        if (fs::exists(dir / name)) files.emplace(name, "analysis");
    const std::pair<const char*, std::regex> numbered[] = {
        {"keyframes", std::regex("shot-[0-9]+\\.jpg")},
        {"reveals", std::regex("event-[0-9]+\\.mp4")},
    };
    std::error_code ec;
    for (const auto& [folder, pattern] : numbered)
        for (const auto& entry : fs::directory_iterator(dir / folder, ec))
            if (std::regex_match(entry.path().filename().string(), pattern))
                files.emplace(std::string(folder) + "/" + entry.path().filename().string(),
                              "analysis");
    return files;
}

// True when `path`'s folder, links resolved, lies inside `top` (links resolved): a link inside
// OUTDIR to a folder elsewhere must not let a run write or delete there.
bool resolves_inside(const fs::path& path, const fs::path& top) {
    std::error_code ec;
    const fs::path parent = fs::weakly_canonical(path.parent_path(), ec);
    const fs::path root = fs::weakly_canonical(top, ec);
    if (ec) return false;
    const fs::path relative = parent.lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
}

// Moves one file into `top`, replacing what is at `to`; across file systems (OUTDIR a link to
// another disk) by copying.
void move_file(const fs::path& from, const fs::path& to, const fs::path& top) {
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec || !fs::is_directory(to.parent_path()))
        throw_io(to.parent_path().string(),
                 "cannot create folder: " + (ec ? ec.message() : "a file of that name exists"));
    if (!resolves_inside(to, top))
        throw_io(to.parent_path().string(), "is a link out of the output folder");
    if (fs::is_directory(fs::symlink_status(to)))
        throw_io(to.string(), "a folder of that name is in the way");
    fs::rename(from, to, ec);
    if (ec == std::errc::cross_device_link) {
        ec.clear();
        fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::remove(from, ec);
    }
    if (ec) throw_io(to.string(), "cannot move into place: " + ec.message());
}

// Removes now-empty folders from `file`'s parent up to, not including, `top`.
void remove_empty_parents(const fs::path& file, const fs::path& top) {
    std::error_code ec;
    for (fs::path dir = file.parent_path(); dir != top && dir.string().size() > top.string().size();
         dir = dir.parent_path())
        if (!fs::is_empty(dir, ec) || ec || !fs::remove(dir, ec)) break;
}

}  // namespace

OutputFolder::OutputFolder(fs::path outdir, OutputKind kind, bool force)
    : outdir_(normalised_absolute(outdir)), kind_(kind) {
    std::error_code ec;
    if (outdir_.empty() || outdir_ == outdir_.root_path())
        throw_bad_usage(outdir.string(), "not a usable output folder");
    const auto link_status = fs::symlink_status(outdir_, ec);
    if (fs::is_symlink(link_status) && !fs::exists(outdir_, ec))
        throw_bad_usage(outdir_.string(), "is a link to nothing");
    if (fs::exists(outdir_, ec) && !fs::is_directory(outdir_, ec))
        throw_bad_usage(outdir_.string(), "exists and is not a folder");

    if (fs::is_directory(outdir_, ec)) {
        // Found now, not after the whole analysis.
        if (::access(outdir_.c_str(), W_OK) != 0)
            throw_io(outdir_.string(), std::string("cannot write here: ") + std::strerror(errno));
        const std::string marker = read_small_file(outdir_ / kOutputMarker);
        const auto parsed = nlohmann::json::parse(marker, nullptr, false);
        if (!parsed.is_discarded() && parsed.is_object() &&
            parsed.value("schema", "") == kMarkerSchema && parsed.contains("files") &&
            parsed["files"].is_object()) {
            for (const auto& [file, by] : parsed["files"].items())
                if (by.is_string()) listed_.emplace(file, by.get<std::string>());
        } else {
            listed_ = legacy_files(outdir_);
            if (listed_.empty()) {
                std::string foreign;
                for (const auto& entry : fs::directory_iterator(outdir_, ec)) {
                    const std::string name = entry.path().filename().string();
                    if (!is_bookkeeping(name)) {
                        foreign = name;
                        break;
                    }
                }
                if (ec) throw_io(outdir_.string(), "cannot read folder: " + ec.message());
                if (!foreign.empty() && !force)
                    throw_bad_usage(outdir_.string(),
                                    "holds files kinoglaz did not make (e.g. '" + foreign +
                                        "'); give a new or empty folder, or --force to write "
                                        "beside them (only kinoglaz's own files are replaced)");
            }
        }
    } else {
        const fs::path to_create = staged_kind(kind_) ? outdir_.parent_path() : outdir_;
        const bool existed = fs::exists(to_create, ec);
        fs::create_directories(to_create, ec);
        if (ec) throw_io(to_create.string(), "cannot create folder: " + ec.message());
        created_outdir_ = !staged_kind(kind_) && !existed;
    }
    remove_stale_staging();
    // A folder that cannot be staged is found before the work, not after it. Direct kinds
    // claim the folder at once, so that concurrent runs into it (a Slurm array's tasks) see
    // it as kinoglaz's.
    if (staged_kind(kind_))
        staging();
    else
        write_marker();
}

OutputFolder::~OutputFolder() {
    std::error_code ec;
    if (!staging_.empty()) fs::remove_all(staging_, ec);
    if (committed_ || staged_kind(kind_)) return;
    // A marker alone says nothing; leave the folder as it was found.
    std::vector<std::string> others;
    for (const auto& entry : fs::directory_iterator(outdir_, ec))
        if (entry.path().filename() != kOutputMarker)
            others.push_back(entry.path().filename().string());
    if (!ec && others.empty() && listed_.empty()) {
        fs::remove(outdir_ / kOutputMarker, ec);
        if (created_outdir_) fs::remove(outdir_, ec);
    }
}

const fs::path& OutputFolder::staging() {
    if (!staging_.empty()) return staging_;
    std::error_code ec;
    staging_ = outdir_.parent_path() / (outdir_.filename().string() + ".partial-" + pid_suffix());
    fs::remove_all(staging_, ec);  // a leftover of an earlier process with the same pid
    if (!fs::create_directory(staging_, ec) || ec) {
        const std::string reason = ec ? ec.message() : "exists";
        staging_.clear();
        throw_io(outdir_.parent_path().string(), "cannot create a temporary folder: " + reason);
    }
    return staging_;
}

const fs::path& OutputFolder::path() {
    return staged_kind(kind_) ? staging() : outdir_;
}

void OutputFolder::protect(const fs::path& file) {
    std::error_code ec;
    if (fs::exists(file, ec)) protected_.insert(fs::canonical(file, ec));
}

bool OutputFolder::would_replace_protected(const fs::path& relative) const {
    std::error_code ec;
    const fs::path target = outdir_ / relative;
    for (const auto& p : protected_)
        if (fs::equivalent(target, p, ec)) return true;
    return false;
}

void OutputFolder::record(const fs::path& relative) {
    written_.insert(relative.lexically_normal().generic_string());
}

// Removes OUTDIR.partial-<pid> siblings left by processes that were killed (SIGKILL, power
// loss) before they could clean up. Only folders of exactly that name pattern whose process no
// longer exists are touched.
void OutputFolder::remove_stale_staging() const {
    const std::string prefix = outdir_.filename().string() + ".partial-";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(outdir_.parent_path(), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (digits.size() > 9 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(digits));
        if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
        std::error_code ignored;
        fs::remove_all(entry.path(), ignored);
    }
}

void OutputFolder::write_marker() const {
    nlohmann::json files = nlohmann::json::object();
    for (const auto& [file, by] : listed_) files[file] = by;
    for (const auto& file : written_) files[file] = kind_name(kind_);
    const nlohmann::json marker{{"schema", kMarkerSchema}, {"files", files}};
    // Written beside and renamed over, so that a reader never sees half a marker.
    const fs::path dir = committed_ || !staged_kind(kind_) || staging_.empty() ? outdir_ : staging_;
    const fs::path temp = dir / (std::string(kOutputMarker) + ".tmp-" + pid_suffix());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        // File names are bytes; one that is not UTF-8 is listed in a readable, lossy form.
        out << marker.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (!out) throw_io(temp.string(), "cannot write");
    }
    std::error_code ec;
    fs::rename(temp, dir / kOutputMarker, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw_io((dir / kOutputMarker).string(), "cannot write: " + ec.message());
    }
}

void OutputFolder::commit(const fs::path& completes_with) {
    if (committed_) return;
    std::error_code ec;
    if (staged_kind(kind_)) staging();  // an empty result is a result too
    std::vector<std::string> staged;
    if (!staging_.empty())
        for (auto it = fs::recursive_directory_iterator(staging_, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file())
                staged.push_back(it->path().lexically_relative(staging_).generic_string());
    if (ec) throw_io(staging_.string(), "cannot read the finished folder: " + ec.message());
    for (const auto& file : staged) {
        if (would_replace_protected(file))
            throw_bad_usage((outdir_ / file).string(),
                            "would replace the input; choose another output folder");
        written_.insert(file);
    }

    const auto outdir_status = fs::symlink_status(outdir_, ec);
    if (staged_kind(kind_) && !fs::exists(outdir_status)) {
        // A new folder appears whole, in one rename.
        write_marker();
        fs::rename(staging_, outdir_, ec);
        if (ec)
            throw_io(outdir_.string(),
                     "cannot move the finished folder into place: " + ec.message());
        staging_.clear();
        committed_ = true;
        return;
    }
    // Something that appeared at OUTDIR meanwhile and is not a folder is the user's.
    if (!fs::is_directory(outdir_, ec))
        throw_bad_usage(outdir_.string(), "exists and is not a folder");

    const std::string last = completes_with.generic_string();
    const bool has_last = std::find(staged.begin(), staged.end(), last) != staged.end();
    // The folder stops looking complete before anything in it changes.
    if (has_last) fs::remove(outdir_ / last, ec);
    for (const auto& file : staged)
        if (file != last) move_file(staging_ / file, outdir_ / file, outdir_);

    if (replaces_earlier_run(kind_))
        for (auto it = listed_.begin(); it != listed_.end();) {
            const auto& [file, by] = *it;
            if (by != kind_name(kind_) || written_.count(file) || would_replace_protected(file)) {
                ++it;
                continue;
            }
            // Only what the marker lists as kinoglaz's own, never a folder.
            const fs::path path = (outdir_ / file).lexically_normal();
            const auto relative = path.lexically_relative(outdir_);
            if (!relative.empty() && *relative.begin() != ".." && resolves_inside(path, outdir_) &&
                !fs::is_directory(fs::symlink_status(path, ec))) {
                fs::remove(path, ec);
                remove_empty_parents(path, outdir_);
            }
            it = listed_.erase(it);
        }
    if (has_last) move_file(staging_ / last, outdir_ / last, outdir_);
    committed_ = true;
    write_marker();
    if (!staging_.empty()) {
        fs::remove_all(staging_, ec);
        staging_.clear();
    }
}

}  // namespace kinoglaz
