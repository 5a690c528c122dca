// Editing recorded sessions: trim, cut, filter, compact, merge, tag and migrate (issue #14).
//
// Every edit is atomic. Edits that write sessions build the result in a temporary database beside
// the output (output_path + ".tmp-<pid>-<n>") and then either rename it over the output (a new or
// rewritten file) or copy its rows into an existing output in one SQLite transaction; in-place
// edits of the catalog (tags, migrate) are one transaction. A failure at any point (an unreadable
// or damaged source, a full disk, an unwritable directory) removes the temporary file and leaves
// every input and the output as they were.
//
// Rewritten sessions are re-encoded through the recorder's codec from the replayed world states:
// the first written frame is a keyframe holding the whole state of the first kept source frame,
// and each later frame carries the difference between consecutive kept states (a cut's join
// included), so the result's state at every kept frame equals the source's (same entities,
// classes and property values, bit for bit in lossless mode; ticks and times kept as recorded).
// Events of kept frames are copied; tags on kept frames move with them; gap records (frames
// coalesced by the drop policy) are not carried over.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/codec/frame_codec.h"
#include "reel/format/status.h"

namespace reel::edit {

// Source frames first..last, inclusive.
struct FrameSpan {
  FrameIndex first = 0, last = 0;
};

// What a rewritten session keeps besides its frames; empty sets keep everything.
struct Selection {
  // Entity ids (decimal) or class names ("res://player.tscn").
  std::set<std::string> entities;
  std::set<std::string> properties;  // property paths
  std::set<std::string> events;      // event names
  bool empty() const { return entities.empty() && properties.empty() && events.empty(); }
};

// Codec settings of a rewrite; unset fields keep the source session's.
struct CodecOverrides {
  std::optional<int> keyframe_interval;
  std::optional<int> zstd_level;
  std::optional<bool> lossy;
  std::optional<double> position_step;
  std::optional<double> rotation_step_degrees;
  CodecOptions apply(CodecOptions base) const;
};

struct RewriteOptions {
  // Source frames to keep, ascending and disjoint; empty keeps them all.
  std::vector<FrameSpan> keep;
  Selection selection;
  CodecOverrides codec;
  // Name of the new session; "" keeps the source's name.
  std::string name;
  // Frames that cannot be read (a damaged chunk or keyframe) are left out instead of failing the
  // edit; the next readable frame then carries the difference from the last written one.
  bool skip_damaged = false;
  // Recorded in the new session's metadata under "edit" (e.g. "trim of 'm1' frames 10..99").
  std::string note;
};

struct RewriteReport {
  std::string session;  // the name the new session got
  int64_t frames_written = 0;
  int64_t frames_skipped = 0;  // unreadable frames left out (skip_damaged)
  int64_t events_written = 0;
  int64_t tags_written = 0;
};

// Rewrites session `session_key` of `source` (a name, an id or "" for the only one) as a new
// session of `output`. `output` may be `source` itself or another database, new or existing (the
// new session is added; its name must be free there). See the file comment for atomicity.
[[nodiscard]] Result<RewriteReport> rewrite_session(const std::string& source,
                                                    std::string_view session_key,
                                                    const std::string& output,
                                                    const RewriteOptions& options);

// Spans kept by a trim to [from, to] and by a cut of [from, to] from a session of `frames`
// frames; kInvalidArgument when the range is empty, reversed or outside [0, frames), or when a cut
// would remove every frame.
[[nodiscard]] Result<std::vector<FrameSpan>> trim_spans(FrameIndex frames, FrameIndex from,
                                                        FrameIndex to);
[[nodiscard]] Result<std::vector<FrameSpan>> cut_spans(FrameIndex frames, FrameIndex from,
                                                       FrameIndex to);

struct CompactOptions {
  CodecOverrides codec;
  bool skip_damaged = false;
  // "" rewrites the database in place (renamed over it at the end).
  std::string output;
};
struct CompactReport {
  int64_t bytes_before = 0;  // the source file (and its WAL, if any)
  int64_t bytes_after = 0;   // the result file
  int64_t sessions = 0;
  int64_t frames = 0;
  int64_t frames_skipped = 0;
};
// Re-encodes every session of `path` with `options.codec` into a fresh database (names,
// metadata, events and tags kept), VACUUMs it and renames it over the output. kInvalidArgument
// for a database with a session still recording (its recorder may be writing).
[[nodiscard]] Result<CompactReport> compact_database(const std::string& path,
                                                     const CompactOptions& options);

struct MergeReport {
  struct Copied {
    std::string source;     // database path
    std::string from_name;  // the session's name there
    std::string to_name;    // its name in the output (differs after a clash)
  };
  std::vector<Copied> sessions;
};
// Copies every session of each of `inputs` (their rows, untouched: no re-encoding) into a new
// database `output` (which must not exist). A name already taken gets "-2", "-3" ... appended and
// is reported.
[[nodiscard]] Result<MergeReport> merge_databases(const std::vector<std::string>& inputs,
                                                  const std::string& output);

struct MigrateReport {
  int64_t from_version = 0, to_version = 0;
};
// Upgrades a database of an older format version to the current one in place, in one
// transaction (FORMAT.md 5 "Versions"); a database already current is left untouched.
[[nodiscard]] Result<MigrateReport> migrate_database(const std::string& path);

// Bookmarks (FORMAT.md 5, table tags), each one transaction on the database.
[[nodiscard]] Status add_tag(const std::string& path, std::string_view session_key,
                             FrameIndex frame, std::string_view name);
[[nodiscard]] Status remove_tag(const std::string& path, std::string_view session_key,
                                std::string_view name);

}  // namespace reel::edit
