// kinoglaz batch: manifests, the corpus folder and tables, failures, --resume after a kill,
// and a real single-node Slurm cluster.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/corpus.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kinoglaz {
namespace {

using test::run;
using test::shell_quote;

// A tiny film: two different pictures of `seconds / 2` each (one cut), 320x180, 25 fps.
// `variant` changes the pictures so that films differ.
void make_film(const fs::path& path, int variant, double seconds = 3) {
    static const char* colours[] = {"red",    "blue",   "green", "yellow",
                                    "purple", "orange", "white", "cyan"};
    const double half = seconds / 2;
    const std::string args =
        "-f lavfi -i testsrc2=size=320x180:rate=25:duration=" + std::to_string(half) +
        " -f lavfi -i color=c=" + colours[variant % 8] +
        ":size=320x180:rate=25:duration=" + std::to_string(half) +
        " -filter_complex \"[0]hue=h=" + std::to_string(variant * 40) +
        "[a];[1]drawgrid=w=40:h=40:t=4:c=black[b];[a][b]concat=n=2:v=1[v]\" -map \"[v]\" "
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
        shell_quote(path.string());
    ASSERT_TRUE(test::ffmpeg(args));
}

std::string slurp(const fs::path& p) {
    return test::slurp_file(p.string());
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
    return parse_csv(slurp(p));
}

std::string batch(const std::string& args) {
    return shell_quote(test::kinoglaz_bin()) + " batch " + args;
}

// ---------------------------------------------------------------------------- library

TEST(Corpus, ParsesRfc4180) {
    auto rows = parse_csv("a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\nlines\"\r\n,,\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1][0], "x, y");
    EXPECT_EQ(rows[1][1], "he said \"hi\"");
    EXPECT_EQ(rows[1][2], "two\nlines");
    EXPECT_EQ(rows[2], (std::vector<std::string>{"", "", ""}));
    EXPECT_THROW(parse_csv("a,\"open\n"), Error);
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
}

TEST(Corpus, FilmIdsAreStableSlugsThatNeverCollide) {
    const std::string a = film_id("archive/1925/Battleship Potemkin.mkv");
    EXPECT_EQ(a, film_id("archive/1925/Battleship Potemkin.mkv"));
    EXPECT_EQ(a.substr(0, a.size() - 9), "battleship-potemkin");
    EXPECT_NE(film_id("a/film.mp4"), film_id("b/film.mp4"));
    EXPECT_EQ(film_id("https://example.org/v/clip.mp4?x=1").substr(0, 5), "clip-");
    for (const std::string& s :
         {std::string("???.mp4"), std::string("/"), std::string("Émile.avi")}) {
        const std::string id = film_id(s);
        EXPECT_FALSE(id.empty());
        for (char c : id)
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << id;
    }
}

TEST(Corpus, TextAndCsvManifests) {
    auto m = parse_manifest("# films\n\n  one.mp4  \n/abs/two.mp4\nhttp://h/three.mp4\none.mp4\n",
                            "/base", false);
    ASSERT_EQ(m.entries.size(), 3u);  // the duplicate is dropped
    EXPECT_EQ(m.entries[0].input, "/base/one.mp4");
    EXPECT_EQ(m.entries[0].written, "one.mp4");
    EXPECT_EQ(m.entries[1].input, "/abs/two.mp4");
    EXPECT_EQ(m.entries[2].input, "http://h/three.mp4");
    auto c = parse_manifest("title,input,year\n\"Man, Camera\",films/a.mp4,1929\nB,b.mp4,\n",
                            "/base", true);
    ASSERT_EQ(c.entries.size(), 2u);
    EXPECT_EQ(c.metadata_columns, (std::vector<std::string>{"title", "year"}));
    EXPECT_EQ(c.entries[0].input, "/base/films/a.mp4");
    EXPECT_EQ(c.entries[0].metadata[0].second, "Man, Camera");
    EXPECT_EQ(c.entries[0].metadata[1].second, "1929");
    EXPECT_THROW(parse_manifest("title,year\nx,1\n", "/", true), Error);
    EXPECT_THROW(parse_manifest("# nothing\n\n", "/", false), Error);
}

TEST(Corpus, CsvFieldsNeutraliseFormulas) {
    // OWASP's CSV-injection advice: a cell starting with = + - @ tab or CR is made text.
    EXPECT_EQ(csv_field("=HYPERLINK(\"http://127.0.0.1/\")"),
              "\"'=HYPERLINK(\"\"http://127.0.0.1/\"\")\"");
    EXPECT_EQ(csv_field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
    EXPECT_EQ(csv_field("-2+3"), "'-2+3");
    EXPECT_EQ(csv_field("@SUM(A1:A9)"), "'@SUM(A1:A9)");
    EXPECT_EQ(csv_field("\t=1"), "'\t=1");
    EXPECT_EQ(csv_field("\r=1"), "\"'\r=1\"");
    // Plain numbers stay numbers, and text that only contains the characters is unchanged.
    for (const char* keep : {"-3.5", "+2", "-1e-3", "1929", "a=b", "Vertov, Dziga"})
        EXPECT_EQ(parse_csv(csv_field(keep))[0][0], keep);
    EXPECT_EQ(parse_csv(csv_field("-"))[0][0], "'-");
}

TEST(Corpus, ManifestInputsNeverLookLikeOptions) {
    auto m = parse_manifest("-o://x.mp4\n--force\nhttp://h/a.mp4\n", "/base", false);
    ASSERT_EQ(m.entries.size(), 3u);
    EXPECT_EQ(m.entries[0].input, "/base/-o:/x.mp4");
    EXPECT_EQ(m.entries[1].input, "/base/--force");
    EXPECT_EQ(m.entries[2].input, "http://h/a.mp4");
}

// ---------------------------------------------------------------------------- batch

TEST(Corpus, BatchAnalysesFilmsRecordsFailureAndWritesTables) {
    auto dir = test::temp_dir("corpus-batch");
    fs::create_directories(dir / "films");
    for (int i = 0; i < 3; ++i) make_film(dir / "films" / ("film" + std::to_string(i) + ".mp4"), i);
    std::ofstream(dir / "films" / "broken.mp4") << "this is not a video";
    std::ofstream(dir / "manifest.txt")
        << "# three films and a broken one\nfilms/film0.mp4\n\nfilms/film1.mp4\n"
           "films/broken.mp4\nfilms/film2.mp4\n";
    auto r = run(batch(shell_quote((dir / "manifest.txt").string()) + " -o " +
                       shell_quote((dir / "corpus").string()) + " --jobs 2 --no-reveal"));
    EXPECT_EQ(r.status, 1) << r.err;  // one film failed
    const auto m = read_manifest(dir / "manifest.txt");
    ASSERT_EQ(m.entries.size(), 4u);
    for (const auto& e : m.entries) {
        if (e.written == "films/broken.mp4") {
            EXPECT_FALSE(fs::exists(dir / "corpus" / e.id));
            continue;
        }
        EXPECT_TRUE(fs::exists(dir / "corpus" / e.id / "analysis.json")) << e.id;
        EXPECT_TRUE(fs::exists(dir / "corpus" / e.id / "report.html")) << e.id;
    }
    auto rows = read_csv(dir / "corpus" / "corpus.csv");
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0][0], "id");
    int ok = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        ASSERT_EQ(rows[i].size(), rows[0].size());
        if (rows[i][2] == "ok") {
            ++ok;
            const auto col = [&](const std::string& name) {
                return rows[i][std::size_t(std::find(rows[0].begin(), rows[0].end(), name) -
                                           rows[0].begin())];
            };
            EXPECT_NEAR(std::stod(col("duration_s")), 3.0, 0.1);
            EXPECT_EQ(col("shots"), "2");
            EXPECT_EQ(col("cuts"), "1");
            EXPECT_NEAR(std::stod(col("asl_s")), 1.5, 0.1);
        }
    }
    EXPECT_EQ(ok, 3);
    auto failures = read_csv(dir / "corpus" / "failures.csv");
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_NE(failures[1][1].find("broken.mp4"), std::string::npos);
    EXPECT_EQ(failures[1][2], "1");
    EXPECT_FALSE(failures[1][3].empty());
    auto j = json::parse(slurp(dir / "corpus" / "corpus.json"));
    EXPECT_EQ(j["summary"]["analysed"], 3);
    EXPECT_EQ(j["summary"]["failed"], 1);
    ASSERT_EQ(j["failures"].size(), 1u);
    EXPECT_EQ(j["failures"][0]["exit_status"], 1);
    // The page: one SVG per plot, a link per analysed film, no network resource.
    const std::string html = slurp(dir / "corpus" / "corpus.html");
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("<script>"), std::string::npos);
    for (const auto& e : m.entries)
        if (e.written != "films/broken.mp4") {
            EXPECT_NE(html.find(e.id + "/report.html"), std::string::npos);
        }
    EXPECT_EQ(html.find("src=\"http"), std::string::npos);
    EXPECT_EQ(html.find("href=\"http"), std::string::npos);
    if (test::have_program("xmllint")) {
        // The inline plots must be well-formed XML (libxml2's HTML parser does not know SVG).
        int plots = 0;
        for (std::size_t at = html.find("<svg"); at != std::string::npos;
             at = html.find("<svg", at + 1)) {
            const auto end = html.find("</svg>", at);
            ASSERT_NE(end, std::string::npos);
            std::ofstream(dir / "plot.svg") << html.substr(at, end + 6 - at);
            auto lint = run("xmllint --noout " + shell_quote((dir / "plot.svg").string()));
            EXPECT_EQ(lint.status, 0) << lint.err;
            ++plots;
        }
        EXPECT_EQ(plots, 2);
    }
    fs::remove_all(dir);
}

TEST(Corpus, CsvManifestMetadataCarriedIntoTables) {
    auto dir = test::temp_dir("corpus-csv");
    make_film(dir / "a.mp4", 3);
    make_film(dir / "b.mp4", 4);
    std::ofstream(dir / "films.csv")
        << "title,input,year,director\r\n\"Man with a Movie Camera, The\",a.mp4,1929,"
           "Dziga Vertov\r\n\"Kino-Eye \"\"1924\"\"\",b.mp4,1924,Vertov\r\n";
    auto r = run(batch(shell_quote((dir / "films.csv").string()) + " -o " +
                       shell_quote((dir / "c").string()) + " --no-reveal --quiet"));
    ASSERT_EQ(r.status, 0) << r.err;
    auto rows = read_csv(dir / "c" / "corpus.csv");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0][3], "title");
    EXPECT_EQ(rows[0][4], "year");
    EXPECT_EQ(rows[0][5], "director");
    EXPECT_EQ(rows[1][3], "Man with a Movie Camera, The");
    EXPECT_EQ(rows[1][4], "1929");
    EXPECT_EQ(rows[2][3], "Kino-Eye \"1924\"");
    auto j = json::parse(slurp(dir / "c" / "corpus.json"));
    EXPECT_EQ(j["films"][1]["metadata"]["director"], "Vertov");
    EXPECT_EQ(j["films"][0]["metadata"]["year"], "1929");
    EXPECT_NE(slurp(dir / "c" / "corpus.html").find("Man with a Movie Camera, The"),
              std::string::npos);
    // --tables-only rebuilds the same tables from the folders.
    const std::string before = slurp(dir / "c" / "corpus.csv");
    fs::remove(dir / "c" / "corpus.csv");
    r = run(batch("--tables-only " + shell_quote((dir / "films.csv").string()) + " -o " +
                  shell_quote((dir / "c").string())));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(dir / "c" / "corpus.csv"), before);
    fs::remove_all(dir);
}

TEST(Corpus, ResumeAfterKillRedoesOnlyUnfinishedFilms) {
    auto dir = test::temp_dir("corpus-resume");
    std::ofstream manifest(dir / "m.txt");
    for (int i = 0; i < 4; ++i) {
        make_film(dir / ("f" + std::to_string(i) + ".mp4"), i + 1, 4);
        manifest << "f" << i << ".mp4\n";
    }
    manifest.close();
    const auto m = read_manifest(dir / "m.txt");
    const fs::path killed = dir / "killed", clean = dir / "clean";

    // Start a batch, let it finish one film, kill it (SIGKILL: no chance to clean up).
    const std::string bin = test::kinoglaz_bin(), man = (dir / "m.txt").string(),
                      out = killed.string();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execl(bin.c_str(), bin.c_str(), "batch", man.c_str(), "-o", out.c_str(), "--jobs", "1",
              "--no-reveal", "--quiet", (char*)nullptr);
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int complete = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        complete = 0;
        for (const auto& e : m.entries) complete += film_complete(killed, e.id);
        if (complete >= 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ASSERT_GE(complete, 1);
    // The analysis in flight dies with the batch (SIGTERM from the kernel): wait until its
    // temporary folder is gone, then note what is complete.
    const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto partial_left = [&] {
        for (const auto& entry : fs::directory_iterator(killed))
            if (entry.path().filename().string().find(".partial-") != std::string::npos)
                return true;
        return false;
    };
    while (partial_left() && std::chrono::steady_clock::now() < settle)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(partial_left()) << "a killed analysis left its temporary folder";
    std::map<std::string, fs::file_time_type> finished;
    for (const auto& e : m.entries)
        if (film_complete(killed, e.id))
            finished[e.id] = fs::last_write_time(killed / e.id / "analysis.json");
    ASSERT_LT(finished.size(), m.entries.size()) << "the batch finished before it could be killed";

    auto r = run(
        batch(shell_quote(man) + " -o " + shell_quote(killed.string()) + " --resume --no-reveal"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("resume: " + std::to_string(finished.size()) + " films already complete"),
              std::string::npos)
        << r.err;
    for (const auto& [id, time] : finished)
        EXPECT_EQ(fs::last_write_time(killed / id / "analysis.json"), time)
            << id << " was analysed again";
    for (const auto& e : m.entries) EXPECT_TRUE(film_complete(killed, e.id)) << e.id;

    r = run(
        batch(shell_quote(man) + " -o " + shell_quote(clean.string()) + " --no-reveal --quiet"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(killed / "corpus.csv"), slurp(clean / "corpus.csv"));
    for (const auto& e : m.entries)
        EXPECT_EQ(slurp(killed / e.id / "shots.csv"), slurp(clean / e.id / "shots.csv")) << e.id;
    fs::remove_all(dir);
}

TEST(Corpus, SlurmPrintScriptIsAJobArray) {
    auto dir = test::temp_dir("corpus-script");
    std::ofstream(dir / "m.txt") << "a.mp4\nb.mp4\nc.mp4\n";
    auto r = run(
        batch(shell_quote((dir / "m.txt").string()) + " -o " + shell_quote((dir / "c").string()) +
              " --slurm --print-script --array-max 2 --partition short --time 01:00:00 --mem 4G"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("#SBATCH --array=0-2%2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("#SBATCH --partition=short"), std::string::npos);
    EXPECT_NE(r.out.find("#SBATCH --time=01:00:00"), std::string::npos);
    EXPECT_NE(r.out.find("#SBATCH --mem=4G"), std::string::npos);
    EXPECT_NE(r.out.find("--task \"$SLURM_ARRAY_TASK_ID\" --tasks 3"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "c")) << "--print-script must not write or submit anything";
    if (test::have_program("bash")) {
        std::ofstream(dir / "s.sh") << r.out;
        EXPECT_EQ(run("bash -n " + shell_quote((dir / "s.sh").string())).status, 0);
    }
    fs::remove_all(dir);
}

TEST(Corpus, FormulaTextInTablesIsInert) {
    auto dir = test::temp_dir("corpus-formula");
    // A film that fails fast (not a video): the tables still carry its metadata.
    std::ofstream(dir / "a.mp4") << "not a video";
    std::ofstream(dir / "films.csv")
        << "input,=title,year,note\r\na.mp4,\"=HYPERLINK(\"\"http://127.0.0.1/\"\",\"\"x\"\")\","
           "-3.5,@SUM(1+1)\r\n";
    const std::string args =
        shell_quote((dir / "films.csv").string()) + " -o " + shell_quote((dir / "c").string());
    auto r = run(batch(args + " --quiet"));
    EXPECT_EQ(r.status, 1) << r.err;
    auto rows = read_csv(dir / "c" / "corpus.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][3], "'=title");
    EXPECT_EQ(rows[1][3], "'=HYPERLINK(\"http://127.0.0.1/\",\"x\")");
    EXPECT_EQ(rows[1][4], "-3.5");  // a number stays a number
    EXPECT_EQ(rows[1][5], "'@SUM(1+1)");
    // corpus.json is no spreadsheet: there the text is as written.
    auto j = json::parse(slurp(dir / "c" / "corpus.json"));
    EXPECT_EQ(j["films"][0]["metadata"]["note"], "@SUM(1+1)");
    // failures.csv, rebuilt from a failure record whose reason starts a formula.
    const auto m = read_manifest(dir / "films.csv");
    record_failure(dir / "c", {m.entries[0].id, m.entries[0].input, "=cmd|' /C calc'!A0", 1});
    r = run(batch("--tables-only " + args));
    ASSERT_EQ(r.status, 0) << r.err;
    auto failures = read_csv(dir / "c" / "failures.csv");
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[1][3], "'=cmd|' /C calc'!A0");
    EXPECT_EQ(failures[1][2], "1");
    fs::remove_all(dir);
}

TEST(Corpus, NonUtf8FileNamesDoNotStopABatch) {
    auto dir = test::temp_dir("corpus-bytes");
    const fs::path good = dir / "ok\xFF\xFE.mp4", broken = dir / "broken\xFF.mp4";
    make_film(good, 1, 2);
    make_film(dir / "plain.mp4", 2, 2);
    std::ofstream(broken) << "not a video";
    std::ofstream(dir / "m.txt") << "ok\xFF\xFE.mp4\nbroken\xFF.mp4\nplain.mp4\n";
    const fs::path corpus = dir / "c";
    auto r = run(batch(shell_quote((dir / "m.txt").string()) + " -o " +
                       shell_quote(corpus.string()) + " --no-reveal"));
    EXPECT_EQ(r.status, 1) << r.err;  // the broken film, and only it
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    // The failure names the file readably, on one line of valid text.
    EXPECT_NE(r.err.find("FAILED  " + (dir / "broken\\xFF.mp4").string() + ": "), std::string::npos)
        << r.err;
    EXPECT_TRUE(is_valid_utf8(r.err)) << r.err;

    const std::string text = slurp(corpus / "corpus.json");
    ASSERT_TRUE(json::accept(text));
    auto j = json::parse(text);
    EXPECT_EQ(j["summary"]["analysed"], 2);
    EXPECT_EQ(j["summary"]["failed"], 1);
    ASSERT_EQ(j["films"].size(), 3u);
    EXPECT_EQ(get_user_text(j["films"][0], "input"), good.string());
    EXPECT_EQ(j["films"][0]["status"], "ok");
    EXPECT_EQ(get_user_text(j["films"][1], "input"), broken.string());
    EXPECT_FALSE(j["films"][2].contains("input_bytes"));
    ASSERT_EQ(j["failures"].size(), 1u);
    EXPECT_EQ(percent_unescape(j["failures"][0]["input_bytes"].get<std::string>()),
              broken.string());
    // The film's own analysis.json and the failure record keep the bytes too.
    const auto m = read_manifest(dir / "m.txt");
    auto a = json::parse(slurp(corpus / m.entries[0].id / "analysis.json"));
    EXPECT_EQ(get_user_text(a["source"], "path"), good.string());
    FilmFailure f;
    ASSERT_TRUE(read_failure(corpus, m.entries[1].id, f));
    EXPECT_EQ(f.input, broken.string());
    fs::remove_all(dir);
}

TEST(Corpus, ManifestMustBeABoundedRegularFile) {
    auto dir = test::temp_dir("corpus-bounded");
    const std::string fifo = (dir / "m.fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const fs::path huge = dir / "huge.txt";
    std::ofstream(huge).close();
    fs::resize_file(huge, kMaxManifestBytes + 1);  // sparse
    for (const std::string& input : {std::string("/dev/zero"), fifo, huge.string()}) {
        // A blocking open of the FIFO, or reading /dev/zero, would hang: the timeout shows it.
        auto r = run("timeout -k 5 20 " +
                     batch(shell_quote(input) + " -o " + shell_quote((dir / "c").string())));
        EXPECT_EQ(r.status, 1) << input << ": " << r.err;
        EXPECT_EQ(r.err.rfind("kinoglaz: " + input + ": ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "c"));
    fs::remove_all(dir);
}

// A slurm.conf whose only hosts are 127.0.0.1, with no controller listening: a test that could
// reach sbatch never looks anything up beyond the loopback.
std::string loopback_slurm_env(const fs::path& dir) {
    std::ofstream(dir / "slurm.conf")
        << "ClusterName=kgnone\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=9\n"
           "NodeName=localhost NodeAddr=127.0.0.1 CPUs=1 State=UNKNOWN\n"
           "PartitionName=debug Nodes=localhost Default=YES State=UP\n";
    return "SLURM_CONF=" + shell_quote((dir / "slurm.conf").string()) + " ";
}

TEST(Corpus, SlurmScriptQuotesPathsAndRefusesInjection) {
    auto dir = test::temp_dir("corpus-sbatch-values");
    std::ofstream(dir / "m.txt") << "a.mp4\n";
    const std::string manifest = shell_quote((dir / "m.txt").string());
    // A space, a per cent sign, a quote and a hash: one argument for sbatch's own parser.
    const fs::path corpus = dir / "my corpus 100% \"x\" #1";
    auto r = run(batch(manifest + " -o " + shell_quote(corpus.string()) + " --print-script"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("\n#SBATCH --output=\"" + dir.string() +
                         "/my corpus 100%% \\\"x\\\" #1/slurm/logs/batch-%A_%a.out\"\n"),
              std::string::npos)
        << r.out;
    std::ofstream(dir / "s.sh") << r.out;
    EXPECT_EQ(run("bash -n " + shell_quote((dir / "s.sh").string())).status, 0);

    // Values that would end the #SBATCH line, or are not Slurm's formats: bad usage, nothing
    // written or submitted.
    const std::string env = loopback_slurm_env(dir);
    const std::string c = " -o " + shell_quote((dir / "c").string());
    for (const std::string& bad :
         {c + " --partition " + shell_quote("short\n#SBATCH --wrap=id"), c + " --partition 'a b'",
          c + " --time " + shell_quote("1:00\nid"), c + " --time 1h",
          c + " --mem " + shell_quote("4G --wrap=id"),
          " -o " + shell_quote((dir / "new\nline").string()),
          " -o " + shell_quote((dir / "back\\slash").string())}) {
        for (const char* mode : {" --print-script", " --slurm"}) {
            r = run(env + batch(manifest + bad + mode));
            EXPECT_EQ(r.status, 2) << bad << mode << ": " << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            EXPECT_TRUE(r.out.empty()) << r.out;
        }
    }
    EXPECT_FALSE(fs::exists(dir / "c"));
    EXPECT_FALSE(fs::exists(dir / "new\nline"));

    // A manifest named with an escape sequence, a newline, a quote and a byte that is not
    // UTF-8: the script shown on the terminal holds no raw control byte, yet bash gets the
    // exact name back.
    const fs::path odd = dir / "m\x1B[2J\n'q\xFF.txt";
    fs::copy_file(dir / "m.txt", odd);
    r = run(batch(shell_quote(odd.string()) + " -o " + shell_quote((dir / "c").string()) +
                  " --print-script"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find('\x1B'), std::string::npos);
    EXPECT_EQ(r.out.find('\xFF'), std::string::npos);
    const auto at = r.out.find(" batch $'");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string word = r.out.substr(at + 7, r.out.find(" -o ", at) - at - 7);
    // bash, not sh: $'...' is bash's quoting (the script starts with #!/bin/bash). The whole
    // pipe runs inside bash: run() gives the command line's last program /dev/null as input.
    const auto bytes = [](const std::string& quoted) {
        return run("bash -c " + shell_quote("printf %s " + quoted + " | od -An -tx1 -w4096")).out;
    };
    EXPECT_NE(bytes(word).find("1b 5b 32 4a 0a 27 71 ff"), std::string::npos) << word;
    EXPECT_EQ(bytes(word), bytes(shell_quote(odd.string()))) << word;
    std::ofstream(dir / "s.sh") << r.out;
    EXPECT_EQ(run("bash -n " + shell_quote((dir / "s.sh").string())).status, 0);
    fs::remove_all(dir);
}

// A real single-node cluster (munged, slurmctld, slurmd on 127.0.0.1), set up and torn down by
// tests/corpus/slurm_cluster.sh.
class SlurmCluster {
  public:
    explicit SlurmCluster(fs::path dir) : dir_(std::move(dir)) {
        script_ = fs::path(KINOGLAZ_SOURCE_DIR) / "tests" / "corpus" / "slurm_cluster.sh";
        auto r =
            run("bash " + shell_quote(script_.string()) + " start " + shell_quote(dir_.string()));
        started_ = r.status == 0;
        reason_ = r.err;
    }
    ~SlurmCluster() { stop(); }
    /// Stops the daemons (idempotent); must run before DIR is removed (it holds the pid files).
    void stop() {
        if (stopped_) return;
        stopped_ = true;
        run("bash " + shell_quote(script_.string()) + " stop " + shell_quote(dir_.string()));
    }
    bool started() const { return started_; }
    const std::string& reason() const { return reason_; }
    std::string env() const {
        return "SLURM_CONF=" + shell_quote((dir_ / "slurm.conf").string()) + " ";
    }

  private:
    fs::path dir_, script_;
    bool started_ = false;
    bool stopped_ = false;
    std::string reason_;
};

TEST(Corpus, SlurmArrayOnSingleNodeCluster) {
    if (geteuid() != 0) GTEST_SKIP() << "Slurm test needs root (SlurmUser=root)";
    for (const char* p : {"slurmctld", "slurmd", "munged", "sbatch", "squeue"})
        if (!test::have_program(p))
            GTEST_SKIP() << p << " not installed: apt-get install slurm-wlm munge";
    auto dir = test::temp_dir("corpus-slurm");
    SlurmCluster cluster(dir / "cluster");
    if (!cluster.started()) GTEST_SKIP() << "Slurm could not start here: " << cluster.reason();

    std::ofstream manifest(dir / "films.csv");
    manifest << "input,title\n";
    for (int i = 0; i < 6; ++i) {
        make_film(dir / ("s" + std::to_string(i) + ".mp4"), i);
        manifest << "s" << i << ".mp4,Film " << i << "\n";
    }
    manifest.close();
    // sbatch itself must read the quoted --output: a space, a per cent sign, a quote, a hash.
    const fs::path corpus = dir / "corpus 100% \"a\" #1";
    auto r = run(cluster.env() + batch(shell_quote((dir / "films.csv").string()) + " -o " +
                                       shell_quote(corpus.string()) +
                                       " --slurm --array-max 2 --cpus 1 --no-reveal"));
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    std::string array_id, tables_id;
    std::istringstream(r.out) >> array_id >> tables_id;
    ASSERT_FALSE(tables_id.empty()) << r.out;
    EXPECT_TRUE(fs::exists(corpus / "slurm" / "batch.sh"));
    EXPECT_TRUE(fs::exists(corpus / "slurm" / "tables.sh"));

    // Wait for the array and the tables job to leave the queue.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
    bool drained = false;
    while (std::chrono::steady_clock::now() < deadline) {
        auto q = run(cluster.env() + "squeue -h -o %i");
        if (q.status == 0 && q.out.find_first_not_of(" \n") == std::string::npos) {
            drained = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    ASSERT_TRUE(drained) << "jobs still queued: " << run(cluster.env() + "squeue").out;
    // The tables job's output file names it; the array wrote one log per task.
    EXPECT_TRUE(fs::exists(corpus / "slurm" / "logs" / ("tables-" + tables_id + ".out")));
    for (int t = 0; t < 6; ++t)
        EXPECT_TRUE(fs::exists(corpus / "slurm" / "logs" /
                               ("batch-" + array_id + "_" + std::to_string(t) + ".out")));
    const auto m = read_manifest(dir / "films.csv");
    for (const auto& e : m.entries) EXPECT_TRUE(film_complete(corpus, e.id)) << e.id;
    ASSERT_TRUE(fs::exists(corpus / "corpus.csv")) << "the tables job did not run";
    auto rows = read_csv(corpus / "corpus.csv");
    ASSERT_EQ(rows.size(), 7u);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i][2], "ok") << rows[i][0];
        EXPECT_EQ(rows[i][3], "Film " + std::to_string(i - 1));
    }
    auto j = json::parse(slurp(corpus / "corpus.json"));
    EXPECT_EQ(j["summary"]["analysed"], 6);
    cluster.stop();
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz
