#include <nlohmann/json.hpp>

#include "kinoglaz/error.hpp"
#include "kinoglaz/eval.hpp"
#include "kinoglaz/export.hpp"

namespace kinoglaz {

Truth parse_truth_json(const std::string& text, const std::string& origin) {
    // Transitions and events share analysis.json's field names.
    Analysis base = parse_analysis_json(text, origin);
    Truth truth;
    truth.transitions = std::move(base.transitions);
    truth.events = std::move(base.events);
    auto doc = nlohmann::json::parse(text, nullptr, false);
    try {
        if (auto it = doc.find("distractors"); it != doc.end() && it->is_array())
            for (const auto& d : *it)
                truth.distractors.push_back(
                    {d.value("kind", std::string("unknown")),
                     {d.at("start_frame").get<FrameIndex>(), d.at("end_frame").get<FrameIndex>()}});
        if (auto it = doc.find("quiet_ranges"); it != doc.end() && it->is_array())
            for (const auto& q : *it) {
                if (q.is_array() && q.size() == 2)
                    truth.quiet_ranges.push_back({q[0].get<FrameIndex>(), q[1].get<FrameIndex>()});
                else if (q.is_object())
                    truth.quiet_ranges.push_back({q.at("start_frame").get<FrameIndex>(),
                                                  q.at("end_frame").get<FrameIndex>()});
            }
    } catch (const nlohmann::json::exception& e) {
        throw_bad_input(origin, std::string("malformed truth: ") + e.what());
    }
    return truth;
}

}  // namespace kinoglaz
