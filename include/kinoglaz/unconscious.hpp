#pragma once
/// The unconscious module (engine/unconscious/): the optical unconscious: events, the micro-gesture
/// and vibration finders, magnification, slow motion, reveal clips, split.
///
/// Other modules, tools and programs include this header only; its parts, in
/// kinoglaz/unconscious/ beside engine/unconscious/, are included by name only inside the module.

#include "kinoglaz/unconscious/event.hpp"
#include "kinoglaz/unconscious/gesture_check.hpp"
#include "kinoglaz/unconscious/reveal.hpp"
#include "kinoglaz/unconscious/split.hpp"
#include "kinoglaz/unconscious/translate.hpp"
#include "kinoglaz/unconscious/unconscious.hpp"
#include "kinoglaz/unconscious/vibration.hpp"
