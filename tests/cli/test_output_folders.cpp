// Every command that writes a folder (analyze, reveal, split, batch) follows one rule: OUTDIR
// is written only when absent, empty or kinoglaz's own; a folder with the user's files is
// refused with exit 2 and one line, and --force replaces only kinoglaz's files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

struct Command {
    std::string name;
    std::string file_it_writes;  ///< a file every successful run puts into OUTDIR
    std::string args;            ///< the command line after the program, {IN} and {OUT} replaced
};

std::ostream& operator<<(std::ostream& os, const Command& c) {
    return os << c.name;
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
    return text;
}

class OutputFolders : public ::testing::TestWithParam<Command> {
  protected:
    static void SetUpTestSuite() {
        dir_ = temp_dir("outfolders");
        // Two shots of one second each: enough for a cut, a split and a reveal.
        film_ = dir_ / "film.mp4";
        if (have_program("ffmpeg"))
            ffmpeg(
                "-f lavfi -i testsrc=size=160x120:rate=25:duration=1 -f lavfi -i "
                "color=c=red:size=160x120:rate=25:duration=1 -filter_complex "
                "\"[0:v][1:v]concat=n=2:v=1[v]\" -map \"[v]\" -c:v libx264 -preset ultrafast "
                "-pix_fmt yuv420p " +
                shell_quote(film_.string()));
        write_file(dir_ / "films.txt", film_.string() + "\n");
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    void SetUp() override {
        if (!fs::exists(kinoglaz_bin())) GTEST_SKIP() << "kinoglaz not built: " << kinoglaz_bin();
        if (!fs::exists(film_)) GTEST_SKIP() << "ffmpeg could not make the test film";
    }

    // Runs the command with OUTDIR = `out` (as given on the command line) from folder `cwd`.
    RunResult run_into(const std::string& out, const fs::path& cwd = {},
                       const std::string& extra = "", const std::string& prefix = "") {
        std::string args = replace_all(GetParam().args, "{IN}", shell_quote(film_.string()));
        args = replace_all(args, "{MANIFEST}", shell_quote((dir_ / "films.txt").string()));
        args = replace_all(args, "{OUT}", shell_quote(out));
        std::string line = prefix + shell_quote(kinoglaz_bin()) + " " + args + " " + extra;
        if (!cwd.empty()) line = "cd " + shell_quote(cwd.string()) + " && " + line;
        return run(line);
    }

    fs::path fresh(const std::string& name) {
        const fs::path p = dir_ / (GetParam().name + "-" + name);
        fs::remove_all(p);
        return p;
    }

    static void expect_refused(const RunResult& r, const std::string& folder) {
        SCOPED_TRACE("stderr: " + r.err);
        EXPECT_EQ(r.status, 2);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "want one line";
        EXPECT_NE(r.err.find(folder), std::string::npos) << "the line names the folder";
        EXPECT_NE(r.err.find("--force"), std::string::npos) << "the line says the way out";
    }

    static inline fs::path dir_, film_;
};

TEST_P(OutputFolders, RefusesAFolderWithTheUsersFiles) {
    const fs::path out = fresh("user");
    write_file(out / "notes.txt", "my notes");
    expect_refused(run_into(out.string()), out.string());
    EXPECT_EQ(read_file(out / "notes.txt"), "my notes");
    EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 1)
        << "nothing written beside the user's file";
}

TEST_P(OutputFolders, DotInAWorkingFolderIsRefused) {
    const fs::path work = fresh("dot");
    write_file(work / "draft.txt", "draft");
    expect_refused(run_into(".", work), work.string());
    EXPECT_EQ(read_file(work / "draft.txt"), "draft");
}

TEST_P(OutputFolders, ForceWritesBesideTheUsersFilesAndKeepsThem) {
    const fs::path out = fresh("force");
    write_file(out / "notes.txt", "my notes");
    write_file(out / "keyframes" / "mine.jpg", "my picture");
    const auto r = run_into(out.string(), {}, "--force");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(out / "notes.txt"), "my notes");
    EXPECT_EQ(read_file(out / "keyframes" / "mine.jpg"), "my picture");
    EXPECT_TRUE(fs::exists(out / GetParam().file_it_writes));
    // The folder is kinoglaz's own now: a second run needs no --force and keeps the notes.
    const auto again = run_into(out.string());
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(read_file(out / "notes.txt"), "my notes");
}

TEST_P(OutputFolders, NewEmptyAndDotFoldersAreWritten) {
    const fs::path fresh_out = fresh("new") / "deeper";
    EXPECT_EQ(run_into(fresh_out.string()).status, 0);
    EXPECT_TRUE(fs::exists(fresh_out / GetParam().file_it_writes));
    const fs::path empty = fresh("empty");
    fs::create_directories(empty);
    const auto r = run_into(".", empty);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::exists(empty / GetParam().file_it_writes));
}

TEST_P(OutputFolders, SymlinkedOutdirIsWrittenThrough) {
    const fs::path real = fresh("real"), link = fresh("link");
    fs::create_directories(real);
    fs::create_directory_symlink(real, link);
    const auto r = run_into(link.string());
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_TRUE(fs::exists(real / GetParam().file_it_writes));
}

TEST_P(OutputFolders, ReadOnlyOutdirIsOneLineAndExitOne) {
    // Root writes into read-only folders: run the command as the unprivileged user nobody.
    std::string prefix;
    if (::geteuid() == 0) {
        if (!have_program("setpriv")) GTEST_SKIP() << "setpriv (util-linux) not installed";
        prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
        if (run(prefix + "test -x " + shell_quote(kinoglaz_bin())).status != 0)
            GTEST_SKIP() << "the user nobody cannot run " << kinoglaz_bin();
    }
    const fs::path parent = fresh("ro");
    fs::create_directories(parent / "out");
    fs::permissions(parent, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec |
                                fs::perms::others_write);
    // `out` exists, empty and read-only: nothing may be created in it.
    fs::permissions(parent / "out", fs::perms::owner_read | fs::perms::owner_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
    const auto r = run_into((parent / "out").string(), {}, "", prefix);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(fs::is_empty(parent / "out"));
    fs::permissions(parent / "out", fs::perms::owner_all);
}

INSTANTIATE_TEST_SUITE_P(
    Commands, OutputFolders,
    ::testing::Values(
        Command{"analyze", "analysis.json", "analyze {IN} -o {OUT} --quiet --no-reveal"},
        Command{"reveal", "reveal-0.000-1.000.mp4",
                "reveal {IN} -o {OUT} --quiet --end 1 --slow 1 --magnify 0 --size 64"},
        Command{"split", "shot-000.mp4", "split {IN} -o {OUT} --quiet --copy"},
        Command{"batch", "corpus.json", "batch {MANIFEST} -o {OUT} --quiet --no-reveal"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace kinoglaz::test

namespace kinoglaz::test {
namespace {

class ProgressOnATerminal : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!fs::exists(kinoglaz_bin())) GTEST_SKIP() << "kinoglaz not built";
        if (!have_program("script")) GTEST_SKIP() << "util-linux script not installed";
        if (!have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
        dir_ = temp_dir("progress");
        film_ = dir_ / "film.mp4";
        ASSERT_TRUE(
            ffmpeg("-f lavfi -i testsrc=size=160x120:rate=25:duration=1 -f lavfi -i "
                   "color=c=red:size=160x120:rate=25:duration=1 -filter_complex "
                   "\"[0:v][1:v]concat=n=2:v=1[v]\" -map \"[v]\" -c:v libx264 -preset "
                   "ultrafast " +
                   shell_quote(film_.string())));
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_, film_;
};

TEST_F(ProgressOnATerminal, EveryStageOfAnalyzeEndsItsBar) {
    const std::string screen =
        on_a_terminal(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film_.string()) +
                      " -o " + shell_quote((dir_ / "out").string()));
    for (const char* stage : {"analysing", "keyframes", "writing"})
        EXPECT_TRUE(stage_finished(screen, stage)) << stage << " in:\n" << screen;
    // Not on a pipe, and not with --quiet on a terminal.
    const auto piped = run(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film_.string()) +
                           " -o " + shell_quote((dir_ / "piped").string()));
    EXPECT_EQ(piped.err.find("ETA"), std::string::npos) << piped.err;
    const std::string quiet =
        on_a_terminal(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film_.string()) +
                      " --quiet -o " + shell_quote((dir_ / "quiet").string()));
    EXPECT_EQ(quiet.find("ETA"), std::string::npos) << quiet;
}

TEST_F(ProgressOnATerminal, RevealShowsItsBar) {
    const std::string screen = on_a_terminal(
        shell_quote(kinoglaz_bin()) + " reveal " + shell_quote(film_.string()) + " -o " +
        shell_quote((dir_ / "clips").string()) + " --end 1.5 --slow 2 --size 64");
    EXPECT_TRUE(stage_finished(screen, "revealing")) << screen;
}

// The reveals analyze renders for the events it finds have a bar each ("reveal 1/N").
TEST_F(ProgressOnATerminal, AnalyzeShowsABarForEachRevealedEvent) {
    const fs::path film = media_file("dev/dev_micro_01.mp4");
    if (!fs::exists(film)) GTEST_SKIP() << "test footage not found: " << film;
    const std::string screen =
        on_a_terminal(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film.string()) +
                      " -o " + shell_quote((dir_ / "micro").string()));
    EXPECT_TRUE(stage_finished(screen, "reveal 1/")) << screen;
    for (const char* stage : {"analysing", "keyframes", "writing"})
        EXPECT_TRUE(stage_finished(screen, stage)) << stage << " in:\n" << screen;
}

// Reading and tracking the soundtrack comes after the pictures' stages and has its own bar,
// in seconds of audio; a film without sound has none.
TEST_F(ProgressOnATerminal, TheSoundStageHasABarWhenThereIsSound) {
    const fs::path with_sound = dir_ / "sound.mp4";
    ASSERT_TRUE(ffmpeg("-i " + shell_quote(film_.string()) +
                       " -f lavfi -i sine=frequency=440:duration=2 -map 0:v -map 1:a -c:v copy "
                       "-c:a aac -shortest " +
                       shell_quote(with_sound.string())));
    const std::string screen =
        on_a_terminal(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(with_sound.string()) +
                      " --no-reveal -o " + shell_quote((dir_ / "sound").string()));
    EXPECT_TRUE(stage_finished(screen, "sound")) << screen;
    const std::string silent =
        on_a_terminal(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film_.string()) +
                      " --no-reveal -o " + shell_quote((dir_ / "silent").string()));
    EXPECT_TRUE(stage_finished(silent, "keyframes")) << silent;
    EXPECT_EQ(silent.find("sound ["), std::string::npos) << silent;
}

}  // namespace
}  // namespace kinoglaz::test
