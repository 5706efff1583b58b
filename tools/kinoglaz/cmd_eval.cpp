#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/eval.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/unconscious.hpp>
#include "args.hpp"
#include "commands.hpp"

namespace kinoglaz::cli {

namespace {

// Pairs of --truth/--pred in the order given.
std::vector<std::pair<std::string, std::string>> pairs_of(const Argv& argv) {
    std::vector<std::string> truths, preds;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        auto take = [&](std::vector<std::string>& into) {
            if (i + 1 >= argv.size()) throw_bad_usage("eval", argv[i] + " needs a value");
            into.push_back(argv[++i]);
        };
        if (argv[i] == "--truth")
            take(truths);
        else if (argv[i] == "--pred")
            take(preds);
    }
    if (truths.empty()) throw_bad_usage("eval", "needs --truth T.json --pred analysis.json");
    if (truths.size() != preds.size()) throw_bad_usage("eval", "give one --pred for each --truth");
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i < truths.size(); ++i) out.emplace_back(truths[i], preds[i]);
    return out;
}

nlohmann::ordered_json prf_json(const PrecisionRecall& p) {
    return {{"precision", p.precision()}, {"recall", p.recall()},    {"f1", p.f1()},
            {"tp", p.true_positives},     {"fp", p.false_positives}, {"fn", p.false_negatives}};
}

void print_line(const char* name, const PrecisionRecall& p) {
    std::printf("  %-8s P=%.3f R=%.3f F1=%.3f (tp %d, fp %d, fn %d)\n", name, p.precision(),
                p.recall(), p.f1(), p.true_positives, p.false_positives, p.false_negatives);
}

void print_montage(const MontageScore& m) {
    print_line("scenes", m.scene_boundaries);
    print_line("alternat", m.alternations);
    print_line("set-ups", m.setup_pairs);
}

nlohmann::ordered_json montage_json(const MontageScore& m) {
    return {{"scene_boundaries", prf_json(m.scene_boundaries)},
            {"alternations", prf_json(m.alternations)},
            {"setup_pairs", prf_json(m.setup_pairs)}};
}

void print_score(const std::string& label, const TransitionScore& s) {
    const auto line = print_line;
    std::printf("%s\n", terminal_safe(label).c_str());
    line("cuts", s.cuts);
    line("gradual", s.gradual);
    line("all", s.all);
    if (s.gradual_matched > 0)
        std::printf("  gradual typed right: %d of %d\n", s.gradual_type_correct, s.gradual_matched);
    for (const auto& [kind, n] : s.false_positives_on)
        std::printf("  false positives on %s: %d\n", terminal_safe(kind).c_str(), n);
    for (const auto& t : s.missed)
        std::printf("  missed %s [%lld, %lld)\n", std::string(to_string(t.type)).c_str(),
                    (long long)t.frames.start, (long long)t.frames.end);
    for (const auto& t : s.false_alarms)
        std::printf("  false %s [%lld, %lld)\n", std::string(to_string(t.type)).c_str(),
                    (long long)t.frames.start, (long long)t.frames.end);
}

// Truth events found, by amplitude band (truth amplitude_px): each band's events are matched
// against all predictions on their own (the bands' events never share a prediction when they
// are apart in time, as in the micro-motion films).
struct AmplitudeBands {
    static constexpr double kEdges[] = {0.0, 0.3, 0.5, 1.0, 1e9};
    static constexpr int kBands = 4;
    int found[kBands] = {}, total[kBands] = {};

    void add(const std::vector<Event>& truth, const std::vector<Event>& pred) {
        for (int b = 0; b < kBands; ++b) {
            std::vector<Event> band;
            for (const auto& t : truth)
                if (t.amplitude_px >= kEdges[b] && t.amplitude_px < kEdges[b + 1])
                    band.push_back(t);
            total[b] += int(band.size());
            found[b] += score_events(band, pred).true_positives;
        }
    }
    void print() const {
        std::printf("  events recall by amplitude:");
        for (int b = 0; b < kBands; ++b) {
            if (b + 1 < kBands)
                std::printf(" %.1f-%.1f px %d/%d,", kEdges[b], kEdges[b + 1], found[b], total[b]);
            else
                std::printf(" >= %.1f px %d/%d\n", kEdges[b], found[b], total[b]);
        }
    }
    nlohmann::ordered_json json() const {
        auto out = nlohmann::ordered_json::array();
        for (int b = 0; b < kBands; ++b)
            out.push_back({{"min_px", kEdges[b]},
                           {"max_px", b + 1 < kBands ? nlohmann::ordered_json(kEdges[b + 1])
                                                     : nlohmann::ordered_json(nullptr)},
                           {"found", found[b]},
                           {"total", total[b]},
                           {"recall", total[b] ? double(found[b]) / total[b] : 1.0}});
        return out;
    }
};

}  // namespace

int run_eval(const Argv& argv) {
    // --truth and --pred may repeat, so they are read as pairs; the parser only validates.
    Argv rest;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if ((argv[i] == "--truth" || argv[i] == "--pred") && i + 1 < argv.size()) {
            ++i;
            continue;
        }
        rest.push_back(argv[i]);
    }
    Args args(rest, {"--json", "--quiet"}, {"--tolerance", "--truth", "--pred"});
    if (!args.positional().empty())
        throw_bad_usage("eval", "unexpected argument " + args.positional()[0]);
    const int tolerance = args.integer("--tolerance", 0, 1000).value_or(1);
    TransitionScore total;
    EventScore events_total, vibrations_total;
    int events_in_quiet = 0;
    AmplitudeBands bands;
    bool any_event_truth = false, any_vibration_truth = false;
    MontageScore montage_total;
    bool any_scene_truth = false;
    auto files = nlohmann::ordered_json::array();
    for (const auto& [truth_path, pred_path] : pairs_of(argv)) {
        const std::string truth_text = read_text_file(truth_path, kMaxJsonBytes, "truth file");
        const std::string pred_text = read_text_file(pred_path, kMaxJsonBytes, "analysis");
        Truth truth = parse_truth_json(truth_text, truth_path);
        Analysis pred = parse_analysis_json(pred_text, pred_path);
        TransitionScore s = score_transitions(truth, pred.transitions, tolerance);
        if (!args.flag("--quiet")) print_score(pred_path, s);
        nlohmann::ordered_json file;
        put_user_text(file, "truth", truth_path);
        put_user_text(file, "pred", pred_path);
        file.update(nlohmann::ordered_json{{"cuts", prf_json(s.cuts)},
                                           {"gradual", prf_json(s.gradual)},
                                           {"all", prf_json(s.all)}});
        // Micro-gestures and vibrations are scored apart: each kind against the truth's events
        // of that kind.
        const std::vector<Event> gestures = events_of_kind(truth.events, EventKind::gesture);
        const std::vector<Event> pred_gestures = events_of_kind(pred.events, EventKind::gesture);
        const std::vector<Event> vibrations = events_of_kind(truth.events, EventKind::vibration);
        // Micro-gesture events, where the truth has any (or marks stretches without any).
        if (!gestures.empty() || !truth.quiet_ranges.empty()) {
            any_event_truth = true;
            EventScore e = score_events(gestures, pred_gestures);
            // An event in a stretch the truth marks as motionless, matching no true event.
            int in_quiet = 0;
            for (const auto& ev : pred_gestures) {
                const FrameIndex centre = (ev.frames.start + ev.frames.end) / 2;
                bool matches = std::any_of(gestures.begin(), gestures.end(),
                                           [&](const Event& t) { return events_match(t, ev); });
                bool quiet = std::any_of(truth.quiet_ranges.begin(), truth.quiet_ranges.end(),
                                         [&](const FrameRange& q) { return q.contains(centre); });
                in_quiet += !matches && quiet;
            }
            events_in_quiet += in_quiet;
            bands.add(gestures, pred_gestures);
            events_total.true_positives += e.true_positives;
            events_total.false_positives += e.false_positives;
            events_total.false_negatives += e.false_negatives;
            file["events"] = {
                {"precision", e.precision},   {"recall", e.recall},      {"f1", e.f1},
                {"tp", e.true_positives},     {"fp", e.false_positives}, {"fn", e.false_negatives},
                {"in_quiet_ranges", in_quiet}};
            if (!args.flag("--quiet"))
                std::printf(
                    "  events   P=%.3f R=%.3f F1=%.3f (tp %d, fp %d, fn %d), %d in quiet "
                    "stretches\n",
                    e.precision, e.recall, e.f1, e.true_positives, e.false_positives,
                    e.false_negatives, in_quiet);
        }
        // Vibrations, where the truth has any: place and time as for gestures, and the
        // frequency within 10 %.
        if (!vibrations.empty()) {
            any_vibration_truth = true;
            const EventScore v =
                score_vibrations(vibrations, events_of_kind(pred.events, EventKind::vibration));
            vibrations_total.true_positives += v.true_positives;
            vibrations_total.false_positives += v.false_positives;
            vibrations_total.false_negatives += v.false_negatives;
            file["vibrations"] = {
                {"precision", v.precision}, {"recall", v.recall},      {"f1", v.f1},
                {"tp", v.true_positives},   {"fp", v.false_positives}, {"fn", v.false_negatives}};
            if (!args.flag("--quiet"))
                std::printf("  vibrat.  P=%.3f R=%.3f F1=%.3f (tp %d, fp %d, fn %d)\n", v.precision,
                            v.recall, v.f1, v.true_positives, v.false_positives, v.false_negatives);
        }
        // Montage structure, where the truth has scenes (and the prediction is a full analysis).
        const MontageFacts truth_montage = parse_montage_facts(truth_text, truth_path);
        const MontageFacts pred_montage = parse_montage_facts(pred_text, pred_path);
        if (!truth_montage.scene_first_shots.empty() && !pred_montage.shots.empty()) {
            any_scene_truth = true;
            const MontageScore m = score_montage(truth_montage, pred_montage);
            montage_total += m;
            file["montage"] = montage_json(m);
            if (!args.flag("--quiet")) print_montage(m);
        }
        files.push_back(file);
        total += s;
    }
    print_score("micro-average over " + std::to_string(files.size()) + " file(s)", total);
    nlohmann::ordered_json summary{{"tolerance", tolerance},
                                   {"cuts", prf_json(total.cuts)},
                                   {"gradual", prf_json(total.gradual)},
                                   {"all", prf_json(total.all)},
                                   {"gradual_matched", total.gradual_matched},
                                   {"gradual_type_correct", total.gradual_type_correct},
                                   {"false_positives_on", total.false_positives_on},
                                   {"files", files}};
    if (any_scene_truth) {
        print_montage(montage_total);
        summary["montage"] = montage_json(montage_total);
    }
    if (any_event_truth) {
        PrecisionRecall e{events_total.true_positives, events_total.false_positives,
                          events_total.false_negatives};
        std::printf(
            "  events   P=%.3f R=%.3f F1=%.3f (tp %d, fp %d, fn %d), %d in quiet stretches\n",
            e.precision(), e.recall(), e.f1(), e.true_positives, e.false_positives,
            e.false_negatives, events_in_quiet);
        bands.print();
        summary["events"] = prf_json(e);
        summary["events"]["in_quiet_ranges"] = events_in_quiet;
        summary["events"]["recall_by_amplitude"] = bands.json();
    }
    if (any_vibration_truth) {
        const PrecisionRecall v{vibrations_total.true_positives, vibrations_total.false_positives,
                                vibrations_total.false_negatives};
        print_line("vibrat.", v);
        summary["vibrations"] = prf_json(v);
    }
    std::printf(
        "%s\n",
        summary.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
