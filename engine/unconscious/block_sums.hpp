#pragma once
// The per-block sums of block-wise Lucas-Kanade, shared by the gesture and vibration finders:
// the hot loop of both, vectorised once.

#include <vector>

#include <opencv2/core.hpp>

namespace kinoglaz::detail {

// Sums per block: Ix², IxIy, Iy², Ix, Iy, IxIt, IyIt, It, It², pixel count.
constexpr int kBlockSums = 10;

// Reused buffers of accumulate_block_sums (one per finder: not shared between threads).
struct BlockSumScratch {
    std::vector<float> columns, row_sums;
};

// The ten sums of each block (of `bs` px, `gw` x `gh` blocks) of the least-squares system
// It = -Ix dx - Iy dy + c over its interior pixels, with the gradients taken on `ref`
// (central differences, CV_32F) and It = cur - ref, into `acc` (block b's sums at
// b * kBlockSums). Per block row, the nine products are first summed down each column, then
// across each block's columns.
void accumulate_block_sums(const cv::Mat& ref, const cv::Mat& cur, int bs, int gw, int gh,
                           BlockSumScratch& scratch, std::vector<double>& acc);

}  // namespace kinoglaz::detail
