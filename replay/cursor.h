// Reconstruction of world states: a forward-only Walker (keyframe + chunk deltas) and the seekable
// Cursor on top of it, which keeps a swap log of its keyframe segment to step back cheaply.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/codec/frame_codec.h"
#include "source.h"

namespace reel::replay {

// Damage a walk may skip (with --skip-damaged): a blob or payload that fails its checks
// (kCorruption, kUnsupported) or a row that is missing (kNotFound).
bool is_damage(const Status& status);

// Decodes frames forward from a keyframe. Not movable (its ChunkReader refers to its history).
class Walker {
 public:
  // With `external`, the walker decodes into that state (its owner, a Cursor, keeps it at the
  // walker's frame whenever it asks for the next frame); else into a state of its own.
  explicit Walker(Source& source, WorldState* external = nullptr)
      : source_(source), state_(external ? *external : own_state_) {}
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;

  // Restarts from the nearest intact keyframe at or before `frame` (or from the empty state before
  // frame 0 when none is intact: damaged keyframes are reported and skipped). Does not decode
  // further. Returns the frame of the state it starts from (-1 for the empty state).
  Result<FrameIndex> restart(FrameIndex frame);
  // Restarts from the first intact keyframe in [frame, limit] (damaged ones are reported and
  // skipped). Returns its frame, or -1 (and the walker invalid) when there is none.
  Result<FrameIndex> restart_forward(FrameIndex frame, FrameIndex limit);
  // Brings state() to `frame`, decoding forward from where it is when that is the shorter way
  // (frame ahead, and no keyframe between), else restarting first.
  [[nodiscard]] Status advance_to(FrameIndex frame);
  // Decodes frame state().frame + 1 into state(); `out` (optional) receives its content and
  // `undo` (optional) the edits that undo it. On error the walker becomes invalid (restart() it).
  [[nodiscard]] Status next(Frame* out, std::vector<StateEdit>* undo = nullptr);

  bool valid() const { return valid_; }
  const WorldState& state() const { return state_; }

 private:
  Source& source_;
  WorldState own_state_;
  WorldState& state_;
  // kCorruption unless the catalog's time of the chunk's first/last frame equals the decoded one.
  Status check_catalog_time(FrameIndex frame) const;

  DeltaHistory history_;
  ChunkData chunk_;  // keeps the reader's payload alive
  std::optional<ChunkReader> reader_;
  bool valid_ = false;
};

// The seekable cursor. Its keyframe segment starts at base_ (a keyframe frame, or -1) and its log
// holds one entry per frame base_+1 .. frontier (the walker's frame). Entries of frames <= the
// cursor's frame hold the values before the frame (undo form); later ones the values after it
// (redo form). Applying an entry swaps the state's values with the entry's, so one entry serves
// both directions and each step costs O(changes of one frame). The log is reset at every keyframe
// frame, so it never holds more than keyframe_interval entries.
class Cursor {
 public:
  explicit Cursor(Source& source);

  [[nodiscard]] Status seek(FrameIndex frame);
  [[nodiscard]] Status step_back();
  // Loads the segment holding `frame` and stops at its keyframe (no decoding), so that the caller
  // can build its log a few frames at a time with decode_forward().
  [[nodiscard]] Status start_segment(FrameIndex frame);
  // Decodes and logs the frame after the frontier. REQUIRES: valid(), the cursor at the frontier.
  [[nodiscard]] Status decode_forward();
  // The segment's first state (a keyframe frame, or -1).
  FrameIndex base() const { return base_; }
  // REQUIRES for both: valid().
  const WorldState& state() const { return state_; }
  bool valid() const { return valid_; }
  // Forgets the state and the log (a seek reloads).
  void invalidate() {
    valid_ = false;
    reset_log(-1);
  }
  // Approximate bytes held by the log.
  size_t log_bytes() const { return log_bytes_; }

  struct FrameLog {
    int64_t tick = 0;
    double time = 0;
    std::vector<StateEdit> ops;  // in the order the frame made them
  };

 private:
  [[nodiscard]] Status reload(FrameIndex frame);
  // Undoes, redoes or decodes to `frame`, which is in the segment or its end (a keyframe).
  [[nodiscard]] Status move_within_segment(FrameIndex frame);
  void undo_one();
  void redo_one();
  FrameIndex frontier() const { return base_ + static_cast<FrameIndex>(log_len_); }
  FrameIndex segment_end() const;  // the first keyframe frame after base_
  void reset_log(FrameIndex base);

  Source& source_;
  WorldState state_;  // shared with walker_, which decodes into it at the frontier
  Walker walker_;
  FrameIndex base_ = -1;
  std::vector<FrameLog> log_;  // entries [0, log_len_) are live; the rest keep their capacity
  size_t log_len_ = 0;
  size_t log_bytes_ = 0;
  bool valid_ = false;
};

}  // namespace reel::replay
