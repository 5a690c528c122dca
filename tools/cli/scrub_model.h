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
//
// Focus: Tab moves it between the timeline, the entity table and the detail pane (when shown);
// the table and the detail pane scroll under Up/Down, PgUp/PgDn, Home/End while focused. The
// table's selection is an entity id, so it stays on the same entity as frames change (or on the
// next id when that entity is absent or filtered out).
//
// Live sessions: poll_live() re-reads the catalog (Replayer::refresh); new committed frames
// extend the timeline, their keyframes, events and tags are added, and in follow mode (follow(),
// End, or --follow) the cursor moves to the last frame.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "reel/replay/replayer.h"
#include "reel/store/tags.h"
#include "scrub_view.h"

namespace reel::cli {

enum class Focus { kTimeline, kTable, kDetail };

// The session's tags (bookmarks), read again on every poll of a live session. May be empty.
using TagLoader = std::function<std::vector<schema::Tag>()>;

class ScrubModel {
 public:
  // REQUIRES: replayer holds at least one frame. Seeks frame 0.
  explicit ScrubModel(std::unique_ptr<Replayer> replayer, TagLoader load_tags = {});

  // Moves the cursor by `frames` (clamped to the session); small moves use step_forward /
  // step_back, larger ones seek.
  void step(int64_t frames);
  // Moves by `seconds` of session time (clamped).
  void jump_seconds(double seconds);
  void go_to_frame(FrameIndex frame);  // clamped
  void go_to_start() { go_to_frame(0); }
  // The last frame, and follow mode on (the cursor stays on the last frame as frames arrive).
  void go_to_end();
  // Parses a frame or time (time_parse.h); sets message() on bad input.
  void go_to(const std::string& text);
  // The next / previous tag after / before the cursor; message() names it (or says there is none).
  void next_tag();
  void previous_tag();

  // Every move above but go_to_end ends follow mode; toggle_follow() switches it (on: the cursor
  // goes to the last frame).
  void toggle_follow();
  bool following() const { return following_; }
  // The session is being recorded by a recorder that is still running (schema::judge_owner).
  bool live() const { return live_; }
  // Re-reads the catalog (new frames, keyframes, events, tags, the session's status); follows the
  // last frame in follow mode. Returns whether anything changed. Errors go to message().
  bool poll_live();

  // Focus and the scrolling panes. The layout is the screen's width and the rows it gives the
  // table (its title row included) and the detail pane; set it before drawing and before the
  // keys of a burst.
  Focus focus() const { return focus_; }
  void cycle_focus();
  void set_layout(size_t width, size_t table_rows, size_t detail_rows);
  void toggle_detail() { detail_shown_ = !detail_shown_; }
  bool detail_shown() const { return detail_shown_ && state() != nullptr; }
  // In the focused pane (table: the selection; detail: the scroll): by rows, by pages, to an end.
  void scroll_lines(int64_t rows);
  void scroll_pages(int64_t pages);
  void scroll_to_first();
  void scroll_to_last();

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
  // The timeline, binned (scrub_view.h): the marks row ('-', keyframes '|', tags 'T', damaged
  // spans seen 'x'), the density row (events per column: ' ' . : * #), and the cursor row ('^'
  // under the cursor's column).
  std::string timeline_line(size_t width) const;
  std::string density_line(size_t width) const;
  std::string cursor_line(size_t width) const;
  // "ID  CLASS  PROPERTIES  rows x-y of N  (N of M entities)" title, then the rows of the
  // entities passing the filter (ascending id) from the scroll position:
  // "  17  Player  position=Vector3(1, 2, 3)  health=100" (transforms abbreviated to
  // "origin(x, y, z)"). At most table rows (set_pane_heights); `selected` is the line of the
  // selection (-1: none). At a damaged frame: what is wrong and how to move on.
  struct TableView {
    std::vector<std::string> lines;
    int selected = -1;
  };
  TableView entity_table(size_t width) const;
  // The selected entity's title line, then every property in full (Godot's text form), wrapped
  // to the layout's width, from the detail pane's scroll position: at most the detail rows.
  // Empty without a selection or while the pane is hidden.
  std::vector<std::string> detail_lines() const;

 private:
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
  // The ids passing the filter at the cursor (ascending); empty at a damaged frame.
  std::vector<EntityId> table_ids() const;
  // The selection's index in `ids` and the table's first row for it.
  size_t selected_index(const std::vector<EntityId>& ids) const;
  size_t table_visible() const { return table_rows_ > 1 ? table_rows_ - 1 : 1; }
  // The detail pane: its title line, then the properties (which scroll under the title).
  std::vector<std::string> all_detail_lines() const;
  size_t detail_body_lines() const;
  size_t detail_body_rows() const { return detail_rows_ > 1 ? detail_rows_ - 1 : 1; }
  // Adds the keyframes and events of frames [from, last_frame()].
  void load_index(FrameIndex from);
  void update_liveness();
  // Moves the cursor to `tag` (REQUIRES: a tag) and says which it is.
  void land_on_tag(size_t tag);
  double tick_rate() const;  // the session's, or 60 when it has none

  std::unique_ptr<Replayer> replayer_;
  std::vector<FrameIndex> keyframes_;
  // (frame, events in it), ascending, one per frame holding events.
  std::vector<std::pair<FrameIndex, int64_t>> events_per_frame_;
  TagLoader load_tags_;
  std::vector<schema::Tag> tags_;  // by frame, then name
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
  bool following_ = false;
  bool live_ = false;
  Focus focus_ = Focus::kTimeline;
  bool detail_shown_ = true;
  size_t table_rows_ = 10, detail_rows_ = 10;
  EntityId selected_id_ = -1;  // the table's selection; the nearest id at or after it is shown
  size_t table_top_ = 0;       // index (among the filtered ids) of the first row shown
  size_t detail_top_ = 0;      // first line of the detail pane shown
  size_t width_ = 80;          // screen columns (set_layout)
};

}  // namespace reel::cli
