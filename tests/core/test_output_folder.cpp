// The output-folder rule: a folder is written only when absent, empty or kinoglaz's own; the
// user's files are never replaced or deleted, with or without --force.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <fstream>
#include <sstream>

#include <kinoglaz/core.hpp>

namespace kinoglaz {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() /
                         ("kinoglaz-outfolder-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

void write_file(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// One staged analysis run writing `files` (relative path -> content).
void analyse_into(const fs::path& outdir, const std::map<std::string, std::string>& files,
                  bool force = false) {
    OutputFolder folder(outdir, OutputKind::analysis, force);
    for (const auto& [name, text] : files) write_file(folder.path() / name, text);
    folder.commit("analysis.json");
}

ErrorKind error_kind_of(const std::function<void()>& run) {
    try {
        run();
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::internal;
}

TEST(OutputFolder, NewFolderAppearsWholeWithItsMarker) {
    const fs::path root = fresh_dir("new");
    analyse_into(root / "a" / "out", {{"analysis.json", "{}"}, {"keyframes/shot-000.jpg", "k"}});
    EXPECT_EQ(read_file(root / "a/out/analysis.json"), "{}");
    EXPECT_TRUE(fs::exists(root / "a/out/keyframes/shot-000.jpg"));
    EXPECT_NE(read_file(root / "a/out" / kOutputMarker).find("keyframes/shot-000.jpg"),
              std::string::npos);
    fs::remove_all(root);
}

TEST(OutputFolder, RefusesAFolderWithTheUsersFilesAndTouchesNothing) {
    const fs::path root = fresh_dir("user");
    write_file(root / "notes.txt", "my notes");
    const auto kind =
        error_kind_of([&] { OutputFolder folder(root, OutputKind::analysis, false); });
    EXPECT_EQ(kind, ErrorKind::bad_usage);
    EXPECT_EQ(read_file(root / "notes.txt"), "my notes");
    EXPECT_FALSE(fs::exists(root / kOutputMarker));
    for (auto kind2 : {OutputKind::split, OutputKind::reveal, OutputKind::corpus}) {
        EXPECT_EQ(error_kind_of([&] { OutputFolder folder(root, kind2, false); }),
                  ErrorKind::bad_usage);
        EXPECT_FALSE(fs::exists(root / kOutputMarker));
    }
    fs::remove_all(root);
}

TEST(OutputFolder, ForceReplacesOnlyItsOwnFiles) {
    const fs::path root = fresh_dir("force");
    write_file(root / "notes.txt", "my notes");
    write_file(root / "keyframes/mine.jpg", "my picture");
    analyse_into(root, {{"analysis.json", "1"}, {"keyframes/shot-000.jpg", "a"}}, true);
    EXPECT_EQ(read_file(root / "notes.txt"), "my notes");
    EXPECT_EQ(read_file(root / "keyframes/mine.jpg"), "my picture");
    EXPECT_EQ(read_file(root / "analysis.json"), "1");
    // Now kinoglaz's own: a second run needs no --force and removes only its stale keyframe.
    analyse_into(root, {{"analysis.json", "2"}});
    EXPECT_EQ(read_file(root / "analysis.json"), "2");
    EXPECT_FALSE(fs::exists(root / "keyframes/shot-000.jpg"));
    EXPECT_EQ(read_file(root / "notes.txt"), "my notes");
    EXPECT_EQ(read_file(root / "keyframes/mine.jpg"), "my picture");
    fs::remove_all(root);
}

TEST(OutputFolder, UserFilesAddedToOurFolderLaterSurviveAReRun) {
    const fs::path root = fresh_dir("later");
    analyse_into(root / "out", {{"analysis.json", "1"}, {"keyframes/shot-001.jpg", "k"}});
    write_file(root / "out/my-essay.md", "essay");
    write_file(root / "out/keyframes/annotated.png", "drawing");
    analyse_into(root / "out", {{"analysis.json", "2"}});
    EXPECT_EQ(read_file(root / "out/my-essay.md"), "essay");
    EXPECT_EQ(read_file(root / "out/keyframes/annotated.png"), "drawing");
    EXPECT_FALSE(fs::exists(root / "out/keyframes/shot-001.jpg"));
    fs::remove_all(root);
}

TEST(OutputFolder, EmptyFolderAndDotAreAccepted) {
    const fs::path root = fresh_dir("empty");
    const fs::path cwd = fs::current_path();
    fs::current_path(root);
    analyse_into(".", {{"analysis.json", "here"}});
    fs::current_path(cwd);
    EXPECT_EQ(read_file(root / "analysis.json"), "here");
    fs::remove_all(root);
}

TEST(OutputFolder, LegacyAnalysisFolderIsOurs) {
    const fs::path root = fresh_dir("legacy");
    write_file(root / "out/analysis.json", R"({"schema": "kinoglaz.analysis/1"})");
    write_file(root / "out/keyframes/shot-007.jpg", "old");
    write_file(root / "out/notes.txt", "kept");
    analyse_into(root / "out", {{"analysis.json", "new"}});
    EXPECT_EQ(read_file(root / "out/analysis.json"), "new");
    EXPECT_FALSE(fs::exists(root / "out/keyframes/shot-007.jpg"));
    EXPECT_EQ(read_file(root / "out/notes.txt"), "kept");
    fs::remove_all(root);
}

TEST(OutputFolder, SymlinkedOutdirIsWrittenThroughAndStaysALink) {
    const fs::path root = fresh_dir("link");
    fs::create_directories(root / "real");
    fs::create_directory_symlink(root / "real", root / "link");
    analyse_into(root / "link", {{"analysis.json", "x"}});
    EXPECT_TRUE(fs::is_symlink(root / "link"));
    EXPECT_EQ(read_file(root / "real/analysis.json"), "x");
    // A link inside our folder that leads out of it is never written through.
    fs::create_directories(root / "elsewhere");
    fs::remove_all(root / "real/keyframes");
    fs::create_directory_symlink(root / "elsewhere", root / "real/keyframes");
    EXPECT_EQ(
        error_kind_of([&] {
            analyse_into(root / "link", {{"analysis.json", "y"}, {"keyframes/shot-000.jpg", "k"}});
        }),
        ErrorKind::io);
    EXPECT_TRUE(fs::is_empty(root / "elsewhere"));
    fs::remove_all(root);
}

TEST(OutputFolder, NeverReplacesAProtectedInput) {
    const fs::path root = fresh_dir("protect");
    {
        OutputFolder folder(root / "shots", OutputKind::split, false);
        write_file(folder.path() / "shot-000.mp4", "film");
        folder.commit();
    }
    OutputFolder folder(root / "shots", OutputKind::split, false);
    folder.protect(root / "shots/shot-000.mp4");
    EXPECT_TRUE(folder.would_replace_protected("shot-000.mp4"));
    EXPECT_FALSE(folder.would_replace_protected("shot-001.mp4"));
    // The earlier split listed it, this one did not write it: still not deleted.
    write_file(folder.path() / "shot-001.mp4", "other");
    folder.commit();
    EXPECT_EQ(read_file(root / "shots/shot-000.mp4"), "film");
    EXPECT_EQ(read_file(root / "shots/shot-001.mp4"), "other");
    // A run that would write over it stops before moving anything.
    OutputFolder again(root / "shots", OutputKind::split, false);
    again.protect(root / "shots/shot-000.mp4");
    write_file(again.path() / "shot-000.mp4", "clobber");
    write_file(again.path() / "shot-001.mp4", "new");
    EXPECT_EQ(error_kind_of([&] { again.commit(); }), ErrorKind::bad_usage);
    EXPECT_EQ(read_file(root / "shots/shot-000.mp4"), "film");
    EXPECT_EQ(read_file(root / "shots/shot-001.mp4"), "other");
    fs::remove_all(root);
}

TEST(OutputFolder, FailedDirectRunLeavesNoTrace) {
    const fs::path root = fresh_dir("abort");
    { OutputFolder folder(root / "clips", OutputKind::reveal, false); }
    EXPECT_FALSE(fs::exists(root / "clips"));
    fs::create_directories(root / "empty");
    { OutputFolder folder(root / "empty", OutputKind::reveal, false); }
    EXPECT_TRUE(fs::is_empty(root / "empty"));
    fs::remove_all(root);
}

// Runs `run` in a child process as the unprivileged user nobody when the tests run as root
// (root writes into read-only folders); returns the ErrorKind it ended with.
ErrorKind error_kind_unprivileged(const fs::path& owned, const std::function<void()>& run) {
    if (::geteuid() != 0) return error_kind_of(run);
    const uid_t nobody = 65534;
    for (const auto& entry : fs::recursive_directory_iterator(owned))
        if (::lchown(entry.path().c_str(), nobody, nobody) != 0) ADD_FAILURE() << entry.path();
    if (::chown(owned.c_str(), nobody, nobody) != 0) ADD_FAILURE() << owned;
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) ::_exit(99);
        ::_exit(int(error_kind_of(run)));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? ErrorKind(WEXITSTATUS(status)) : ErrorKind::internal;
}

TEST(OutputFolder, ReadOnlyFoldersAreAnIoErrorAndStayAsTheyWere) {
    const fs::path root = fresh_dir("ro");
    const fs::path parent = root / "parent";
    fs::create_directories(parent);
    analyse_into(root / "ours", {{"analysis.json", "earlier"}});
    const auto read_only = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(parent, read_only);
    fs::permissions(root / "ours", read_only);
    EXPECT_EQ(error_kind_unprivileged(root,
                                      [&] {
                                          analyse_into(parent / "out", {{"analysis.json", "x"}});
                                      }),
              ErrorKind::io);
    EXPECT_EQ(error_kind_unprivileged(root,
                                      [&] {
                                          analyse_into(root / "ours", {{"analysis.json", "later"}});
                                      }),
              ErrorKind::io);
    EXPECT_EQ(read_file(root / "ours/analysis.json"), "earlier");
    EXPECT_FALSE(fs::exists(parent / "out"));
    fs::permissions(parent, fs::perms::owner_all);
    fs::permissions(root / "ours", fs::perms::owner_all);
    fs::remove_all(root);
}

TEST(OutputFolder, ACraftedMarkerCannotDeleteOutsideTheFolder) {
    const fs::path root = fresh_dir("crafted");
    write_file(root / "victim.txt", "precious");
    write_file(root / "out" / kOutputMarker,
               R"({"schema": "kinoglaz.output-folder/1", "files": {"../victim.txt": "analysis",
                   ")" +
                   (root / "victim.txt").string() + R"(": "analysis"}})");
    analyse_into(root / "out", {{"analysis.json", "x"}});
    EXPECT_EQ(read_file(root / "victim.txt"), "precious");
    fs::remove_all(root);
}

}  // namespace
}  // namespace kinoglaz
