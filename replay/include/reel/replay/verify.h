// Integrity check of a Reel database (`reel verify`): everything a reader relies on, checked
// against the data itself, with a report of every damaged frame range.
//
// Checks, per database: the SQLite file (`PRAGMA integrity_check`), the schema and format version,
// the session catalog. Per session: the metadata/settings blobs; property ids dense; every chunk
// and keyframe blob (checksum, envelope, inflation bound, payload decode); chunk rows cover frames
// 0..frame_count-1 without gap or overlap; each chunk's frame count, first/last time against its
// decoded frames; every frame decoded from the keyframe before it, and each keyframe compared with
// the state the deltas reach; the keyframe rows where the keyframe interval puts them; the
// catalog's frame_count, chunk_count, keyframe_count, last_tick, last_time; every event's args
// blob and frame.
//
// Frames that cannot be reconstructed (a damaged or missing chunk, and the frames after it up to
// the next intact keyframe) are reported as lost ranges; damage that loses no frame (a damaged
// keyframe the deltas bridge, a lying catalog row) is reported without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <span>

#include "reel/codec/frame.h"
#include "reel/codec/frame_codec.h"
#include "reel/store/schema.h"
#include "reel/format/status.h"

namespace reel {

struct SessionVerdict;

// Told what the walk of each session proves intact, in frame order (`reel salvage` builds its
// output from it). Calls come only for sessions whose settings are readable. A non-ok Status stops
// the verification and is returned.
class VerifyObserver {
 public:
  virtual ~VerifyObserver() = default;
  virtual Status begin_session(const schema::SessionRow& row, const CodecOptions& codec) = 0;
  // The chunk of frames first..last (its sealed blob as stored) decoded from the exact state
  // before it; `after` is the state of frame `last`.
  virtual Status chunk(FrameIndex first, FrameIndex last, double first_time, double last_time,
                       std::span<const uint8_t> sealed, const WorldState& after) = 0;
  // Keyframe frame `frame` reached with its exact state (from the deltas, or from the keyframe
  // row when `resumed`: the walk restarts there after lost frames).
  virtual Status keyframe(FrameIndex frame, const WorldState& state, bool resumed) = 0;
  // Frames from `frame` on cannot be reconstructed (until a keyframe call with `resumed`).
  virtual Status lost(FrameIndex frame) = 0;
  virtual Status end_session(const SessionVerdict& verdict) = 0;
};

struct VerifyOptions {
  // Where the database lives (profile, VFS); it is always opened read-only, never created.
  StoreOptions store;
  // PRAGMA integrity_check (reads every page: the slowest part on a large file); false skips it.
  bool sqlite_check = true;
  // Stop listing SQLite's own complaints after this many.
  int max_sqlite_messages = 20;
  // false (`reel verify --quick`): blobs are checked by envelope and checksum only, frames are not
  // decoded (no payload, time or keyframe-against-deltas checks); catalog, continuity and lost
  // ranges are still found. Much faster: checksums run at memory speed, decoding does not.
  bool decode_frames = true;
  // Optional; must outlive the call. Ignored when decode_frames is false.
  VerifyObserver* observer = nullptr;
};

// One finding. session_id 0 / frames -1 when it is about the file or has no frame range.
struct Damage {
  int64_t session_id = 0;
  std::string session;         // its name ("" for the file)
  std::string what;            // "chunk", "keyframe", "catalog", "events", "properties",
                               // "metadata", "sqlite", "schema"
  FrameIndex first_frame = -1, last_frame = -1;
  bool frames_lost = false;    // frames first..last cannot be reconstructed
  std::string detail;          // the check that failed, naming the byte offset or values
};

struct LostRange {
  FrameIndex first = 0, last = 0;
  std::string cause;
};

struct SessionVerdict {
  int64_t id = 0;
  std::string name;
  int64_t frames = 0;          // frames the catalog claims
  int64_t frames_decoded = 0;  // frames reconstructed (decoded, or a keyframe resumed from)
  int64_t chunks = 0, keyframes = 0, events = 0;
  int64_t stored_bytes = 0;    // blob bytes read (chunks, keyframes, events, metadata)
  std::vector<LostRange> lost;  // merged, ascending
};

struct VerifyReport {
  std::string path;
  int64_t file_bytes = 0;
  int64_t blob_bytes = 0;  // every blob byte checked
  double seconds = 0;
  std::vector<SessionVerdict> sessions;
  std::vector<Damage> damage;
  bool clean() const { return damage.empty(); }
};

// Verifies the database at `path` (all sessions, or the one named by `session_key`). Damage is
// the report's content, not an error: the Result fails only when the file cannot be opened at all
// (kIoError, kInvalidArgument for a file that is not SQLite) or `session_key` names no session.
[[nodiscard]] Result<VerifyReport> verify_database(const std::string& path,
                                                   std::string_view session_key = {},
                                                   const VerifyOptions& options = {});

}  // namespace reel
