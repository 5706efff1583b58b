#include "block_sums.hpp"

#include <algorithm>

namespace kinoglaz::detail {

namespace {

// Eight floats, one per column, operated on together (GCC/Clang vector extension: SSE2 pairs
// in the baseline build, one AVX register in the AVX2 clone). Read from any float address:
// unaligned, and allowed to alias the floats it reads.
typedef float Lanes __attribute__((vector_size(32), aligned(4), may_alias));
constexpr int kLanes = int(sizeof(Lanes) / sizeof(float));

// The nine products' sums down each column of one block row (rows y_first .. y_end - 1) into
// `sums` (product k of column x at k * w + x), for columns 1 .. x_end - 1; the others are 0.
// Eight columns at a time: the nine running sums stay in registers for the whole block row,
// and each column's sum adds its rows in order, exactly as one column at a time would.
// An AVX2 clone is picked at load time where the processor has it (Debian's baseline is SSE2).
//
// ThreadSanitizer instruments the ifunc resolver behind target_clones, which runs during
// relocation, before the sanitizer's runtime is up (a crash at start-up): TSan builds get the
// baseline version only.
#if defined(__SANITIZE_THREAD__)
#define KINOGLAZ_AVX2_CLONES
#else
#define KINOGLAZ_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
KINOGLAZ_AVX2_CLONES void block_row_column_sums(const cv::Mat& ref, const cv::Mat& cur, int y_first,
                                                int y_end, int x_end, float* __restrict sums,
                                                std::size_t w) {
    int x0 = 1;
    for (; x0 + kLanes <= x_end; x0 += kLanes) {
        Lanes xx{}, xy{}, yy{}, x1{}, y1{}, xt{}, yt{}, t1{}, tt{};
        const auto lanes = [](const float* p) -> const Lanes& {
            return *reinterpret_cast<const Lanes*>(p);
        };
        for (int y = y_first; y < y_end; ++y) {
            const float* r = ref.ptr<float>(y) + x0;
            const Lanes at = lanes(r);
            const Lanes ix = 0.5f * (lanes(r + 1) - lanes(r - 1));
            const Lanes iy =
                0.5f * (lanes(ref.ptr<float>(y + 1) + x0) - lanes(ref.ptr<float>(y - 1) + x0));
            const Lanes it = lanes(cur.ptr<float>(y) + x0) - at;
            xx += ix * ix;
            xy += ix * iy;
            yy += iy * iy;
            x1 += ix;
            y1 += iy;
            xt += ix * it;
            yt += iy * it;
            t1 += it;
            tt += it * it;
        }
        int k = 0;
        for (const Lanes& v : {xx, xy, yy, x1, y1, xt, yt, t1, tt})
            *reinterpret_cast<Lanes*>(sums + std::size_t(k++) * w + std::size_t(x0)) = v;
    }
    // The last columns, fewer than eight, one at a time.
    for (int x = x0; x < x_end; ++x) {
        float s[kBlockSums - 1] = {};
        for (int y = y_first; y < y_end; ++y) {
            const float* r = ref.ptr<float>(y);
            const float ix = 0.5f * (r[x + 1] - r[x - 1]);
            const float iy = 0.5f * (ref.ptr<float>(y + 1)[x] - ref.ptr<float>(y - 1)[x]);
            const float it = cur.ptr<float>(y)[x] - r[x];
            s[0] += ix * ix;
            s[1] += ix * iy;
            s[2] += iy * iy;
            s[3] += ix;
            s[4] += iy;
            s[5] += ix * it;
            s[6] += iy * it;
            s[7] += it;
            s[8] += it * it;
        }
        for (int k = 0; k < kBlockSums - 1; ++k) sums[std::size_t(k) * w + std::size_t(x)] = s[k];
    }
    for (int k = 0; k < kBlockSums - 1; ++k) {
        float* column = sums + std::size_t(k) * w;
        column[0] = 0;
        std::fill(column + std::max(1, x_end), column + w, 0.f);
    }
}

// The nine products' block sums of one block row from their column sums (as
// block_row_column_sums leaves them): out[k * gw + bx] sums columns bx * bs .. bx * bs + bs - 1
// of product k. With blocks of a multiple of eight columns, each block's columns are added as
// whole vectors and the eight lanes then pairwise.
KINOGLAZ_AVX2_CLONES void block_sums_of_columns(const float* __restrict columns, std::size_t w,
                                                int bs, int gw, float* __restrict out) {
    for (int k = 0; k < kBlockSums - 1; ++k) {
        const float* column = columns + std::size_t(k) * w;
        float* sums = out + std::size_t(k) * std::size_t(gw);
        if (bs % kLanes != 0) {
            for (int bx = 0; bx < gw; ++bx) {
                float sum = 0;  // at most 32 terms
                for (int x = 0; x < bs; ++x) sum += column[bx * bs + x];
                sums[bx] = sum;
            }
            continue;
        }
        for (int bx = 0; bx < gw; ++bx) {
            const float* first = column + bx * bs;
            Lanes v = *reinterpret_cast<const Lanes*>(first);
            for (int x = kLanes; x < bs; x += kLanes)
                v += *reinterpret_cast<const Lanes*>(first + x);
            v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
            v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
            v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
            sums[bx] = v[0];
        }
    }
}

}  // namespace

void accumulate_block_sums(const cv::Mat& ref, const cv::Mat& cur, int bs, int gw, int gh,
                           BlockSumScratch& scratch, std::vector<double>& acc) {
    const int proxy_w = ref.cols, proxy_h = ref.rows;
    auto& columns = scratch.columns;
    auto& row_sums = scratch.row_sums;
    acc.resize(std::size_t(gw * gh) * kBlockSums);
    const int x_end = std::min(proxy_w - 1, gw * bs);  // columns 1 .. x_end - 1
    const std::size_t w = std::size_t(proxy_w);
    columns.resize(9 * w);
    row_sums.resize(std::size_t(9 * gw));
    for (int by = 0; by < gh; ++by) {
        const int y_first = std::max(1, by * bs), y_end = std::min(proxy_h - 1, by * bs + bs);
        if (y_first >= y_end) continue;
        block_row_column_sums(ref, cur, y_first, y_end, x_end, columns.data(), w);
        // Whole blocks: the columns outside 1 .. x_end - 1 hold zeros.
        block_sums_of_columns(columns.data(), w, bs, gw, row_sums.data());
        const double rows = double(y_end - y_first);
        for (int bx = 0; bx < gw; ++bx) {
            const int xs = std::max(1, bx * bs), xe = std::min(x_end, bx * bs + bs);
            double* a = acc.data() + std::size_t(by * gw + bx) * kBlockSums;
            for (int k = 0; k < kBlockSums - 1; ++k) a[k] = row_sums[std::size_t(k * gw + bx)];
            a[9] = rows * std::max(0, xe - xs);
        }
    }
}

}  // namespace kinoglaz::detail
