#pragma once
/// The core module (engine/core/): errors, time as values, progress and cancellation, the
/// output-folder rule, user text.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/core/ beside engine/core/, are included by name only inside the module.

#include "kinoglaz/core/error.hpp"
#include "kinoglaz/core/output_folder.hpp"
#include "kinoglaz/core/progress.hpp"
#include "kinoglaz/core/text.hpp"
#include "kinoglaz/core/time.hpp"
