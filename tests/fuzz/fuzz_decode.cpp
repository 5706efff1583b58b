// libFuzzer entry: see fuzz_targets.hpp and README "Reliability" for how to run it.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    kinoglaz::fuzz::decode_one(data, size);
    return 0;
}
