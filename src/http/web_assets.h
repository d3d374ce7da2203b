#pragma once
// The web UI's files (web/), compiled into the binary so that /ui works with nothing beside it.
// The table is generated at build time by cmake/web_assets.cmake from every file under web/;
// see docs/web_ui.md for how the router serves it.
//
// Thread-safe: the table is immutable static data.

#include <string_view>

namespace arbor::http {

struct WebAsset {
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8".
  std::string_view body;          // The file's bytes; static storage, valid for the whole run.
};

// The asset at `path`, relative to /ui/ ("app.js", "index.html"; "" means "index.html"), or
// nullptr when there is none. Matching is exact: no normalisation, so "../x" is never found.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace arbor::http
