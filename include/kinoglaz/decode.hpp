#pragma once
/// The decode module (engine/decode/): FFmpeg demuxing and decoding into Frames, single-frame
/// grabs, the soundtrack's samples, JPEG stills, stream copy.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/decode/ beside engine/decode/, are included by name only inside the module.

#include "kinoglaz/decode/audio.hpp"
#include "kinoglaz/decode/decoder.hpp"
#include "kinoglaz/decode/frame.hpp"
#include "kinoglaz/decode/jpeg.hpp"
#include "kinoglaz/decode/source.hpp"
