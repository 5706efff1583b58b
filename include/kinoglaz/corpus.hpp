#pragma once
/// Corpus scale: a manifest of films, one analysis folder per film under a corpus folder, and
/// the tables that compare the films (corpus.csv, corpus.json, corpus.html, failures.csv).
///
/// Layout of CORPUSDIR:
///   <id>/                 the contract's analysis folder of one film (complete = analysis.json)
///   _failures/<id>.json   the last failure of a film (reason, exit status); removed on success
///   _logs/<id>.log        the standard error of the film's last analysis
///   corpus.csv, corpus.json, corpus.html, failures.csv   built by write_corpus_tables()
///   slurm/                scripts and logs of `kinoglaz batch --slurm`
/// Film ids contain only [a-z0-9-], so they never collide with the `_` and `slurm` entries.
/// User text (inputs, metadata, failure reasons) is kept byte for byte: in corpus.json and
/// _failures/*.json through the `<key>_bytes` convention of kinoglaz/text.hpp, in the CSV files
/// as is but made inert for spreadsheets (csv_text()).

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace kinoglaz {

/// One film of a manifest.
struct ManifestEntry {
    std::string written;  ///< the input as written in the manifest
    std::string input;    ///< resolved: relative paths made relative to the manifest's folder
    std::string id;       ///< film_id(written): the film's folder name under CORPUSDIR
    /// Free metadata columns of a CSV manifest (column name, value), in column order.
    std::vector<std::pair<std::string, std::string>> metadata;
};

/// A list of films.
struct Manifest {
    std::filesystem::path path;                 ///< where it was read from (may be empty)
    std::vector<std::string> metadata_columns;  ///< CSV columns other than `input`, in order
    std::vector<ManifestEntry> entries;         ///< in manifest order, duplicates removed
};

/// Parses a manifest. `csv`: RFC 4180 with a header row that has an `input` column (any
/// other columns are metadata); otherwise one path or URL per line, `#` starts a comment
/// line, blank lines are ignored, surrounding spaces trimmed. Relative paths are resolved
/// against `base_dir`; URLs (`scheme://...`, the scheme starting with a letter as RFC 3986 says)
/// and absolute paths are kept. A second entry with the same input is dropped. Throws
/// Error(bad_input, "<where>: ...") for a CSV without an `input` column, an unterminated quote or a
/// manifest with no films.
Manifest parse_manifest(const std::string& text, const std::filesystem::path& base_dir, bool csv,
                        const std::string& where = "manifest");

/// Reads a manifest file: CSV when its name ends in `.csv` (any case), else the text format.
/// Throws Error(bad_input) when the file cannot be read, is not a regular file or is larger
/// than kMaxManifestBytes (16 MiB, see read_text_file()), and as parse_manifest.
Manifest read_manifest(const std::filesystem::path& path);

/// Parses RFC 4180 CSV (quoted fields with "" escapes and embedded newlines, CRLF or LF
/// lines). Throws Error(bad_input, "<where>: ...") on an unterminated quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text,
                                                const std::string& where = "csv");

/// User text made inert for spreadsheets (formula or "CSV" injection, OWASP's advice): text
/// that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a NUL gets a leading
/// single quote, which spreadsheets take as "this cell is text" and hide. A plain decimal
/// number ("-3.5", "+2", "1e-3") is kept as is: a spreadsheet reads it as that number.
std::string csv_text(const std::string& value);

/// One CSV field of user text: csv_text(value), quoted when needed (RFC 4180). kinoglaz's own
/// numbers are written without it, so they stay numbers.
std::string csv_field(const std::string& value);

/// The stable folder name of a film: a slug (lowercase a-z0-9 and '-', at most 40
/// characters) of the input's file name without extension, '-', and 8 hex digits of the
/// FNV-1a 64-bit hash of the whole input string, so that equal file names in different
/// folders never collide. Deterministic across runs and machines.
std::string film_id(const std::string& input);

/// Why a film failed.
struct FilmFailure {
    std::string id;
    std::string input;
    std::string reason;   ///< one line, e.g. the analysis' error message
    int exit_status = 1;  ///< of the analysis (128 + signal when killed by a signal)
};

/// True when CORPUSDIR/<id> is a complete analysis folder (it has analysis.json; the atomic
/// analysis folder never shows a partial one under that name).
bool film_complete(const std::filesystem::path& corpus_dir, const std::string& id);

/// Records (replaces) a film's failure in CORPUSDIR/_failures/<id>.json. Throws Error(io).
void record_failure(const std::filesystem::path& corpus_dir, const FilmFailure& failure);

/// Removes a film's failure record, if any.
void clear_failure(const std::filesystem::path& corpus_dir, const std::string& id);

/// The recorded failure of a film, if any.
bool read_failure(const std::filesystem::path& corpus_dir, const std::string& id, FilmFailure& out);

/// What write_corpus_tables() found.
struct CorpusSummary {
    int films = 0;     ///< entries in the manifest
    int analysed = 0;  ///< with a complete folder
    int failed = 0;    ///< with a failure record and no complete folder
    int missing = 0;   ///< neither (not run yet, or killed)
};

/// Builds CORPUSDIR/corpus.csv, corpus.json, corpus.html and failures.csv from the manifest
/// and the film folders present (each film's analysis.json). One row per manifest entry, with
/// `status` ok / failed / missing; the metadata columns follow `input`. Each file is written
/// to a temporary name and renamed, so readers never see half a table. Throws Error(io).
CorpusSummary write_corpus_tables(const Manifest& manifest,
                                  const std::filesystem::path& corpus_dir);

}  // namespace kinoglaz
