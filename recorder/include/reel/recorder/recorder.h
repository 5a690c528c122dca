// Recorder: turns what a game hands over each frame into compact, checksummed, crash-safe rows.
//
// Threads and ownership:
// - One game thread drives a Recorder: begin_frame, set/spawn/despawn/event, end_frame, flush,
//   close. Those calls only copy data into a frame buffer and hand it to a bounded queue; they
//   never touch SQLite or compress anything.
// - A writer thread owned by the Recorder encodes, compresses and commits; it is the only writer of
//   its session. Storage errors are reported through the Status of later calls (end_frame, flush,
//   close) until a commit succeeds again; what was committed before an error stays intact. Data
//   that could not be stored at all (an event whose args do not encode, such as nesting past
//   1024 levels) is reported by every later call, close included; the rest is still recorded.
//
// Example:
//   reel::RecorderOptions options;           // defaults: local profile, lossless
//   auto rec = reel::Recorder::open("movie.reel", {.name = "match-1", .tick_rate = 60}, options);
//   if (!rec.ok()) ...;
//   auto pos = (*rec)->intern_property("position");
//   (*rec)->begin_frame(/*tick=*/0, /*time=*/0.0);
//   (*rec)->spawn(17, "res://player.tscn");
//   (*rec)->set(17, pos, reel::Vector3{1, 2, 3});
//   (*rec)->event("jump", reel::Array{}, /*entity=*/17);
//   (void)(*rec)->end_frame();
//   (void)(*rec)->close();
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "reel/codec/frame.h"
#include "reel/codec/frame_codec.h"
#include "reel/format/status.h"
#include "reel/store/store.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"

namespace reel {

// What end_frame does when the writer has fallen `queue_frames` frames behind.
enum class BackpressurePolicy : uint8_t {
  kBlock,  // wait for the writer (no frame lost; the game thread may stall)
  kDrop,   // drop the frame, count it, and record a gap (the game never stalls)
};

struct RecorderOptions {
  StoreOptions store;  // profile (local | mvsqlite), VFS name, retries
  CodecOptions codec;  // keyframe interval, zstd level, lossy quantization
  // Frames are committed in one transaction at most this often (group commit). 0 = commit every
  // frame (servers that want the smallest loss window). A crash loses at most the frames of the
  // current interval plus those still queued.
  std::chrono::milliseconds commit_interval{100};
  // A row (chunk) never holds more than this many frames, whatever the commit interval.
  int max_frames_per_chunk = 8;
  // Frames that may wait between the game thread and the writer.
  int queue_frames = 256;
  BackpressurePolicy backpressure = BackpressurePolicy::kBlock;
  // While no frame arrives the writer still refreshes the session's heartbeat this often, so that
  // an opener on another host can tell a quiet recorder from a dead one (FORMAT.md 5, liveness).
  std::chrono::milliseconds heartbeat_interval{5000};

  [[nodiscard]] Status validate() const;
};

struct SessionInfo {
  std::string name;         // unique in the database; "" picks "session-<start time>"
  double tick_rate = 60.0;  // frames per second the game intends to record
  GodotDialect dialect = GodotDialect::kGodot4;
  Dictionary metadata;  // free-form: map, server, build ...
};

struct RecorderStats {
  int64_t frames_submitted = 0;  // end_frame calls
  int64_t frames_committed = 0;  // durable in the database
  int64_t frames_dropped = 0;    // BackpressurePolicy::kDrop
  int64_t commits = 0;
  int64_t commit_retries = 0;  // SQLITE_BUSY at COMMIT, re-run (mvsqlite)
  int64_t raw_bytes = 0;       // encoded frame bytes before compression
  int64_t stored_bytes = 0;    // blob bytes written (chunks + keyframes)
  int64_t keyframes = 0;
};

// Where a resumed session continues (Recorder::resume): its last keyframe's state, the frames it
// committed after that keyframe (their decoded content, as Replayer::for_each_frame gives it), and
// its property paths by id. replay/recover.h builds one (reel::resume_point).
struct ResumePoint {
  WorldState keyframe_state;  // keyframe_state.frame: a keyframe frame
  std::vector<Frame> frames_after_keyframe;
  std::vector<std::string> property_paths;
};

class Recorder {
 public:
  // Opens (creating if needed) the database at `path` and starts a new session in it.
  [[nodiscard]] static Result<std::unique_ptr<Recorder>> open(const std::string& path,
                                                              const SessionInfo& session,
                                                              const RecorderOptions& options = {});
  // Continues the session `session_name` after it ended (interrupted by a crash, failed, or
  // closed): frames handed over next get the indexes after its last committed frame, and decode
  // exactly as if the recorder had never stopped. kInvalidArgument when the session does not
  // exist or its recorder is still alive; the session is sealed first when that recorder is gone.
  [[nodiscard]] static Result<std::unique_ptr<Recorder>> resume(
      const std::string& path, std::string_view session_name, ResumePoint point,
      const RecorderOptions& options = {});
  ~Recorder();  // closes if still open (errors are then only visible through stats())
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  int64_t session_id() const;

  // Game thread. Interning a path costs a hash lookup: do it once and keep the id.
  PropertyId intern_property(std::string_view path);

  // Game thread. REQUIRES: begin_frame before the others, ticks increasing.
  void begin_frame(int64_t tick, double time);
  // The value is copied (or moved) once, straight into the frame being built.
  void set(EntityId entity, PropertyId property, const Variant& value);
  void set(EntityId entity, PropertyId property, Variant&& value);
  void set(EntityId entity, std::string_view property_path, Variant value);
  void spawn(EntityId entity, std::string_view class_name);
  void despawn(EntityId entity);
  void event(std::string_view name, Variant args = {}, EntityId entity = -1);
  // Hands the frame to the writer. Returns the first loss of handed-over data, else the last
  // commit's storage error, if any, so the game learns of a full disk promptly; the frame is
  // still queued unless the error is permanent.
  [[nodiscard]] Status end_frame();

  // Blocks until every frame handed over so far is committed.
  [[nodiscard]] Status flush();
  // Flushes, ends the session and stops the writer. Idempotent. The session ends `closed`, with
  // `reason` as its end_reason ("signal SIGTERM"; "" = none), or `failed` with the storage error
  // ("disk full") when frames handed over could not be committed.
  [[nodiscard]] Status close(std::string_view reason = {});

  RecorderStats stats() const;  // any thread

 private:
  class Impl;
  explicit Recorder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reel
