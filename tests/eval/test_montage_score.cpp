// Montage scores at shot level: scene openings, alternation runs and set-up pairs, with
// predicted shots mapped to the truth shot that holds their middle frame.
#include <gtest/gtest.h>

#include <kinoglaz/core.hpp>
#include <kinoglaz/eval.hpp>

namespace kinoglaz {
namespace {

// Truth: six shots of 10 frames; scenes open at shots 0, 2 and 5; shots 1-4 alternate set-ups
// a and b.
const char* kTruth = R"({
  "schema": "kinoglaz.truth/1", "transitions": [],
  "shots": [
    {"start_frame": 0, "end_frame": 10, "group": "x"}, {"start_frame": 10, "end_frame": 20, "group": "a"},
    {"start_frame": 20, "end_frame": 30, "group": "b"}, {"start_frame": 30, "end_frame": 40, "group": "a"},
    {"start_frame": 40, "end_frame": 50, "group": "b"}, {"start_frame": 50, "end_frame": 60, "group": "y"}],
  "scenes": [{"first_shot": 0}, {"first_shot": 2}, {"first_shot": 5}],
  "alternations": [{"shots": [1, 2, 3, 4]}]
})";

TEST(MontageScore, ShotLevelScenesAlternationsAndSetupPairs) {
    const MontageFacts truth = parse_montage_facts(kTruth, "truth");
    ASSERT_EQ(truth.shots.size(), 6u);
    // A prediction with one shot split in two (frames 30-35, 35-40), scenes opening at the
    // right shot 2 and at a wrong shot 3, one alternation over shots 1-5, and set-ups that
    // merge x with y.
    const char* predicted = R"({
      "transitions": [],
      "shots": [
        {"start_frame": 0, "end_frame": 10, "setup": 0}, {"start_frame": 10, "end_frame": 20, "setup": 1},
        {"start_frame": 20, "end_frame": 30, "setup": 2}, {"start_frame": 30, "end_frame": 35, "setup": 1},
        {"start_frame": 35, "end_frame": 40, "setup": 1}, {"start_frame": 40, "end_frame": 50, "setup": 2},
        {"start_frame": 50, "end_frame": 60, "setup": 0}],
      "scenes": [{"first_shot": 0}, {"first_shot": 2}, {"first_shot": 3}],
      "patterns": [{"kind": "alternation", "shots": [1, 2, 3, 4, 5]},
                   {"kind": "long_take", "shots": [0]}]
    })";
    const MontageScore s = score_montage(truth, parse_montage_facts(predicted, "pred"));
    EXPECT_EQ(s.scene_boundaries.true_positives, 1);   // shot 2 opens a truth scene
    EXPECT_EQ(s.scene_boundaries.false_positives, 1);  // shot 3 does not
    EXPECT_EQ(s.scene_boundaries.false_negatives, 1);  // truth shot 5's opening is missed
    EXPECT_EQ(s.alternations.true_positives, 1);
    EXPECT_EQ(s.alternations.false_positives, 0);
    EXPECT_EQ(s.alternations.false_negatives, 0);
    // Pairs of distinct truth shots: (x, y) merged is one false positive; the two halves of
    // truth shot 3 are not a pair; everything else agrees.
    EXPECT_EQ(s.setup_pairs.false_positives, 1);
    EXPECT_EQ(s.setup_pairs.false_negatives, 0);
    EXPECT_GT(s.setup_pairs.true_positives, 0);
}

TEST(MontageScore, AnAlternationMustCoverThreeQuartersBothWays) {
    const MontageFacts truth = parse_montage_facts(kTruth, "truth");
    MontageFacts predicted = truth;
    predicted.scene_first_shots.clear();
    predicted.alternations = {{1, 2}};  // half the truth run
    EXPECT_EQ(score_montage(truth, predicted).alternations.true_positives, 0);
    predicted.alternations = {{0, 1, 2, 3, 4, 5}};  // the run and two shots more: 4/6 inside
    EXPECT_EQ(score_montage(truth, predicted).alternations.true_positives, 0);
    predicted.alternations = {{1, 2, 3, 4, 5}};  // 4/5 inside, 4/4 covered
    EXPECT_EQ(score_montage(truth, predicted).alternations.true_positives, 1);
}

TEST(MontageScore, MalformedMontageIsBadInput) {
    EXPECT_THROW(parse_montage_facts(R"({"shots": [{"start_frame": "x"}]})", "bad"), Error);
    EXPECT_THROW(parse_montage_facts("[]", "bad"), Error);
    EXPECT_TRUE(parse_montage_facts(R"({"transitions": []})", "none").shots.empty());
}

}  // namespace
}  // namespace kinoglaz
