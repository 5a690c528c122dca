// The terminal-independent half of `reel scrub`: the cursor over a session, the play clock, the
// entity filter, and the text of every screen line. cmd_scrub.cpp draws these lines with ncurses
// and maps keys to the actions here.
//
// Threads: single-threaded, like the Replayer it owns.
// Errors: actions never throw for bad user input; they leave the cursor where it was and set
// message() (shown on the status line) instead.
// Damage: a frame the replayer cannot rebuild (a damaged chunk, an I/O error) still takes the
// cursor: frame() moves there, state() is nullptr and damage() says why (the replayer's message
// names the session, the chunk's frame range and the error). damaged_span() is the run of
// unreadable frames around it (measured with a few seeks inside its keyframe segment: from the
// first frame that fails to the frame before the next keyframe). The status line names the span
// and the error, the table the whole message, the timeline marks the spans seen with 'x'; every
// move works from there as from any frame, and playing stops on it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "reel/replay/replayer.h"

namespace reel::cli {

class ScrubModel {
 public:
  // REQUIRES: replayer holds at least one frame. Seeks frame 0.
  explicit ScrubModel(std::unique_ptr<Replayer> replayer);

  // Moves the cursor by `frames` (clamped to the session); small moves use step_forward /
  // step_back, larger ones seek.
  void step(int64_t frames);
  // Moves by `seconds` of session time (clamped).
  void jump_seconds(double seconds);
  void go_to_frame(FrameIndex frame);  // clamped
  void go_to_start() { go_to_frame(0); }
  void go_to_end() { go_to_frame(last_frame()); }
  // Parses a frame or time (time_parse.h); sets message() on bad input.
  void go_to(const std::string& text);

  // Play/pause at rate() times real time; tick() advances the cursor to what the clock says and
  // stops at the last frame.
  void toggle_play();
  void faster();  // rate x2, up to 64
  void slower();  // rate /2, down to 1/64
  void tick();
  bool playing() const { return playing_; }
  double rate() const { return rate_; }
  // How long the UI may wait for a key before tick() has a new frame to show.
  std::chrono::milliseconds frame_period() const;

  void set_filter(std::string filter) { filter_ = std::move(filter); }
  const std::string& filter() const { return filter_; }

  FrameIndex frame() const { return frame_; }
  FrameIndex last_frame() const { return replayer_->frame_count() - 1; }
  // The state at frame(), or nullptr when it cannot be read (then damage() is not empty).
  const WorldState* state() const { return damage_.empty() ? replayer_->current() : nullptr; }
  const std::string& damage() const { return damage_; }
  struct FrameSpan {
    FrameIndex first = 0, last = -1;
    bool contains(FrameIndex f) const { return f >= first && f <= last; }
  };
  // The unreadable frames around frame(); empty (last < first) when it is readable.
  FrameSpan damaged_span() const { return damage_.empty() ? FrameSpan{} : span_; }
  const std::string& message() const { return message_; }
  void set_message(std::string m) { message_ = std::move(m); }

  // Screen text, each at most `width` columns.
  std::string header_line(size_t width) const;
  std::string status_line(size_t width) const;
  // The timeline: '-' frames, '|' keyframes, '*' events, 'x' damaged spans seen (damage wins,
  // then events), cursor drawn by cursor_line as '^' under its column.
  std::string timeline_line(size_t width) const;
  std::string cursor_line(size_t width) const;
  // "ID  CLASS  PROPERTIES" header, then one row per entity passing the filter (ascending id):
  // "  17  Player  position=Vector3(1, 2, 3)  health=100" (transforms abbreviated to
  // "origin(x, y, z)"). At most `rows` rows; the table
  // title row reports how many matched. At a damaged frame: what is wrong and how to move on.
  std::vector<std::string> entity_lines(size_t width, size_t rows) const;

 private:
  // The timeline column of `frame` for a bar `width` columns wide.
  size_t column_of(FrameIndex frame, size_t width) const;
  bool passes_filter(EntityId id, const EntityState& e) const;
  std::vector<std::string> damage_lines(size_t width, size_t rows) const;
  // Puts the cursor on `target` with the replayer's result of moving there: its state, or the
  // damage (which also stops playing).
  void land(FrameIndex target, Result<const WorldState*> moved);
  // Seeks `target` (no-op when the cursor already shows it).
  void seek_to(FrameIndex target);
  // Moves forward to `target` while playing, stopping on the first damaged frame on the way.
  void play_to(FrameIndex target);
  // Sets span_ to the unreadable run holding frame_ (REQUIRES: frame_ is damaged).
  void measure_damage();
  void restart_clock();
  double tick_rate() const;  // the session's, or 60 when it has none

  std::unique_ptr<Replayer> replayer_;
  std::vector<FrameIndex> keyframes_;
  std::vector<FrameIndex> event_frames_;  // ascending, one per frame holding events
  FrameIndex frame_ = 0;
  double time_ = 0;         // session time at frame_
  bool time_known_ = true;  // false: time_ is estimated from the tick rate (damaged frame)
  std::string damage_;      // why frame_ cannot be shown; "" when state() is valid
  FrameSpan span_;          // the unreadable run holding frame_ while damaged
  std::vector<FrameSpan> damaged_spans_;  // every run measured, for the timeline
  std::string filter_;
  std::string message_;
  bool playing_ = false;
  double rate_ = 1.0;
  std::chrono::steady_clock::time_point clock_start_;
  double clock_start_time_ = 0;  // session time at clock_start_
};

}  // namespace reel::cli
