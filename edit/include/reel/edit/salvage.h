// `reel salvage`: copies every frame of a damaged database that can still be reconstructed into a
// new database, with a report of exactly what was lost.
//
// Two ways to read the input:
// - The b-tree walk: the input is walked as `reel verify` walks it through SQLite
//   (replay/include/reel/replay/verify.h).
// - The page scan (edit/page_scan.h, edit/scan_rebuild.h): when SQLite's own structure is
//   damaged, the file is read raw, page by page; every table-leaf and index cell is parsed as a
//   record, and Reel's rows are recognised by their shape and kept only when their blob envelope's
//   checksum verifies (chunks, keyframes, session metadata/settings, event arguments) or, for
//   rows without a blob (properties, entities), by their column types. The rows found are written
//   into a fresh intermediate database, which is then walked as above. A session whose catalog
//   row is lost is rebuilt from its chunks and keyframes (identity: the session id of their rows;
//   frame ranges: their rows, checked against the decoded chunks); what cannot be known (its
//   name, start time, metadata, settings other than those the blobs imply) is listed in `notes`.
// When the scan runs (`SalvageOptions::scan`, kAuto): when SQLite cannot open the file or read
// its schema, when `PRAGMA integrity_check` or a read met damage in SQLite's pages ("sqlite"
// damage: a b-tree the walk could not follow, a truncated file), or when the file is shorter than
// its header's page count. The output is then the one of the two that holds more frames (the
// scan reads every page the walk reads, so on a damaged file it normally wins; the walk keeps
// session names and gap records the scan may lose).
//
// Each run of frames reachable without a gap becomes one session of the output: the first run
// keeps the session's name and frame numbers; a run that resumes at intact keyframe K after lost
// frames becomes the session "NAME.from-K" whose frame 0 is frame K (its full state, one chunk and
// one keyframe), its later frames being frame K+1... renumbered by -K (K is a keyframe frame, so
// the keyframe interval still divides every keyframe's number). Intact chunk blobs are copied
// byte for byte; keyframes are re-encoded from the verified state (a damaged keyframe whose
// deltas are intact is rebuilt). Properties (lost rows as placeholders), entities, events whose
// arguments are intact, gaps and tags of each run follow, renumbered alike. A run the walk leaves
// open (it stopped reading a session on a malformed b-tree page) is rolled back, so the copy holds
// only whole runs, and its frames are reported lost.
//
// Atomic: the output is written to a temporary file beside it and renamed at the end; the input
// is only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reel/format/status.h"
#include "reel/replay/verify.h"

namespace reel::edit {

struct SalvagedRun {
  int64_t source_session = 0;
  std::string source_name;
  std::string name;                // the output session
  FrameIndex first = 0, last = 0;  // source frames
};

enum class SalvageMethod : uint8_t { kWalk, kPageScan };
const char* salvage_method_name(SalvageMethod method);  // "b-tree walk" | "page scan"

struct SalvageReport {
  VerifyReport damage;  // what verify found in the input (the b-tree walk's view)
  SalvageMethod method = SalvageMethod::kWalk;
  // Why the page scan ran ("" when it did not), and what it found.
  std::string scan_reason;
  uint32_t page_size = 0;
  uint64_t pages_scanned = 0, blobs_verified = 0, blobs_rejected = 0;
  int64_t walk_frames = -1;  // frames the b-tree walk could copy (-1: it could not open the file)
  // What the output cannot tell (a session rebuilt without its catalog row: name, settings...).
  std::vector<std::string> notes;
  std::vector<SalvagedRun> runs;
  // Per source session, frames not copied (ascending, merged), and sessions not copied at all.
  std::vector<LostRange> lost;
  std::vector<int64_t> lost_range_sessions;  // the session of each entry of `lost`
  std::vector<std::string> lost_sessions;
  int64_t events_dropped = 0;
  int64_t frames_copied = 0;
  double seconds = 0;
};

struct SalvageOptions {
  enum class Scan : uint8_t { kAuto, kNever, kAlways };
  Scan scan = Scan::kAuto;  // when to scan the pages (above); kAlways: use the scan's output
};

[[nodiscard]] Result<SalvageReport> salvage_database(const std::string& input,
                                                     const std::string& output,
                                                     const SalvageOptions& options = {});

}  // namespace reel::edit
