// kinoglaz batch: a manifest of films into one corpus folder, locally (--jobs films at a time)
// or as a Slurm job array (--slurm), plus the corpus tables.
//
// Each film is analysed by a child process running `kinoglaz analyze` (the same code as the
// analyze command, kinoglaz::analyze_to_folder): a film that crashes the decoder, runs out of
// memory or is killed takes only itself down, and its exit status is the contract's.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <kinoglaz/core.hpp>
#include <kinoglaz/corpus.hpp>
#include "args.hpp"
#include "commands.hpp"

namespace fs = std::filesystem;

namespace kinoglaz::cli {

namespace {

struct BatchOptions {
    fs::path corpus;
    int jobs = 1;
    int threads = 0;  // per film; 0 = cores / jobs
    bool resume = false;
    bool quiet = false;
    std::vector<std::string> analyze_args;  // passed through to every `analyze`
};

std::string self_exe() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw Error(ErrorKind::internal, "batch: cannot find the kinoglaz binary: " + ec.message());
    return p.string();
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// Quotes one word for the bash scripts --slurm writes. Text that would act on a terminal
// (control characters, bytes outside UTF-8, C1 controls) is written in bash's $'...' form with
// \xHH escapes, so the script that --print-script shows is inert on a terminal and still names
// the exact bytes; other text is single-quoted.
std::string bash_quote(const std::string& s) {
    if (terminal_safe(s) == s) return shell_quote(s);
    std::string out = "$'";
    for (unsigned char c : s) {
        if (c == '\'' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c >= 0x7F) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            out += hex;
        } else {
            out += char(c);
        }
    }
    return out + "'";
}

// The last non-empty line of a log, without the program's "kinoglaz: " prefix. Only the log's
// tail is read: a film that floods its standard error must not flood the batch's memory.
std::string last_line(const fs::path& log) {
    std::ifstream in(log, std::ios::binary | std::ios::ate);
    const std::streamoff tail = 64 * 1024;
    if (in && in.tellg() > tail)
        in.seekg(-tail, std::ios::end);
    else
        in.seekg(0);
    std::string line, last;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        // Progress bars redraw with carriage returns; keep what follows the last one.
        if (auto cr = line.rfind('\r'); cr != std::string::npos) line = line.substr(cr + 1);
        if (!line.empty()) last = line;
    }
    if (last.rfind("kinoglaz: ", 0) == 0) last = last.substr(10);
    return last;
}

struct Running {
    const ManifestEntry* entry;
    std::chrono::steady_clock::time_point started;
};

// Starts `kinoglaz analyze` for one film; stdout to /dev/null, stderr to the film's log.
pid_t start_film(const std::string& exe, const ManifestEntry& e, const BatchOptions& o, int threads,
                 const fs::path& log) {
    // Inputs are absolute paths or URLs; "./" still keeps any other from reading as an option.
    std::vector<std::string> args{exe,
                                  "analyze",
                                  e.input.rfind('-', 0) == 0 ? "./" + e.input : e.input,
                                  "-o",
                                  (o.corpus / e.id).string(),
                                  "--quiet",
                                  "--threads",
                                  std::to_string(threads)};
    args.insert(args.end(), o.analyze_args.begin(), o.analyze_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw_io("batch", "cannot start a process");
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec. The child dies with the batch
        // (SIGKILL of the batch must not leave orphans that later complete folders).
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(130);
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) dup2(fd, 2);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 0);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// Analyses the given films, at most o.jobs at a time. Returns the number that failed.
int run_films(const std::vector<const ManifestEntry*>& films, const BatchOptions& o) {
    if (films.empty()) return 0;
    const std::string exe = self_exe();
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    const int jobs = std::max(1, std::min<int>(o.jobs, int(films.size())));
    const int threads = o.threads > 0 ? o.threads : std::max(1, cores / jobs);
    std::error_code ec;
    fs::create_directories(o.corpus / "_logs", ec);
    if (ec) throw_io((o.corpus / "_logs").string(), "cannot create folder: " + ec.message());

    std::map<pid_t, Running> running;
    std::size_t next = 0, done = 0;
    int failed = 0;
    auto finish = [&](pid_t pid, int status) {
        auto it = running.find(pid);
        if (it == running.end()) return;
        const ManifestEntry& e = *it->second.entry;
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started)
                .count();
        running.erase(it);
        ++done;
        int code = WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        const fs::path log = o.corpus / "_logs" / (e.id + ".log");
        if (code == 0 && film_complete(o.corpus, e.id)) {
            clear_failure(o.corpus, e.id);
            if (!o.quiet)
                std::fprintf(stderr, "[%zu/%zu] ok      %s (%.1f s)\n", done, films.size(),
                             e.id.c_str(), secs);
            return;
        }
        ++failed;
        std::string reason = last_line(log);
        if (code == 127 && reason.empty()) reason = "cannot run " + exe;
        if (WIFSIGNALED(status)) reason = "killed by signal " + std::to_string(WTERMSIG(status));
        if (reason.empty()) reason = code == 0 ? "no analysis.json written" : "analysis failed";
        if (code == 0) code = 1;
        record_failure(o.corpus, {e.id, e.input, reason, code});
        std::fprintf(stderr, "[%zu/%zu] FAILED  %s: %s (exit %d)\n", done, films.size(),
                     terminal_safe(e.input).c_str(), terminal_safe(reason).c_str(), code);
    };
    while (next < films.size() || !running.empty()) {
        if (cancel_flag().load()) {
            // Interrupted: stop the films in flight (their atomic folders vanish) and report it.
            for (auto& [pid, r] : running) kill(pid, SIGTERM);
            for (auto& [pid, r] : running) waitpid(pid, nullptr, 0);
            throw Error(ErrorKind::cancelled, "batch: interrupted");
        }
        while (next < films.size() && int(running.size()) < jobs) {
            const ManifestEntry& e = *films[next++];
            pid_t pid = start_film(exe, e, o, threads, o.corpus / "_logs" / (e.id + ".log"));
            running[pid] = {&e, std::chrono::steady_clock::now()};
        }
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            finish(pid, status);
            continue;
        }
        if (pid < 0 && errno != EINTR) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return failed;
}

struct SlurmOptions {
    std::string partition, time, mem;
    int array_max = 0;
    int cpus = 2;
    int tasks = 0;
};

// #SBATCH lines are read by sbatch itself, not by a shell: it splits an option's argument at
// white space outside quotes, takes '...' and "..." as quotes and a backslash as an escape, and
// ends the argument at an unquoted '#' or at the end of the line (_get_argument in Slurm's
// src/sbatch/opt.c). A value holding a newline would end the directive and could start another
// one, or a shell command below; so values are checked against Slurm's formats, and paths are
// quoted for sbatch's own parser.
void check_slurm_options(const SlurmOptions& s) {
    auto refuse = [](const char* opt, const std::string& v, const char* form) {
        throw_bad_usage("batch", std::string(opt) + " '" + v + "' is not " + form);
    };
    // Slurm names partitions freely in slurm.conf; real ones are words, and a list is
    // comma-separated.
    static const std::regex partition("[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*");
    if (!s.partition.empty() && !std::regex_match(s.partition, partition))
        refuse("--partition", s.partition,
               "a partition name or a comma-separated list of them (letters, digits, '_', '-', "
               "'.')");
    // sbatch(1): minutes, minutes:seconds, hours:minutes:seconds, days-hours,
    // days-hours:minutes, days-hours:minutes:seconds; "INFINITE"/"UNLIMITED" for no limit.
    static const std::regex time(
        "[0-9]+(:[0-9]+){0,2}|[0-9]+-[0-9]+(:[0-9]+){0,2}|INFINITE|UNLIMITED", std::regex::icase);
    if (!s.time.empty() && !std::regex_match(s.time, time))
        refuse("--time", s.time, "a Slurm time (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED)");
    // sbatch(1): a size with an optional unit suffix K, M, G or T (megabytes by default).
    static const std::regex mem("[0-9]+[KMGTkmgt]?");
    if (!s.mem.empty() && !std::regex_match(s.mem, mem))
        refuse("--mem", s.mem, "a Slurm memory size (a number with an optional K, M, G or T)");
}

// The --output argument of an #SBATCH line: double-quoted with '"' escaped for sbatch's
// parser, and '%' doubled because --output is a filename pattern ("%%" is a literal '%').
// A backslash anywhere in --output switches Slurm's %A/%a replacement off, and a control
// character cannot be held by a line at all: such paths are refused for --slurm
// (check_slurm_path).
// `pattern` is the file name, whose % symbols are meant.
std::string sbatch_output(const fs::path& folder, const std::string& pattern) {
    std::string out = "\"";
    for (char c : folder.string()) {
        if (c == '"') out += '\\';
        out += c;
        if (c == '%') out += '%';
    }
    return out + "/" + pattern + "\"";
}

void check_slurm_path(const fs::path& corpus) {
    // #SBATCH lines have no escape for bytes, so the folder must read as is (see terminal_safe).
    const std::string p = corpus.string();
    if (terminal_safe(p) != p || p.find('\\') != std::string::npos)
        throw_bad_usage("batch", "the corpus folder " + p +
                                     " holds a control character, a backslash or bytes that are "
                                     "not UTF-8, which a Slurm script cannot carry; choose "
                                     "another -o for --slurm");
}

std::string batch_script(const std::string& exe, const fs::path& manifest, const BatchOptions& o,
                         const SlurmOptions& s) {
    std::ostringstream sh;
    sh << "#!/bin/bash\n"
       << "#SBATCH --job-name=kinoglaz-batch\n"
       << "#SBATCH --array=0-" << s.tasks - 1;
    if (s.array_max > 0) sh << "%" << s.array_max;
    sh << "\n#SBATCH --cpus-per-task=" << s.cpus << "\n"
       << "#SBATCH --ntasks=1\n"
       << "#SBATCH --output=" << sbatch_output(o.corpus / "slurm" / "logs", "batch-%A_%a.out")
       << "\n";
    if (!s.partition.empty()) sh << "#SBATCH --partition=" << s.partition << "\n";
    if (!s.time.empty()) sh << "#SBATCH --time=" << s.time << "\n";
    if (!s.mem.empty()) sh << "#SBATCH --mem=" << s.mem << "\n";
    sh << "# Written by kinoglaz batch --slurm. Array task i analyses manifest entries i, i+"
       << s.tasks << ", i+2*" << s.tasks << ", ...\n"
       << "# Complete films are skipped (--resume), so resubmitting this script finishes a "
          "corpus.\n"
       << "set -u\n"
       << "exec " << bash_quote(exe) << " batch " << bash_quote(manifest.string()) << " -o "
       << bash_quote(o.corpus.string()) << " --task \"$SLURM_ARRAY_TASK_ID\" --tasks " << s.tasks
       << " --resume --jobs 1 --threads \"${SLURM_CPUS_PER_TASK:-" << s.cpus << "}\" --quiet";
    for (const auto& a : o.analyze_args) sh << " " << bash_quote(a);
    sh << "\n";
    return sh.str();
}

std::string tables_script(const std::string& exe, const fs::path& manifest, const BatchOptions& o,
                          const SlurmOptions& s) {
    std::ostringstream sh;
    sh << "#!/bin/bash\n"
       << "#SBATCH --job-name=kinoglaz-tables\n"
       << "#SBATCH --cpus-per-task=1\n"
       << "#SBATCH --ntasks=1\n"
       << "#SBATCH --output=" << sbatch_output(o.corpus / "slurm" / "logs", "tables-%j.out")
       << "\n";
    if (!s.partition.empty()) sh << "#SBATCH --partition=" << s.partition << "\n";
    if (!s.mem.empty()) sh << "#SBATCH --mem=" << s.mem << "\n";
    sh << "# Written by kinoglaz batch --slurm: runs after the whole array (afterany) and builds\n"
       << "# corpus.csv, corpus.json, corpus.html and failures.csv from the film folders.\n"
       << "set -u\n"
       << "exec " << bash_quote(exe) << " batch --tables-only " << bash_quote(manifest.string())
       << " -o " << bash_quote(o.corpus.string()) << "\n";
    return sh.str();
}

void write_script(const fs::path& path, const std::string& text) {
    {
        std::ofstream out(path, std::ios::binary);
        out << text;
        if (!out) throw_io(path.string(), "cannot write");
    }
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

// Runs sbatch and returns the job id it prints (--parsable: "id" or "id;cluster").
std::string sbatch(const std::string& args) {
    const std::string cmd = "sbatch --parsable " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw_io("sbatch", "cannot run");
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    int rc = pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' '))
        out.pop_back();
    if (rc != 0 || out.empty())
        throw_io("sbatch", out.empty() ? "failed (is Slurm installed and running?)" : out);
    // sbatch may print warnings before the id: the id is the last line.
    if (auto nl = out.rfind('\n'); nl != std::string::npos) out = out.substr(nl + 1);
    if (auto semi = out.find(';'); semi != std::string::npos) out.resize(semi);
    if (out.empty() || out.find_first_not_of("0123456789") != std::string::npos)
        throw_io("sbatch", "unexpected answer: " + out);
    return out;
}

}  // namespace

int run_batch(const Argv& argv) {
    Args args(
        argv,
        {"--resume", "--quiet", "--no-reveal", "--allow-network", "--exact-decode", "--tables-only",
         "--slurm", "--print-script", "--no-tables", "--force", "--no-audio"},
        {"-o", "--jobs", "--threads", "--sensitivity", "--task", "--tasks", "--partition",
         "--array-max", "--time", "--mem", "--cpus"});
    if (args.positional().size() != 1) throw_bad_usage("batch", "needs exactly one MANIFEST");
    auto out = args.value("-o");
    if (!out || out->empty()) throw_bad_usage("batch", "needs -o CORPUSDIR");
    BatchOptions o;
    o.corpus = fs::absolute(*out).lexically_normal();
    o.jobs = args.integer("--jobs", 1, 256).value_or(1);
    o.threads = args.integer("--threads", 1, 256).value_or(0);
    o.resume = args.flag("--resume");
    o.quiet = args.flag("--quiet");
    if (args.flag("--no-reveal")) o.analyze_args.push_back("--no-reveal");
    if (args.flag("--allow-network")) o.analyze_args.push_back("--allow-network");
    if (args.flag("--exact-decode")) o.analyze_args.push_back("--exact-decode");
    if (args.flag("--force")) o.analyze_args.push_back("--force");
    if (args.flag("--no-audio")) o.analyze_args.push_back("--no-audio");
    if (auto s = args.number("--sensitivity", 0, 1))
        o.analyze_args.insert(o.analyze_args.end(),
                              {"--sensitivity", *args.value("--sensitivity")});
    auto task = args.integer("--task", 0, 1000000);
    auto tasks = args.integer("--tasks", 1, 1000000);
    const bool slurm = args.flag("--slurm") || args.flag("--print-script");
    if (task && !tasks) throw_bad_usage("batch", "--task needs --tasks N");
    if (task && *task >= *tasks) throw_bad_usage("batch", "--task must be below --tasks");
    if (task && slurm) throw_bad_usage("batch", "--task and --slurm exclude each other");
    if (args.flag("--tables-only") && (slurm || task))
        throw_bad_usage("batch", "--tables-only runs alone");
    for (const char* opt : {"--partition", "--array-max", "--time", "--mem", "--cpus"})
        if (args.value(opt) && !slurm)
            throw_bad_usage("batch", std::string(opt) + " needs --slurm");

    SlurmOptions s;
    if (slurm) {
        s.partition = args.value("--partition").value_or("");
        s.time = args.value("--time").value_or("");
        s.mem = args.value("--mem").value_or("");
        s.array_max = args.integer("--array-max", 1, 100000).value_or(0);
        s.cpus = args.integer("--cpus", 1, 1024).value_or(o.threads > 0 ? o.threads : 2);
        check_slurm_options(s);
        check_slurm_path(o.corpus);
    }

    const fs::path manifest_path = fs::absolute(args.positional()[0]).lexically_normal();
    const Manifest manifest = read_manifest(manifest_path);
    // CORPUSDIR is claimed before anything is written into it (a script only printed writes
    // nothing); each film's folder is claimed again by its own analyze.
    std::optional<OutputFolder> corpus_folder;
    if (!args.flag("--print-script"))
        corpus_folder.emplace(o.corpus, OutputKind::corpus, args.flag("--force"));

    if (slurm) {
        s.tasks = std::min<int>(tasks.value_or(int(manifest.entries.size())),
                                int(manifest.entries.size()));
        const std::string exe = self_exe();
        const std::string script = batch_script(exe, manifest_path, o, s);
        if (args.flag("--print-script")) {
            std::fputs(script.c_str(), stdout);
            return 0;
        }
        std::error_code ec;
        fs::create_directories(o.corpus / "slurm" / "logs", ec);
        if (ec) throw_io((o.corpus / "slurm").string(), "cannot create folder: " + ec.message());
        const fs::path batch_sh = o.corpus / "slurm" / "batch.sh",
                       tables_sh = o.corpus / "slurm" / "tables.sh";
        write_script(batch_sh, script);
        write_script(tables_sh, tables_script(exe, manifest_path, o, s));
        const std::string array_id = sbatch(shell_quote(batch_sh.string()));
        const std::string tables_id =
            sbatch("--dependency=afterany:" + array_id + " " + shell_quote(tables_sh.string()));
        std::fprintf(stderr, "submitted array job %s (%d tasks, %zu films) and tables job %s\n",
                     array_id.c_str(), s.tasks, manifest.entries.size(), tables_id.c_str());
        std::printf("%s %s\n", array_id.c_str(), tables_id.c_str());
        return 0;
    }

    if (args.flag("--tables-only")) {
        auto sum = write_corpus_tables(manifest, o.corpus);
        if (!o.quiet)
            std::fprintf(stderr, "%d films: %d analysed, %d failed, %d not analysed\n", sum.films,
                         sum.analysed, sum.failed, sum.missing);
        std::printf("%s\n", terminal_safe((o.corpus / "corpus.html").string()).c_str());
        return 0;
    }

    std::error_code ec;
    fs::create_directories(o.corpus, ec);
    if (ec) throw_io(o.corpus.string(), "cannot create folder: " + ec.message());
    std::vector<const ManifestEntry*> todo;
    int skipped = 0;
    for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
        if (task && int(i % std::size_t(*tasks)) != *task) continue;
        const auto& e = manifest.entries[i];
        if (o.resume && film_complete(o.corpus, e.id)) {
            clear_failure(o.corpus, e.id);
            ++skipped;
            continue;
        }
        todo.push_back(&e);
    }
    if (!o.quiet && skipped > 0)
        std::fprintf(stderr, "resume: %d films already complete\n", skipped);
    const int failed = run_films(todo, o);
    if (!task && !args.flag("--no-tables")) {
        auto sum = write_corpus_tables(manifest, o.corpus);
        if (!o.quiet)
            std::fprintf(stderr, "%d films: %d analysed, %d failed, %d not analysed\n", sum.films,
                         sum.analysed, sum.failed, sum.missing);
        std::printf("%s\n", terminal_safe((o.corpus / "corpus.html").string()).c_str());
    }
    return failed > 0 ? 1 : 0;
}

}  // namespace kinoglaz::cli
