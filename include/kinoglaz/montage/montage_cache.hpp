#pragma once
/// The montage collector kept in the analysis folder (`montage.cache`), so that `kinoglaz
/// rebuild` can cut the film into shots again at corrected transitions without decoding it.
///
/// The file holds the MontageCollector's per-frame records and colour segments (about 100 bytes
/// per frame: some 19 MB for a 2-hour film at 25 fps) and the film's frame count and duration,
/// which a reader checks against the analysis it belongs to. Binary, little-endian, with a
/// checksum; a file of another layout or version is refused, never misread.

#include <filesystem>

#include <kinoglaz/decode.hpp>
#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

/// File name of the cache inside an analysis folder.
inline constexpr const char* kMontageCacheName = "montage.cache";

/// Writes `collector` (a finished pass over `source`) to `file`. Throws Error(io) naming the
/// file when it cannot be written. Thread-safe for distinct files.
void write_montage_cache(const std::filesystem::path& file, const MontageCollector& collector,
                         const SourceInfo& source);

/// Reads a collector written by write_montage_cache(). Throws Error(bad_input) naming the file
/// when it is missing, truncated, corrupt (checksum), of another version, or written for a
/// film whose frame count differs from `source`'s.
MontageCollector read_montage_cache(const std::filesystem::path& file, const SourceInfo& source);

}  // namespace kinoglaz
