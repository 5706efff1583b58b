#pragma once
/// Fuzz entry points shared by the libFuzzer programs (tests/fuzz/fuzz_*.cpp, built with
/// -DKINOGLAZ_FUZZ=ON and clang) and the regression test over kept crashers
/// (tests/hardening/test_fuzz_regressions.cpp, built with the normal suite).
///
/// Each function accepts arbitrary bytes and must return normally: kinoglaz::Error is the
/// expected way to refuse input and is swallowed; anything else (another exception, a crash, a
/// sanitizer report, a leak) is a finding.

#include <cstddef>
#include <cstdint>

namespace kinoglaz::fuzz {

/// Demux + decode + per-frame and pairwise features over at most 48 frames. The first byte
/// picks the temporary file's extension (it steers FFmpeg's probing); the rest is the file.
/// Not thread-safe (one temporary file per process).
void decode_one(const std::uint8_t* data, std::size_t size);

/// parse_truth_json and parse_analysis_json (the first byte picks which, the rest is the
/// text); a parsed analysis is written back with analysis_json. Thread-safe.
void json_one(const std::uint8_t* data, std::size_t size);

/// parse_time over the bytes; a parsed value must be finite and >= 0, and format_clock of it
/// must parse back. Thread-safe.
void time_one(const std::uint8_t* data, std::size_t size);

}  // namespace kinoglaz::fuzz
