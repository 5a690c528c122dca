// Rebuilds a Reel database from the records the page scanner finds in a damaged file
// (page_scan.h), for `reel salvage` (reel/edit/salvage.h). The result is an intermediate
// database that salvage then walks like any other: it holds only rows that proved themselves.
//
// Which record is which row (FORMAT.md 5's tables; column order as in format/store/schema.cpp):
//   chunks     table row: NULL (rowid alias), session_id, first_frame, last_frame, first_time,
//              last_time, data = a kind-1 blob whose envelope checksum verifies
//   keyframes  table row: NULL, session_id, frame, data = a verified kind-2 blob
//   sessions   table row of 16 (format versions 1-3) or more columns: NULL, name (text),
//              tick_rate, start_time_us, dialect, status, metadata and settings = verified kind-4
//              blobs; of several copies (an older version of the row left on a free page) the one
//              with the largest frame_count
//   properties index record (WITHOUT ROWID): session_id, property_id (ints), path (text)
//   entities   index record: session_id, entity_id, spawn_frame (ints), class (text),
//              despawn_frame (int or NULL); a copy with a despawn frame wins over one without
//   events     index record: session_id, frame, seq (ints), name (text), entity_id (int or NULL),
//              args = a verified kind-4 blob[, time]
//   tags       index record: session_id, name (text), frame; the index tags_by_frame's entries
//              (session_id, frame, name) have the shape of properties: every cell of a page
//              belongs to one b-tree, so a page most of whose entries equal tags rows is that
//              index and its entries are tags, not properties
// Gap records (three ints) cannot be told from the entries of the chunks and keyframes indexes:
// they are left out (a note says so).
//
// A session id that has chunks or keyframes but no surviving catalog row gets one rebuilt:
// name "salvaged-session-ID", tick rate from its chunks' frame times, keyframe interval from its
// keyframes' frame numbers, lossy steps from a keyframe's header (FORMAT.md 7), Godot 4 dialect,
// type ids of format version 3 on, no metadata; frame_count = the last chunk's last frame + 1.
// Each such guess is listed in `notes`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "page_scan.h"
#include "reel/format/status.h"
#include "reel/store/store.h"

namespace reel::edit {

struct ScanRebuild {
  PageScanStats stats;
  uint64_t blobs_verified = 0;  // envelopes of recognised rows whose checksum verified
  uint64_t blobs_rejected = 0;  // rows of Reel's shape whose blob failed its envelope check
  int64_t sessions = 0;         // sessions in the rebuilt database
  std::vector<std::string> notes;
};

// Scans `input` and writes what it finds into `out`, an empty database with Reel's schema
// (schema::ensure_schema), in one transaction. Fails on an unreadable input or a write error.
[[nodiscard]] Result<ScanRebuild> rebuild_from_pages(const std::string& input, Store& out);

}  // namespace reel::edit
