#pragma once
/// The one rule for every folder kinoglaz writes into (`analyze -o`, `reveal -o`, `split -o`,
/// `batch -o`): never lose a user's files.
///
/// A folder is written only when it is absent, empty, or one kinoglaz made before (it holds the
/// marker file `.kinoglaz`, or, for folders of earlier versions, a kinoglaz `analysis.json`).
/// Any other folder is refused with Error(bad_usage) — exit 2 — unless `force` is set, and even
/// then only the files kinoglaz writes are replaced: the user's other files stay untouched.
///
/// The marker `.kinoglaz` is a small JSON file that lists the files kinoglaz wrote, each with
/// the kind of run that wrote it. A later run of the same kind that replaces its earlier result
/// (an analysis, a split) deletes the files the earlier run listed and this run did not write
/// again — and nothing else.

#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace kinoglaz {

/// What a run writes into its folder, and whether it replaces what an earlier run of the same
/// kind wrote there.
enum class OutputKind {
    analysis,  ///< an analysis folder; replaces the earlier analysis's files
    split,     ///< one file per shot; replaces the earlier split's files
    reveal,    ///< reveal clips; several reveals share a folder, each adds its clip
    corpus,    ///< a corpus folder of `batch`: per-film analysis folders and tables
};

/// An output folder claimed under the rule above.
///
/// Writing happens in one of two ways:
/// - staged (analysis, split): files are written into `staging()`, a fresh temporary sibling folder
///   `OUTDIR.partial-<pid>`, and commit() moves them into OUTDIR. When OUTDIR is absent the
///   whole folder is renamed into place at once. Otherwise the file named by `completes_with`
///   (e.g. analysis.json) is removed first and moved in last, so that a reader never takes a
///   half-moved folder for a complete one.
/// - direct (reveal, corpus): files are written straight into `outdir()` (created by the
///   constructor) and noted with record(); commit() updates the marker.
///
/// The destructor of an uncommitted folder removes the staging folder, and OUTDIR itself when
/// this object created it and it is still empty. Not thread-safe; one object per output folder.
class OutputFolder {
  public:
    /// Checks the rule and throws Error(bad_usage) naming the folder when it does not allow
    /// writing (a file, or a folder with someone else's files and no `force`). Throws
    /// Error(io) when a folder cannot be created. Leftover staging folders of processes that no
    /// longer run are removed.
    OutputFolder(std::filesystem::path outdir, OutputKind kind, bool force);
    ~OutputFolder();
    OutputFolder(const OutputFolder&) = delete;
    OutputFolder& operator=(const OutputFolder&) = delete;

    /// The final folder (absolute, normalised, without a trailing slash).
    const std::filesystem::path& outdir() const noexcept { return outdir_; }
    /// The temporary folder to write staged files into (absolute; staged kinds only).
    const std::filesystem::path& staging();
    /// Where this run writes: staging() for staged kinds, outdir() for direct ones.
    const std::filesystem::path& path();

    /// Names a file that must never be replaced or deleted (the run's own input): commit()
    /// throws Error(bad_usage) before moving anything if an output would replace it, and an
    /// earlier run's list never deletes it.
    void protect(const std::filesystem::path& file);
    /// True when writing `relative` inside OUTDIR would replace a protected file.
    bool would_replace_protected(const std::filesystem::path& relative) const;

    /// Notes a file (relative to outdir()) that this run wrote straight into OUTDIR.
    void record(const std::filesystem::path& relative);

    /// Moves staged files into place, deletes what an earlier run of the same kind listed and
    /// this one did not write, and writes the marker. `completes_with` (relative) is moved
    /// last. Throws Error(io) naming the file that could not be moved.
    void commit(const std::filesystem::path& completes_with = {});
    bool committed() const noexcept { return committed_; }

  private:
    void remove_stale_staging() const;
    void write_marker() const;
    std::map<std::string, std::string> read_marker() const;

    std::filesystem::path outdir_;
    std::filesystem::path staging_;
    OutputKind kind_;
    bool created_outdir_ = false;
    bool committed_ = false;
    std::set<std::string> written_;  ///< relative generic paths this run wrote
    std::set<std::filesystem::path> protected_;
    std::map<std::string, std::string> listed_;  ///< the marker's file -> kind, as read
};

/// The marker file's name inside a kinoglaz output folder.
inline constexpr const char* kOutputMarker = ".kinoglaz";

}  // namespace kinoglaz
