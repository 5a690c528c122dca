// `varstream`: a seekable store_var stream for Godot's ReelPlayer (format/FORMAT.md 9).
//
// Layout: a header record, one record per frame (tools/cli/PLAY.md's Dictionary): every
// `reset_interval`-th frame from the first is a full-state (reset) record, the others segment
// records (their own spawns, despawns and events, and everything that changed since the last full
// state); then an index record (frame and byte offset of every full state, byte offset of every
// frame) and a fixed 28-byte footer giving the index's offset. A reader seeks to frame F with two
// records, the last full state at or before F and F's own: never the file from its start.
#pragma once

#include <cstdint>
#include <string>

#include "inspect_common.h"
#include "reel/variant/variant_binary.h"
#include "reel/replay/replayer.h"
#include "reel/store/tags.h"

namespace reel::cli {

struct VarstreamOptions {
  GodotDialect dialect = GodotDialect::kGodot4;
  // A full-state record every this many frames. A seek reads two records whatever the interval;
  // 60 gave the smallest files on the crowd sample (FORMAT.md 9, "Why this layout").
  int64_t reset_interval = 60;
  // Written as the header's `tags` (FORMAT.md 9): the session's tags in the exported range.
  std::vector<schema::Tag> tags;
};

struct VarstreamStats {
  int64_t frames = 0;
  int64_t resets = 0;
  int64_t bytes = 0;
  int64_t index_offset = 0;
};

// Writes frames [range.from, range.to] of the replayer's session to `path`. Throws CliError.
VarstreamStats write_varstream(Replayer& replayer, const FrameRange& range,
                               const VarstreamOptions& options, const std::string& path);

}  // namespace reel::cli
