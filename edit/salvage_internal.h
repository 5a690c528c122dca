// The two halves of `reel salvage` (reel/edit/salvage.h), used by salvage.cpp.
#pragma once

#include <string>

#include "reel/edit/salvage.h"
#include "reel/format/status.h"

namespace reel::edit {

// The b-tree walk: walks `input` through SQLite as `reel verify` does and writes what it proves
// intact into the new database `output` (created here; not renamed). Fills the report's damage,
// runs, lost ranges and sessions, events_dropped and frames_copied. Fails when SQLite cannot open
// `input` or read its schema, or when writing `output` fails.
[[nodiscard]] Status salvage_walk(const std::string& input, const std::string& output,
                                  SalvageReport& report);

}  // namespace reel::edit
