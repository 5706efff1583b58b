#include "fuzz_targets.hpp"

#include <string>

#include <kinoglaz/core.hpp>
#include <kinoglaz/eval.hpp>
#include <kinoglaz/export.hpp>

namespace kinoglaz::fuzz {

void json_one(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        if (data[0] & 1) {
            (void)parse_truth_json(text, "fuzz.json");
        } else {
            Analysis analysis = parse_analysis_json(text, "fuzz.json");
            (void)analysis_json(analysis, JsonContent::full);
        }
    } catch (const Error&) {
    }
}

}  // namespace kinoglaz::fuzz
