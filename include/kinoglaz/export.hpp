#pragma once
/// Writers (and the one reader) of kinoglaz's file formats. Every writer takes the
/// `Analysis` and returns text, so it can be tested without touching the disk.

#include <string>

#include "kinoglaz/analysis.hpp"

namespace kinoglaz {

/// The `source` object of analysis.json (the `probe` output), pretty-printed JSON.
std::string source_json(const SourceInfo& source);

/// Which parts of the analysis a JSON document carries.
enum class JsonContent {
    transitions_only, ///< `schema`, `source`, `transitions` (the `cuts --json` output)
    full,             ///< everything in the contract
};

/// analysis.json as text. Deterministic: the same Analysis gives the same bytes.
std::string analysis_json(const Analysis& analysis, JsonContent content = JsonContent::full);

/// Reads an analysis.json (or any document with `source` and `transitions`). Throws
/// Error(bad_input) naming `origin` when the text is not such a document.
Analysis parse_analysis_json(const std::string& text, const std::string& origin);

}  // namespace kinoglaz
