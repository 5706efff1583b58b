#include <string>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

std::string keyframe_path(int shot_index) {
    return "keyframes/shot-" + detail::shot_number(shot_index) + ".jpg";
}

std::string shots_csv(const Analysis& a) {
    using detail::decimal;
    std::string out =
        "index,start_frame,end_frame,start_time,end_time,length_s,scene,setup,scale,camera,"
        "keyframe,keyframe_image\r\n";
    for (const auto& s : a.shots) {
        const std::string fields[] = {
            std::to_string(s.index),         std::to_string(s.frames.start),
            std::to_string(s.frames.end),    decimal(s.start_time_s),
            decimal(s.end_time_s),           decimal(s.length_s()),
            std::to_string(s.scene),         std::to_string(s.setup),
            std::string(to_string(s.scale)), std::string(to_string(s.camera)),
            std::to_string(s.keyframe),      keyframe_path(s.index)};
        bool first = true;
        for (const auto& f : fields) {
            if (!first) out += ',';
            out += csv_field(f);
            first = false;
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace kinoglaz
