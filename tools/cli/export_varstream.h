// `reel export --format varstream`: the seekable store_var stream for Godot's ReelPlayer
// (format/FORMAT.md 9), written by the replay library (reel/replay/varstream.h) to a file.
#pragma once

#include <string>

#include "inspect_common.h"
#include "reel/replay/replayer.h"
#include "reel/replay/varstream.h"

namespace reel::cli {

// Writes frames [range.from, range.to] of the replayer's session to `path`. Throws CliError.
VarstreamStats write_varstream(Replayer& replayer, const FrameRange& range,
                               const VarstreamOptions& options, const std::string& path);

}  // namespace reel::cli
