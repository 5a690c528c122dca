// `reel salvage`: copies every frame of a damaged database that can still be reconstructed into a
// new database, with a report of exactly what was lost.
//
// The input is walked as `reel verify` walks it (replay/include/reel/replay/verify.h). Each run of
// frames reachable without a gap becomes one session of the output: the first run keeps the
// session's name and frame numbers; a run that resumes at intact keyframe K after lost frames
// becomes the session "NAME.from-K" whose frame 0 is frame K (its full state, one chunk and one
// keyframe), its later frames being frame K+1... renumbered by -K (K is a keyframe frame, so
// the keyframe interval still divides every keyframe's number). Intact chunk blobs are copied
// byte for byte; keyframes are re-encoded from the verified state (a damaged keyframe whose
// deltas are intact is rebuilt). Properties (lost rows as placeholders), entities, events whose
// arguments are intact and gaps of each run follow, renumbered alike.
//
// Atomic: the output is written to a temporary file beside it and renamed at the end; the input
// is only read. Limitation: rows SQLite itself can no longer read (damaged b-tree pages) are lost
// with their frames; the file's pages are not scanned for blob envelopes yet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reel/format/status.h"
#include "reel/replay/verify.h"

namespace reel::cli {

struct SalvagedRun {
  int64_t source_session = 0;
  std::string source_name;
  std::string name;  // the output session
  FrameIndex first = 0, last = 0;  // source frames
};

struct SalvageReport {
  VerifyReport damage;  // what verify found in the input
  std::vector<SalvagedRun> runs;
  // Per source session, frames not copied (ascending, merged), and sessions not copied at all.
  std::vector<LostRange> lost;
  std::vector<int64_t> lost_range_sessions;  // the session of each entry of `lost`
  std::vector<std::string> lost_sessions;
  int64_t events_dropped = 0;
  int64_t frames_copied = 0;
  double seconds = 0;
};

[[nodiscard]] Result<SalvageReport> salvage_database(const std::string& input,
                                                     const std::string& output);

}  // namespace reel::cli
