// The Godot varstream (format/FORMAT.md 9) and the frame records it shares with `reel play`
// (tools/cli/PLAY.md), written to any byte sink: a file (`reel export --format varstream`) or an
// HTTP response (`reel serve`).
//
// Layout: a header record, one record per frame: every `reset_interval`-th frame from the first
// is a full-state (reset) record, the others segment records (their own spawns, despawns and
// events, and everything that changed since the last full state); then an index record (frame
// and byte offset of every full state, byte offset of every frame) and a fixed 28-byte footer
// giving the index's offset. A reader seeks to frame F with two records, the last full state at
// or before F and F's own: never the file from its start.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/replay/replayer.h"
#include "reel/store/tags.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"

namespace reel {

// PLAY.md "Record": {frame, tick, time, changes, spawns, despawns, events, reset}.
Dictionary frame_record(const Frame& frame, const std::vector<std::string>& paths, bool reset);

// The whole state at a frame as one frame's worth of spawns and changes (entities by ascending
// id, properties by id). No events.
Frame full_state_frame(const WorldState& state);

// Appends one store_var record (u32 LE length, then var_to_bytes of `record`) to `out`. A Godot 3
// consumer gets what Godot 3 lacks converted first (FORMAT.md 1, "Godot 3 output").
Status append_store_var(const Variant& record, GodotDialect dialect, std::vector<uint8_t>& out);

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

// Receives the stream's bytes in order; a non-ok Status stops the writer and is returned.
using ByteSink = std::function<Status(const uint8_t* data, size_t size)>;

// Writes frames [from, to] of the replayer's session as a varstream to `sink`. Does not move the
// replayer's cursor. kInvalidArgument for reset_interval < 1; the replayer's errors (kCorruption
// naming the frames for a damaged chunk) as they come: the sink may then hold a partial stream.
[[nodiscard]] Result<VarstreamStats> write_varstream(Replayer& replayer, FrameIndex from,
                                                     FrameIndex to, const VarstreamOptions& options,
                                                     const ByteSink& sink);

}  // namespace reel
