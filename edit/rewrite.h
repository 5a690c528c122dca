// The core of every re-encoding edit: walks kept frames of an open session and records the
// differences between consecutive kept states as a new session (edit.h file comment).
#pragma once

#include <string>

#include "reel/edit/edit.h"
#include "reel/replay/replayer.h"

namespace reel::edit {

// Appends the rewritten session to the database at `dest` (created if missing; normally a
// temporary file), then copies the kept frames' tags and the source's start time into it.
// `source_path` is the database `replayer` reads (for its tags). REQUIRES: options.keep ascending,
// disjoint and inside [0, replayer.frame_count()).
[[nodiscard]] Result<RewriteReport> write_rewritten(Replayer& replayer,
                                                    const std::string& source_path,
                                                    const std::string& dest,
                                                    const RewriteOptions& options);

}  // namespace reel::edit
