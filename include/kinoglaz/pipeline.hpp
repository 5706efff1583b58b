#pragma once
/// The pipeline module (engine/pipeline/): the TBB pipeline, the transition pass, the segmented
/// pass and the pass of `analyze`.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/pipeline/ beside engine/pipeline/, are included by name only inside the module.

#include "kinoglaz/pipeline/analysis_pass.hpp"
#include "kinoglaz/pipeline/pipeline.hpp"
#include "kinoglaz/pipeline/transition_pass.hpp"
