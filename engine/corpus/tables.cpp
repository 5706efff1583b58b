// corpus.csv / corpus.json / corpus.html / failures.csv: every figure is read back from the
// films' analysis.json, so the tables can be rebuilt at any time (the Slurm final job does)
// and always agree with the folders.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "kinoglaz/corpus.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace kinoglaz {

namespace {

const char* const kTransitionTypes[] = {"cut", "dissolve", "fade_in", "fade_out", "wipe"};

struct FilmRow {
    const ManifestEntry* entry = nullptr;
    std::string status = "missing";  // ok, failed, missing
    FilmFailure failure;
    double duration_s = 0;
    int shots = 0;
    double asl_s = 0, msl_s = 0, cv = 0, cuts_per_minute = 0;
    std::map<std::string, int> transitions;
    int scenes = 0, alternations = 0, events = 0;
    std::optional<double> tempo_bpm, on_beat_share;        // only for films with readable sound
    std::vector<double> shot_lengths;                      // seconds, sorted
    std::vector<std::pair<double, double>> cutting_curve;  // (shot start / duration, seconds)
};

double num(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

void read_film(FilmRow& row, const fs::path& folder) {
    json a;
    try {
        a = json::parse(read_text_file(folder / "analysis.json", kMaxJsonBytes, "analysis"));
    } catch (const std::exception& e) {  // json::exception, or Error from read_text_file
        row.status = "failed";
        row.failure = {row.entry->id, row.entry->input,
                       std::string("unreadable analysis.json: ") + e.what(), 1};
        return;
    }
    row.status = "ok";
    const json empty = json::array();
    const json& source = a.contains("source") ? a["source"] : json::object();
    row.duration_s = num(source, "duration_s");
    const json& shots = a.contains("shots") ? a["shots"] : empty;
    row.shots = int(shots.size());
    const json& rhythm = a.contains("rhythm") ? a["rhythm"] : json::object();
    row.asl_s = num(rhythm, "asl_s");
    row.msl_s = num(rhythm, "msl_s");
    row.cv = num(rhythm, "cv");
    // Overall cutting rate: every shot start but the first is a cut (as compute_rhythm counts).
    row.cuts_per_minute =
        row.duration_s > 0 && row.shots > 0 ? (row.shots - 1) / (row.duration_s / 60) : 0;
    for (const char* t : kTransitionTypes) row.transitions[t] = 0;
    for (const auto& t : a.value("transitions", empty)) ++row.transitions[t.value("type", "")];
    row.scenes = int(a.value("scenes", empty).size());
    for (const auto& p : a.value("patterns", empty))
        if (p.value("kind", "") == "alternation") ++row.alternations;
    row.events = int(a.value("events", empty).size());
    if (auto au = a.find("audio"); au != a.end() && au->is_object() && !au->contains("error")) {
        row.tempo_bpm = num(*au, "tempo_bpm");
        if (rhythm.contains("on_beat_share")) row.on_beat_share = num(rhythm, "on_beat_share");
    }
    std::vector<double> starts;
    for (const auto& s : shots) {
        row.shot_lengths.push_back(num(s, "end_time") - num(s, "start_time"));
        starts.push_back(num(s, "start_time"));
    }
    std::sort(row.shot_lengths.begin(), row.shot_lengths.end());
    const json& curve = rhythm.contains("cutting_curve") ? rhythm["cutting_curve"] : empty;
    for (std::size_t i = 0; i < curve.size() && i < starts.size(); ++i)
        if (curve[i].is_number() && row.duration_s > 0)
            row.cutting_curve.emplace_back(starts[i] / row.duration_s, curve[i].get<double>());
    // The last shot's value holds to the end of the film.
    if (!row.cutting_curve.empty())
        row.cutting_curve.emplace_back(1.0, row.cutting_curve.back().second);
}

// Writes through a temporary file and a rename: a reader never sees half a table.
void write_atomically(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) throw_io(tmp.string(), "cannot write");
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw_io(path.string(), "cannot rename: " + ec.message());
}

std::string fmt(double v, int decimals = 3) {
    if (!std::isfinite(v)) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

double rounded(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

// User text in the page: valid UTF-8 (see kinoglaz/text.hpp) and XML-escaped.
std::string html_text(const std::string& s) {
    return xml_escape(to_valid_utf8(s));
}

std::string title_of(const FilmRow& row) {
    for (const auto& [k, v] : row.entry->metadata)
        if ((k == "title" || k == "Title") && !v.empty()) return v;
    return row.entry->id;
}

// Colours distinguishable on white, cycled for larger corpora.
const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

// Shot-length distributions as empirical CDFs on a log time axis: films with very different
// cutting rates stay readable side by side, and a CDF needs no bin width.
std::string cdf_svg(const std::vector<FilmRow>& rows) {
    const double W = 640, H = 360, L = 56, R = 16, T = 16, B = 44;
    double lo = 0.1, hi = 10;
    for (const auto& r : rows)
        for (double len : r.shot_lengths)
            if (len > 0) {
                lo = std::min(lo, len);
                hi = std::max(hi, len);
            }
    const double llo = std::floor(std::log10(lo)), lhi = std::ceil(std::log10(hi));
    auto x = [&](double v) {
        return L + (std::log10(std::max(v, lo)) - llo) / std::max(1e-9, lhi - llo) * (W - L - R);
    };
    auto y = [&](double p) { return T + (1 - p) * (H - T - B); };
    std::ostringstream s;
    s << "<svg viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"Shot-length distributions\">";
    for (double d = llo; d <= lhi; ++d) {
        s << "<line x1=\"" << fmt(x(std::pow(10, d)), 1) << "\" x2=\"" << fmt(x(std::pow(10, d)), 1)
          << "\" y1=\"" << T << "\" y2=\"" << H - B << "\" stroke=\"#ddd\"/>";
        s << "<text x=\"" << fmt(x(std::pow(10, d)), 1) << "\" y=\"" << H - B + 18
          << "\" text-anchor=\"middle\">" << fmt(std::pow(10, d), d < 0 ? 1 : 0) << "</text>";
    }
    for (int k = 0; k <= 4; ++k)
        s << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << fmt(y(k / 4.0), 1)
          << "\" y2=\"" << fmt(y(k / 4.0), 1) << "\" stroke=\"#eee\"/><text x=\"" << L - 6
          << "\" y=\"" << fmt(y(k / 4.0) + 5, 1) << "\" text-anchor=\"end\">" << k * 25
          << "%</text>";
    s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 6
      << "\" text-anchor=\"middle\">shot length (s, log scale)</text>";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.shot_lengths.empty()) continue;
        s << "<polyline class=\"film f" << i << "\" fill=\"none\" stroke-width=\"2\" stroke=\""
          << kPalette[i % 10] << "\" points=\"";
        const double n = double(r.shot_lengths.size());
        double prev = 0;
        for (std::size_t k = 0; k < r.shot_lengths.size(); ++k) {
            const double v = r.shot_lengths[k];
            s << fmt(x(v), 1) << "," << fmt(y(prev), 1) << " " << fmt(x(v), 1) << ","
              << fmt(y((k + 1) / n), 1) << " ";
            prev = (k + 1) / n;
        }
        s << "\"><title>" << html_text(title_of(r)) << "</title></polyline>";
    }
    s << "</svg>";
    return s.str();
}

// Cutting curves (smoothed shot length at each shot) over the film's relative position, so
// films of different lengths share one axis.
std::string curve_svg(const std::vector<FilmRow>& rows) {
    const double W = 640, H = 360, L = 56, R = 16, T = 16, B = 44;
    double hi = 1;
    for (const auto& r : rows)
        for (const auto& [p, v] : r.cutting_curve) hi = std::max(hi, v);
    hi = std::ceil(hi);
    auto x = [&](double p) { return L + std::clamp(p, 0.0, 1.0) * (W - L - R); };
    auto y = [&](double v) { return T + (1 - v / hi) * (H - T - B); };
    std::ostringstream s;
    s << "<svg viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"Cutting curves\">";
    for (int k = 0; k <= 4; ++k) {
        s << "<line x1=\"" << fmt(x(k / 4.0), 1) << "\" x2=\"" << fmt(x(k / 4.0), 1) << "\" y1=\""
          << T << "\" y2=\"" << H - B << "\" stroke=\"#eee\"/><text x=\"" << fmt(x(k / 4.0), 1)
          << "\" y=\"" << H - B + 18 << "\" text-anchor=\"middle\">" << k * 25 << "%</text>";
        s << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << fmt(y(hi * k / 4), 1)
          << "\" y2=\"" << fmt(y(hi * k / 4), 1) << "\" stroke=\"#eee\"/><text x=\"" << L - 6
          << "\" y=\"" << fmt(y(hi * k / 4) + 5, 1) << "\" text-anchor=\"end\">"
          << fmt(hi * k / 4, 1) << "</text>";
    }
    s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 6
      << "\" text-anchor=\"middle\">position in film (smoothed shot length, s)</text>";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.cutting_curve.empty()) continue;
        s << "<polyline class=\"film f" << i << "\" fill=\"none\" stroke-width=\"2\" stroke=\""
          << kPalette[i % 10] << "\" points=\"";
        for (const auto& [p, v] : r.cutting_curve) s << fmt(x(p), 1) << "," << fmt(y(v), 1) << " ";
        s << "\"><title>" << html_text(title_of(r)) << "</title></polyline>";
    }
    s << "</svg>";
    return s.str();
}

std::string corpus_html(const Manifest& manifest, const std::vector<FilmRow>& rows,
                        const CorpusSummary& sum) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>kinoglaz corpus</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>\n"
         "body{margin:0;padding:1rem 2rem;background:#111;color:#f4f4f4;font:18px/1.45 \"DejaVu "
         "Sans\",Arial,sans-serif}\n"
         "a{color:#8cc8ff} h1{font-size:2rem;margin:0 0 .3rem} h2{border-bottom:1px solid #444}\n"
         ".plots{display:flex;flex-wrap:wrap;gap:1rem} "
         "figure{margin:0;background:#fafafa;color:#111;border-radius:6px;"
         "padding:.5rem;flex:1 1 30rem;max-width:42rem} figure "
         "svg{width:100%;height:auto;font-size:13px}\n"
         "figcaption{font-weight:bold} .legend{display:flex;flex-wrap:wrap;gap:.3rem "
         "1rem;margin:.6rem 0}\n"
         ".legend "
         "span::before{content:'';display:inline-block;width:1.4em;height:.35em;margin-right:.4em;"
         "vertical-align:middle;background:var(--c)}\n"
         "table{border-collapse:collapse;margin-top:.6rem} th,td{padding:.25rem "
         ".6rem;border-bottom:1px solid #333;"
         "text-align:right} th{cursor:pointer;position:sticky;top:0;background:#1d1d1d} "
         "th:focus{outline:2px solid #ffd23f}\n"
         "td.t,th.t{text-align:left} tr.failed td{color:#ff9b9b} "
         "th[aria-sort=ascending]::after{content:' \\25B2'}"
         " th[aria-sort=descending]::after{content:' \\25BC'}\n</style>\n</head>\n<body>\n";
    h << "<h1>kinoglaz corpus</h1>\n<p>" << sum.films << " films: " << sum.analysed << " analysed, "
      << sum.failed << " failed, " << sum.missing << " not analysed";
    if (!manifest.path.empty())
        h << " &middot; manifest " << html_text(manifest.path.filename().string());
    h << " &middot; <a href=\"corpus.csv\">corpus.csv</a> &middot; <a "
         "href=\"corpus.json\">corpus.json</a></p>\n";
    h << "<div class=\"legend\">";
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].status == "ok")
            h << "<span style=\"--c:" << kPalette[i % 10] << "\">" << html_text(title_of(rows[i]))
              << "</span>";
    h << "</div>\n<div class=\"plots\">\n<figure><figcaption>Shot-length distributions (share of "
         "shots shorter "
         "than)</figcaption>"
      << cdf_svg(rows) << "</figure>\n<figure><figcaption>Cutting curves</figcaption>"
      << curve_svg(rows) << "</figure>\n</div>\n";
    h << "<h2>Films</h2>\n<p>Click a column heading to sort.</p>\n<table "
         "id=\"films\">\n<thead><tr>";
    std::vector<std::pair<std::string, bool>> cols{{"film", true}, {"status", true}};
    for (const auto& c : manifest.metadata_columns) cols.emplace_back(c, true);
    for (const char* c : {"duration (s)", "shots", "ASL (s)", "MSL (s)", "CV", "cuts/min", "cuts",
                          "dissolves", "fade-ins", "fade-outs", "wipes", "scenes", "alternations",
                          "events", "tempo (bpm)", "cuts on the beat (%)"})
        cols.emplace_back(c, false);
    for (const auto& [name, text] : cols)
        h << "<th tabindex=\"0\"" << (text ? " class=\"t\" data-type=\"text\"" : "") << ">"
          << html_text(name) << "</th>";
    h << "</tr></thead>\n<tbody>\n";
    for (const auto& r : rows) {
        h << "<tr class=\"" << r.status << "\"><td class=\"t\">";
        if (r.status == "ok")
            h << "<a href=\"" << xml_escape(r.entry->id) << "/report.html\">"
              << html_text(title_of(r)) << "</a>";
        else
            h << html_text(title_of(r));
        h << "</td><td class=\"t\""
          << (r.status == "failed" ? " title=\"" + html_text(r.failure.reason) + "\"" : "") << ">"
          << r.status << "</td>";
        for (const auto& [k, v] : r.entry->metadata)
            h << "<td class=\"t\">" << html_text(v) << "</td>";
        if (r.status == "ok") {
            h << "<td>" << fmt(r.duration_s, 1) << "</td><td>" << r.shots << "</td><td>"
              << fmt(r.asl_s, 2) << "</td><td>" << fmt(r.msl_s, 2) << "</td><td>" << fmt(r.cv, 2)
              << "</td><td>" << fmt(r.cuts_per_minute, 1) << "</td>";
            for (const char* t : kTransitionTypes) h << "<td>" << r.transitions.at(t) << "</td>";
            h << "<td>" << r.scenes << "</td><td>" << r.alternations << "</td><td>" << r.events
              << "</td><td>" << (r.tempo_bpm ? fmt(*r.tempo_bpm, 1) : "") << "</td><td>"
              << (r.on_beat_share ? fmt(100 * *r.on_beat_share, 0) : "") << "</td>";
        } else {
            for (int k = 0; k < 16; ++k) h << "<td></td>";
        }
        h << "</tr>\n";
    }
    h << "</tbody>\n</table>\n";
    // Sorting without a network or a library: numbers compare as numbers, empty cells last.
    h << "<script>\n(function(){\n"
         "var table=document.getElementById('films');var heads=table.tHead.rows[0].cells;\n"
         "function sortBy(i){var th=heads[i];var asc=th.getAttribute('aria-sort')!=='ascending';\n"
         " for(var k=0;k<heads.length;k++)heads[k].removeAttribute('aria-sort');\n"
         " th.setAttribute('aria-sort',asc?'ascending':'descending');var "
         "text=th.dataset.type==='text';\n"
         " var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);\n"
         " rows.sort(function(a,b){var "
         "x=a.cells[i].textContent.trim(),y=b.cells[i].textContent.trim();\n"
         "  if(x===''||y==='')return x===y?0:(x===''?1:-1);\n"
         "  var "
         "c=text?x.localeCompare(y,undefined,{numeric:true}):(parseFloat(x)-parseFloat(y));return "
         "asc?c:-c;});\n"
         " rows.forEach(function(r){body.appendChild(r);});}\n"
         "for(var "
         "i=0;i<heads.length;i++)(function(i){heads[i].addEventListener('click',function(){sortBy("
         "i);});\n"
         " heads[i].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' "
         "'){e.preventDefault();sortBy(i);}});})(i);\n"
         "})();\n</script>\n</body>\n</html>\n";
    return h.str();
}

}  // namespace

CorpusSummary write_corpus_tables(const Manifest& manifest, const fs::path& corpus_dir) {
    std::error_code ec;
    fs::create_directories(corpus_dir, ec);
    if (ec) throw_io(corpus_dir.string(), "cannot create folder: " + ec.message());
    CorpusSummary sum;
    std::vector<FilmRow> rows;
    for (const auto& e : manifest.entries) {
        FilmRow row;
        row.entry = &e;
        if (film_complete(corpus_dir, e.id)) {
            read_film(row, corpus_dir / e.id);
        } else if (read_failure(corpus_dir, e.id, row.failure)) {
            row.status = "failed";
        }
        ++sum.films;
        if (row.status == "ok")
            ++sum.analysed;
        else if (row.status == "failed")
            ++sum.failed;
        else
            ++sum.missing;
        rows.push_back(std::move(row));
    }

    // corpus.csv
    std::ostringstream csv;
    csv << "id,input,status";
    for (const auto& c : manifest.metadata_columns) csv << "," << csv_field(c);
    csv << ",duration_s,shots,asl_s,msl_s,cv,cuts_per_minute,cuts,dissolves,fade_ins,fade_outs,"
           "wipes,scenes,"
           "alternations,events,tempo_bpm,on_beat_share,report\r\n";
    for (const auto& r : rows) {
        csv << csv_field(r.entry->id) << "," << csv_field(r.entry->input) << "," << r.status;
        for (const auto& [k, v] : r.entry->metadata) csv << "," << csv_field(v);
        if (r.status == "ok") {
            csv << "," << fmt(r.duration_s) << "," << r.shots << "," << fmt(r.asl_s) << ","
                << fmt(r.msl_s) << "," << fmt(r.cv) << "," << fmt(r.cuts_per_minute);
            for (const char* t : kTransitionTypes) csv << "," << r.transitions.at(t);
            csv << "," << r.scenes << "," << r.alternations << "," << r.events << ","
                << (r.tempo_bpm ? fmt(*r.tempo_bpm) : "") << ","
                << (r.on_beat_share ? fmt(*r.on_beat_share) : "") << ","
                << csv_field(r.entry->id + "/report.html");
        } else {
            csv << ",,,,,,,,,,,,,,,,,";
        }
        csv << "\r\n";
    }

    // corpus.json
    ordered_json films = ordered_json::array();
    ordered_json failures = ordered_json::array();
    for (const auto& r : rows) {
        ordered_json f{{"id", r.entry->id}};
        put_user_text(f, "input", r.entry->input);
        f["status"] = r.status;
        ordered_json meta = ordered_json::object();
        for (const auto& [k, v] : r.entry->metadata) put_user_text(meta, k, v);
        f["metadata"] = meta;
        if (r.status == "ok") {
            f["duration_s"] = rounded(r.duration_s);
            f["shots"] = r.shots;
            f["asl_s"] = rounded(r.asl_s);
            f["msl_s"] = rounded(r.msl_s);
            f["cv"] = rounded(r.cv);
            f["cuts_per_minute"] = rounded(r.cuts_per_minute);
            ordered_json t = ordered_json::object();
            for (const char* k : kTransitionTypes) t[k] = r.transitions.at(k);
            f["transitions"] = t;
            f["scenes"] = r.scenes;
            f["alternations"] = r.alternations;
            f["events"] = r.events;
            if (r.tempo_bpm) f["tempo_bpm"] = rounded(*r.tempo_bpm);
            if (r.on_beat_share) f["on_beat_share"] = rounded(*r.on_beat_share);
            f["folder"] = r.entry->id;
            f["report"] = r.entry->id + "/report.html";
        } else if (r.status == "failed") {
            ordered_json failure;
            put_user_text(failure, "reason", r.failure.reason);
            failure["exit_status"] = r.failure.exit_status;
            f["failure"] = failure;
            ordered_json entry{{"id", r.entry->id}};
            put_user_text(entry, "input", r.entry->input);
            entry.update(failure);
            failures.push_back(entry);
        }
        films.push_back(f);
    }
    ordered_json doc{{"schema", "kinoglaz.corpus/1"},
                     {"summary",
                      {{"films", sum.films},
                       {"analysed", sum.analysed},
                       {"failed", sum.failed},
                       {"missing", sum.missing}}},
                     {"metadata_columns", manifest.metadata_columns},
                     {"films", films},
                     {"failures", failures}};

    // failures.csv
    std::ostringstream fcsv;
    fcsv << "id,input,exit_status,reason\r\n";
    for (const auto& r : rows)
        if (r.status == "failed")
            fcsv << csv_field(r.entry->id) << "," << csv_field(r.entry->input) << ","
                 << r.failure.exit_status << "," << csv_field(r.failure.reason) << "\r\n";

    write_atomically(corpus_dir / "corpus.csv", csv.str());
    // The replace handler only guards names no field convention covers (metadata column names).
    write_atomically(corpus_dir / "corpus.json",
                     doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n");
    write_atomically(corpus_dir / "failures.csv", fcsv.str());
    write_atomically(corpus_dir / "corpus.html", corpus_html(manifest, rows, sum));
    return sum;
}

}  // namespace kinoglaz
