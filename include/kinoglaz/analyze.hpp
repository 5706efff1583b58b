#pragma once
/// The analyze module (engine/analyze/): the front door: the whole analysis of one film, as a value
/// or as an analysis folder, and rebuild.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/analyze/ beside engine/analyze/, are included by name only inside the module.

#include "kinoglaz/analyze/analyze.hpp"
#include "kinoglaz/analyze/rebuild.hpp"
