#include "sparse_decode.hpp"

#include <algorithm>

namespace kinoglaz::detail {

namespace {

// A reference picture this many times larger than the previous one of its kind and slice
// type, or this many times smaller, is not ordinary; nor an unreferenced one this many times
// larger than the previous unreferenced one.
constexpr double kLargerThan = 2.0;
constexpr double kSmallerThan = 2.0;
constexpr double kUnreferencedLargerThan = 2.5;
// Nor an unreferenced picture that costs more than this share of the last P picture: where
// prediction from both sides does that poorly, the frame is not the mean of its neighbours
// (fades: a shift of 6 frames at a fade's start on dev_montage_03 at 1080p without this).
constexpr double kUnreferencedShare = 0.4;

// Exp-Golomb reader over an RBSP that skips emulation-prevention bytes (00 00 03).
class BitReader {
  public:
    BitReader(const std::uint8_t* data, const std::uint8_t* end) : p_(data), end_(end) {}
    bool ok() const noexcept { return ok_; }
    unsigned bit() {
        if (bit_ == 8) {
            if (!advance()) return 0;
        }
        return (byte_ >> (7 - bit_++)) & 1u;
    }
    std::uint32_t ue() {
        int zeros = 0;
        while (ok_ && bit() == 0)
            if (++zeros > 31) ok_ = false;
        if (!ok_) return 0;
        std::uint32_t value = 0;
        for (int i = 0; i < zeros; ++i) value = value << 1 | bit();
        return (1u << zeros) - 1 + value;
    }

  private:
    bool advance() {
        if (p_ >= end_) return ok_ = false;
        if (zeros_ >= 2 && *p_ == 3) {  // emulation prevention: not part of the payload
            zeros_ = 0;
            if (++p_ >= end_) return ok_ = false;
        }
        byte_ = *p_++;
        zeros_ = byte_ == 0 ? zeros_ + 1 : 0;
        bit_ = 0;
        return true;
    }
    const std::uint8_t* p_;
    const std::uint8_t* end_;
    std::uint8_t byte_ = 0;
    int bit_ = 8, zeros_ = 0;
    bool ok_ = true;
};

// The facts of one NAL unit if it is a slice of a picture, else kind unknown.
PacketFacts classify_nal(bool hevc, const std::uint8_t* nal, const std::uint8_t* end) {
    PacketFacts facts;
    if (hevc) {
        if (end - nal < 2) return facts;
        const int type = (nal[0] >> 1) & 0x3f;
        if (type > 31) return facts;  // not a slice segment
        facts.temporal_id = std::max(0, (nal[1] & 7) - 1);
        // The first slice segment of a picture: its type follows the PPS id (assuming no
        // extra slice header bits, as x265 and most encoders write).
        BitReader bits(nal + 2, end);
        if (bits.bit() == 1) {
            if (type >= 16 && type <= 23) bits.bit();  // no_output_of_prior_pics_flag
            bits.ue();                                 // slice_pic_parameter_set_id
            const std::uint32_t slice_type = bits.ue();
            if (bits.ok() && slice_type <= 2)
                facts.slice_type = slice_type == 0 ? 2 : slice_type == 1 ? 1 : 0;
        }
        facts.kind = type >= 16 && type <= 23 ? PictureKind::intra
                     // Sub-layer non-reference pictures, as FFmpeg's AVDISCARD_NONREF skips them.
                     : type <= 14 && type % 2 == 0 ? PictureKind::unreferenced
                                                   : PictureKind::reference;
        return facts;
    }
    if (end - nal < 2) return facts;
    const int type = nal[0] & 0x1f;
    if (type != 1 && type != 5) return facts;  // not a coded slice (partitions stay unknown)
    if (type == 5) {
        facts.kind = PictureKind::intra;
        return facts;
    }
    BitReader bits(nal + 1, end);
    bits.ue();  // first_mb_in_slice
    const std::uint32_t slice_type = bits.ue();
    if (!bits.ok()) return facts;
    facts.slice_type = slice_type % 5 == 0 || slice_type % 5 == 3 ? 1 : slice_type % 5 == 1 ? 2 : 0;
    if (slice_type % 5 == 2 || slice_type % 5 == 4)
        facts.kind = PictureKind::intra;
    else
        facts.kind = (nal[0] >> 5) & 3 ? PictureKind::reference : PictureKind::unreferenced;
    return facts;
}

}  // namespace

NalLayout nal_layout(bool hevc, const std::uint8_t* extradata, int extradata_size) {
    NalLayout layout;
    layout.hevc = hevc;
    // avcC: version 1, length size in byte 4; hvcC: version 1, length size in byte 21.
    const int at = hevc ? 21 : 4;
    if (extradata && extradata_size > at && extradata[0] == 1) {
        layout.length_size = (extradata[at] & 3) + 1;
    }
    return layout;
}

namespace {

// Calls `each(nal, nal_end)` for the NAL units of a packet of `layout`, in order, while it
// returns true. Reads only within [data, data + size).
template <class Each>
void for_each_nal(const NalLayout& layout, const std::uint8_t* data, std::int64_t size,
                  Each&& each) {
    const std::uint8_t* p = data;
    const std::uint8_t* end = data + std::max<std::int64_t>(0, size);
    while (p < end) {
        const std::uint8_t* nal = nullptr;
        const std::uint8_t* nal_end = nullptr;
        if (layout.length_size > 0) {
            if (end - p < layout.length_size) return;
            std::uint64_t length = 0;
            for (int i = 0; i < layout.length_size; ++i) length = length << 8 | *p++;
            if (length > std::uint64_t(end - p)) return;
            nal = p;
            nal_end = p + length;
            p = nal_end;
        } else {
            // Annex B: the NAL unit starts after 00 00 01 and ends at the next start code.
            while (end - p >= 3 && !(p[0] == 0 && p[1] == 0 && p[2] == 1)) ++p;
            if (end - p < 3) return;
            nal = p + 3;
            nal_end = nal;
            while (end - nal_end >= 3 && !(nal_end[0] == 0 && nal_end[1] == 0 && nal_end[2] <= 1))
                ++nal_end;
            if (end - nal_end < 3) nal_end = end;
            p = nal_end;
        }
        if (!each(nal, nal_end)) return;
    }
}

}  // namespace

PacketFacts classify_packet(const NalLayout& layout, const std::uint8_t* data, std::int64_t size,
                            bool keyframe) {
    PacketFacts facts;
    for_each_nal(layout, data, size, [&](const std::uint8_t* nal, const std::uint8_t* nal_end) {
        facts = classify_nal(layout.hevc, nal, nal_end);
        return facts.kind == PictureKind::unknown;
    });
    facts.size = size;
    facts.keyframe = keyframe;
    return facts;
}

namespace {

// Whether a packet near the candidate (of HEVC TemporalId `candidate_temporal_id`) leaves it
// safe to skip.
bool ordinary(const PacketFacts& p, int candidate_temporal_id) {
    if (p.keyframe || p.kind == PictureKind::intra || p.kind == PictureKind::unknown ||
        p.slice_type < 0 || p.change <= 0)
        return false;
    // A picture of a higher sub-layer may predict from an HEVC sub-layer non-reference one.
    if (p.temporal_id > candidate_temporal_id) return false;
    if (p.kind == PictureKind::reference)
        return p.change <= kLargerThan && p.change * kSmallerThan >= 1;
    return p.change <= kUnreferencedLargerThan && p.share <= kUnreferencedShare;
}

}  // namespace

void SkipPolicy::read(PacketFacts& facts) {
    const int kind = int(facts.kind) - 1;
    if (kind < 0 || facts.slice_type < 0) return;
    std::int64_t& last = last_size_[kind][facts.slice_type];
    facts.change = last > 0 ? double(facts.size) / double(last) : 0;
    last = std::max<std::int64_t>(1, facts.size);
    const std::int64_t last_p = last_size_[int(PictureKind::reference) - 1][1];
    if (facts.kind == PictureKind::unreferenced && last_p > 0)
        facts.share = double(facts.size) / double(last_p);
}

bool SkipPolicy::may_skip(const std::deque<PacketFacts>& ahead) const {
    if (ahead.empty() || ahead.front().kind != PictureKind::unreferenced) return false;
    const int tid = ahead.front().temporal_id;
    // The candidate's neighbours in display order lie within a few packets in decoding order,
    // either side (a B-pyramid's references come just before it, the next ones just after).
    for (std::size_t i = 0; i < ahead.size() && i <= kWindow; ++i)
        if (!ordinary(ahead[i], tid)) return false;
    for (const auto& p : recent_)
        if (!ordinary(p, tid)) return false;
    return true;
}

void SkipPolicy::sent(const PacketFacts& facts) {
    recent_.push_back(facts);
    if (recent_.size() > kWindow) recent_.pop_front();
}

void SkipPolicy::reset() {
    recent_.clear();
    for (auto& sizes : last_size_)
        for (auto& size : sizes) size = 0;
}

}  // namespace kinoglaz::detail
