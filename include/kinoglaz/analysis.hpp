#pragma once
/// The analysis module (engine/analysis/): per-frame and pairwise features, the transition
/// detectors and their bank, the consumers a segmented pass joins.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/analysis/ beside engine/analysis/, are included by name only inside the module.

#include "kinoglaz/analysis/area_resize.hpp"
#include "kinoglaz/analysis/detector.hpp"
#include "kinoglaz/analysis/features.hpp"
#include "kinoglaz/analysis/phase_correlation.hpp"
#include "kinoglaz/analysis/segment_sink.hpp"
#include "kinoglaz/analysis/transition.hpp"
