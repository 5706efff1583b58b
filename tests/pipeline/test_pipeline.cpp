// run_pipeline on the grey-coded film of the decoder tests (decode/grey_coded.hpp): every
// frame delivered once, in order, as VideoDecoder::next() gives it; consumer errors rethrown.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/pipeline.hpp>
#include "decode/grey_coded.hpp"

using namespace kinoglaz;
using namespace kinoglaz::test;

class PipelineOrderTest : public DecoderTest, public ::testing::WithParamInterface<int> {};

TEST_P(PipelineOrderTest, DeliversEveryFrameInOrderLikeNext) {
    const auto reference = decode_all(coded_);
    VideoDecoder decoder(coded_, {});
    PipelineOptions options;
    options.threads = GetParam();
    std::vector<FrameIndex> index;
    std::vector<double> times;
    std::vector<int> content;
    auto delivered = run_pipeline(decoder, options, [&](const FramePtr& f, const FrameFeatures&) {
        index.push_back(f->index);
        times.push_back(f->time_s);
        content.push_back(frame_of_picture(f->proxy_bgr));
    });
    EXPECT_EQ(delivered, std::int64_t(reference.index.size()));
    EXPECT_EQ(index, reference.index);
    EXPECT_EQ(times, reference.time_s);
    EXPECT_EQ(content, reference.content);
}

INSTANTIATE_TEST_SUITE_P(Threads, PipelineOrderTest, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

TEST_F(DecoderTest, PipelineRethrowsConsumerErrors) {
    VideoDecoder decoder(coded_, {});
    PipelineOptions options;
    options.threads = 2;
    int seen = 0;
    EXPECT_THROW(run_pipeline(decoder, options,
                              [&](const FramePtr&, const FrameFeatures&) {
                                  if (++seen == 10) throw_io("consumer", "stop here");
                              }),
                 Error);
    EXPECT_EQ(seen, 10);
}
