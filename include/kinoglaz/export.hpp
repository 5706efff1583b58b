#pragma once
/// The export module (engine/export/): analysis.json and every other file of the analysis folder,
/// and reading a person's corrections back.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/export/ beside engine/export/, are included by name only inside the module.

#include "kinoglaz/export/analysis_folder.hpp"
#include "kinoglaz/export/edits.hpp"
#include "kinoglaz/export/export.hpp"
