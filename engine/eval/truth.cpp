#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "kinoglaz/eval.hpp"
#include "kinoglaz/internal/json_number.hpp"

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
                truth.distractors.push_back({d.value("kind", std::string("unknown")),
                                             {detail::json_number<FrameIndex>(d.at("start_frame")),
                                              detail::json_number<FrameIndex>(d.at("end_frame"))}});
        if (auto it = doc.find("quiet_ranges"); it != doc.end() && it->is_array())
            for (const auto& q : *it) {
                if (q.is_array() && q.size() == 2)
                    truth.quiet_ranges.push_back({detail::json_number<FrameIndex>(q[0]),
                                                  detail::json_number<FrameIndex>(q[1])});
                else if (q.is_object())
                    truth.quiet_ranges.push_back(
                        {detail::json_number<FrameIndex>(q.at("start_frame")),
                         detail::json_number<FrameIndex>(q.at("end_frame"))});
            }
    } catch (const nlohmann::json::exception& e) {
        throw_bad_input(origin, std::string("malformed truth: ") + e.what());
    } catch (const detail::BadJsonNumber& e) {
        throw_bad_input(origin, std::string("malformed truth: ") + e.what());
    }
    return truth;
}

}  // namespace kinoglaz
