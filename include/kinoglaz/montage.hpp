#pragma once
/// The montage module (engine/montage/): the result of an analysis (Analysis) and the montage
/// model: shots, set-ups, scenes, the shot graph, patterns, rhythm, camera movement, shot scale.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/montage/ beside engine/montage/, are included by name only inside the module.

#include "kinoglaz/montage/analysis.hpp"
#include "kinoglaz/montage/montage.hpp"
#include "kinoglaz/montage/montage_analysis.hpp"
#include "kinoglaz/montage/montage_cache.hpp"
