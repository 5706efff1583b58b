#pragma once
// Sparse decoding (DecodeOptions::sparse_decode): which unreferenced pictures of an H.264 or
// HEVC stream may go undecoded. Internal to engine/decode.
//
// The decision reads only the compressed stream: each packet's kind (intra, reference,
// unreferenced, from its first slice's NAL header), slice type and size. A picture that no
// other picture refers to is skipped only where the packets around it are ordinary: no intra
// picture or keyframe near it (x264 and x265 put one at most cuts) and no picture much larger
// or much smaller than the previous one of its kind and type (a cut, a flash, the steps of a
// fade cost bits that prediction from the previous pictures cannot save). Elsewhere the frame
// is filled from its decoded neighbours (see run_pipeline()), between which moving pictures
// and gradual transitions change smoothly.

#include <cstdint>
#include <deque>

namespace kinoglaz::detail {

/// How a packet's picture is used by others.
enum class PictureKind : std::uint8_t {
    unknown,      ///< no slice found, or a codec this does not parse: always decoded
    intra,        ///< IDR/IRAP or an I slice
    reference,    ///< other pictures may predict from it
    unreferenced  ///< H.264 nal_ref_idc 0, HEVC sub-layer non-reference (TRAIL_N, ...)
};

/// What the skip decision knows of one packet.
struct PacketFacts {
    PictureKind kind = PictureKind::unknown;
    int temporal_id = 0;  ///< HEVC TemporalId (0 for H.264)
    /// The first slice's type, which sizes are compared within: 0 I, 1 P, 2 B, -1 unknown.
    int slice_type = -1;
    std::int64_t size = 0;
    bool keyframe = false;  ///< the container's keyframe flag
    /// Size over the previous packet's of the same kind and slice type (SkipPolicy::read);
    /// 0 when there was none.
    double change = 0;
    /// An unreferenced picture's size over the last P picture's (SkipPolicy::read); 0 when
    /// none was read yet.
    double share = 0;
};

/// The packet layout of a stream: AVCC/hvcC length prefixes (their size from the codec's
/// extradata) or Annex B start codes.
struct NalLayout {
    bool hevc = false;
    int length_size = 0;  ///< 1..4 for length-prefixed NAL units; 0 for Annex B
};

/// The layout from the codec (hevc or not) and its extradata.
NalLayout nal_layout(bool hevc, const std::uint8_t* extradata, int extradata_size);

/// Classifies one packet of `layout` from its first slice's NAL header (and, for H.264, its
/// slice type). Reads only within [data, data + size).
PacketFacts classify_packet(const NalLayout& layout, const std::uint8_t* data, std::int64_t size,
                            bool keyframe);

/// The skip decision over a window of packets in decoding order: the packets already sent
/// and those read ahead but not yet sent (`ahead`, the first being the candidate).
class SkipPolicy {
  public:
    /// Packets either side of the candidate, in decoding order, that must be ordinary.
    static constexpr std::size_t kWindow = 4;

    /// Records a packet as read (in decoding order): sets `facts.change`, its size over the
    /// previous packet's of the same kind and slice type.
    void read(PacketFacts& facts);

    /// Whether the candidate `ahead.front()` may go undecoded. `ahead` holds up to
    /// kWindow + 1 packets (fewer only at the end of the stream).
    bool may_skip(const std::deque<PacketFacts>& ahead) const;

    /// Records the candidate as sent (decoded or skipped).
    void sent(const PacketFacts& facts);

    /// Forgets everything (after a seek).
    void reset();

  private:
    std::deque<PacketFacts> recent_;     // the last kWindow packets sent
    std::int64_t last_size_[3][3] = {};  // by kind (intra, reference, unreferenced), slice type
};

}  // namespace kinoglaz::detail
