#include "scrub_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reel/store/liveness.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

constexpr int64_t kMaxStepsBeforeSeek = 16;  // beyond this a seek is cheaper than stepping
constexpr double kMaxRate = 64, kMinRate = 1.0 / 64;

std::string rate_text(double rate) {
  return fmt::format("{:g}x", rate);
}

// Table form of a value: transforms shrink to their origin (3 decimals), so that a row shows
// several properties; everything else is Godot's text form. `reel show` prints full values.
std::string table_text(const Variant& v) {
  if (const auto* t = v.get_if<Transform3D>()) {
    return fmt::format("origin({:.3f}, {:.3f}, {:.3f})", t->origin.x, t->origin.y, t->origin.z);
  }
  if (const auto* t = v.get_if<Transform2D>()) {
    return fmt::format("origin({:.3f}, {:.3f})", t->columns[2].x, t->columns[2].y);
  }
  return to_text(v);
}

// The error of a library message without its context: what follows the last ": " outside
// parentheses ("session 1: chunk frames 30-34: blob checksum mismatch (...)" -> "blob checksum
// mismatch (...)").
std::string error_of(const std::string& message) {
  size_t cut = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < message.size(); ++i) {
    if (message[i] == '(') ++depth;
    if (message[i] == ')') --depth;
    if (depth == 0 && message[i] == ':' && message[i + 1] == ' ') cut = i + 2;
  }
  return message.substr(cut);
}

}  // namespace

using scrub::fit;
using scrub::wrap;

ScrubModel::ScrubModel(std::unique_ptr<Replayer> replayer, TagLoader load_tags)
    : replayer_(std::move(replayer)), load_tags_(std::move(load_tags)) {
  load_index(0);
  if (load_tags_) tags_ = load_tags_();
  update_liveness();
  land(0, replayer_->seek(0));
}

void ScrubModel::load_index(FrameIndex from) {
  if (auto k = replayer_->keyframe_frames(); k.ok()) keyframes_ = std::move(k).value();
  // Events whose arguments are damaged still count: only their frames matter here.
  auto events = replayer_->events(from, last_frame(), {}, [](const Status&) {});
  if (!events.ok()) return;
  for (const auto& e : *events) {
    if (events_per_frame_.empty() || events_per_frame_.back().first != e.frame) {
      events_per_frame_.emplace_back(e.frame, 0);
    }
    ++events_per_frame_.back().second;
  }
}

void ScrubModel::update_liveness() {
  const auto& row = replayer_->session();
  live_ = row.status == format::SessionStatus::kRecording && !schema::judge_owner(row).gone;
}

bool ScrubModel::poll_live() {
  if (!live_) return false;
  auto added = replayer_->refresh();
  if (!added.ok()) {
    message_ = added.status().message();
    return true;
  }
  const bool was_live = live_;
  update_liveness();
  if (*added > 0) {
    load_index(last_frame() - *added + 1);
    if (load_tags_) tags_ = load_tags_();
    if (following_) {
      go_to_frame(last_frame());
      following_ = true;
    }
  }
  return *added > 0 || was_live != live_;
}

double ScrubModel::tick_rate() const {
  return replayer_->session().tick_rate > 0 ? replayer_->session().tick_rate : 60;
}

void ScrubModel::land(FrameIndex target, Result<const WorldState*> moved) {
  frame_ = target;
  if (moved.ok()) {
    damage_.clear();
    time_ = (*moved)->time;
    time_known_ = true;
    return;
  }
  damage_ = moved.status().message();
  playing_ = false;
  measure_damage();
  // The index knows the times of a chunk's first and last frames; others need the chunk.
  auto t = replayer_->time_of(target);
  time_known_ = t.ok();
  time_ = t.ok() ? *t : static_cast<double>(target) / tick_rate();
}

void ScrubModel::measure_damage() {
  if (span_.contains(frame_)) return;
  for (const auto& seen : damaged_spans_) {
    if (seen.contains(frame_)) {
      span_ = seen;
      return;
    }
  }
  // Inside one keyframe segment every frame after a damaged chunk needs it: the frames that fail
  // run from the first failing one (bisected between the segment's keyframe and frame_) to the
  // frame before the next keyframe.
  auto next = std::upper_bound(keyframes_.begin(), keyframes_.end(), frame_);
  const FrameIndex segment = next == keyframes_.begin() ? 0 : *std::prev(next);
  const FrameIndex end = next == keyframes_.end() ? last_frame() : *next - 1;
  FrameIndex bad = segment;  // also when the segment's keyframe itself fails
  if (segment < frame_ && replayer_->seek(segment).ok()) {
    FrameIndex good = segment;
    bad = frame_;
    while (bad - good > 1) {
      FrameIndex mid = good + (bad - good) / 2;
      (replayer_->seek(mid).ok() ? good : bad) = mid;
    }
  }
  span_ = {bad, end};
  damaged_spans_.push_back(span_);
}

void ScrubModel::seek_to(FrameIndex target) {
  if (damage_.empty() && target == frame_) return;
  land(target, replayer_->seek(target));
}

void ScrubModel::go_to_frame(FrameIndex target) {
  following_ = false;
  seek_to(std::clamp<FrameIndex>(target, 0, last_frame()));
  restart_clock();
}

void ScrubModel::go_to_end() {
  go_to_frame(last_frame());
  following_ = true;
}

void ScrubModel::toggle_follow() {
  if (following_) {
    following_ = false;
  } else {
    go_to_end();
  }
}

void ScrubModel::land_on_tag(size_t tag) {
  go_to_frame(tags_[tag].frame);
  message_ = fmt::format("tag '{}' at frame {} ({} of {})", tags_[tag].name, tags_[tag].frame,
                         tag + 1, tags_.size());
}

void ScrubModel::next_tag() {
  auto it = std::find_if(tags_.begin(), tags_.end(),
                         [&](const schema::Tag& t) { return t.frame > frame_; });
  if (it == tags_.end()) {
    message_ = tags_.empty() ? "the session has no tags (reel tag adds them)"
                             : fmt::format("no tag after frame {}", frame_);
    return;
  }
  land_on_tag(static_cast<size_t>(it - tags_.begin()));
}

void ScrubModel::previous_tag() {
  auto it = std::find_if(tags_.rbegin(), tags_.rend(),
                         [&](const schema::Tag& t) { return t.frame < frame_; });
  if (it == tags_.rend()) {
    message_ = tags_.empty() ? "the session has no tags (reel tag adds them)"
                             : fmt::format("no tag before frame {}", frame_);
    return;
  }
  land_on_tag(static_cast<size_t>(tags_.rend() - it - 1));
}

void ScrubModel::step(int64_t frames) {
  FrameIndex target = std::clamp<FrameIndex>(frame_ + frames, 0, last_frame());
  int64_t distance = target - frame_;
  following_ = false;
  // From a damaged frame the replayer has no cursor to step from: seek.
  if (!damage_.empty() || std::abs(distance) > kMaxStepsBeforeSeek) return go_to_frame(target);
  Result<const WorldState*> moved = replayer_->current();
  for (; distance != 0 && moved.ok(); distance += distance > 0 ? -1 : 1) {
    moved = distance > 0 ? replayer_->step_forward() : replayer_->step_back();
  }
  // A step into damage: land on the target all the same (it may be intact).
  land(target, moved.ok() ? std::move(moved) : replayer_->seek(target));
  restart_clock();
}

void ScrubModel::jump_seconds(double seconds) {
  double t = time_ + seconds;
  if (t <= 0) return go_to_start();
  auto target = replayer_->frame_at_time(t);
  // Inside a damaged chunk the exact frame is unknown: estimate it from the tick rate.
  go_to_frame(target.ok() ? *target : frame_ + std::llround(seconds * tick_rate()));
}

void ScrubModel::go_to(const std::string& text) {
  auto p = parse_position(text);
  if (!p.ok()) {
    message_ = p.status().message();
    return;
  }
  if (p->is_end) return go_to_frame(last_frame());
  if (!p->is_time) {
    if (p->frame > last_frame()) {
      message_ = fmt::format("frame {} is out of range (0..{})", p->frame, last_frame());
      return;
    }
    return go_to_frame(p->frame);
  }
  auto target = frame_at_position_time(*replayer_, p->seconds, text);
  if (!target.ok()) {
    message_ = target.status().message();
    return;
  }
  go_to_frame(*target);
}

void ScrubModel::restart_clock() {
  clock_start_ = std::chrono::steady_clock::now();
  clock_start_time_ = time_;
}

void ScrubModel::toggle_play() {
  playing_ = !playing_;
  following_ = false;
  if (playing_ && frame_ == last_frame()) go_to_start();
  restart_clock();
}

void ScrubModel::faster() {
  rate_ = std::min(kMaxRate, rate_ * 2);
  restart_clock();
}

void ScrubModel::slower() {
  rate_ = std::max(kMinRate, rate_ / 2);
  restart_clock();
}

void ScrubModel::tick() {
  if (!playing_) return;
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - clock_start_;
  double t = clock_start_time_ + elapsed.count() * rate_;
  auto at = replayer_->frame_at_time(t);
  // Unknown inside a damaged chunk: the next frame, which shows the damage and stops.
  FrameIndex target = at.ok() ? *at : std::min(frame_ + 1, last_frame());
  if (target > frame_) play_to(target);  // keeps the clock (go_to_frame/step restart it)
  if (frame_ >= last_frame()) playing_ = false;
}

void ScrubModel::play_to(FrameIndex target) {
  if (!damage_.empty() || target - frame_ > kMaxStepsBeforeSeek) {
    return land(target, replayer_->seek(target));
  }
  // Frame by frame, however late the tick: playing into damage stops on its first frame.
  Result<const WorldState*> moved = replayer_->current();
  FrameIndex reached = frame_;
  while (reached < target && moved.ok()) {
    moved = replayer_->step_forward();
    ++reached;
  }
  land(reached, std::move(moved));
}

std::chrono::milliseconds ScrubModel::frame_period() const {
  auto ms = static_cast<int64_t>(1000.0 / (tick_rate() * rate_));
  return std::chrono::milliseconds(std::clamp<int64_t>(ms, 5, 250));
}

std::string ScrubModel::header_line(size_t width) const {
  const auto& s = replayer_->session();
  int64_t frames_with_events = static_cast<int64_t>(events_per_frame_.size());
  return fit(
      fmt::format("reel scrub  session '{}' (id {})  frames 0..{}  {:g} ticks/s  "
                  "{} keyframes  {} frames with events{}",
                  s.name, s.id, last_frame(), s.tick_rate, keyframes_.size(), frames_with_events,
                  tags_.empty()
                      ? ""
                      : fmt::format("  {} tag{}", tags_.size(), tags_.size() == 1 ? "" : "s")),
      width);
}

std::string ScrubModel::status_line(size_t width) const {
  const WorldState* st = state();
  const double end =
      session_end_time(replayer_->session().last_time, replayer_->session().tick_rate);
  std::string line = fmt::format("frame {}/{}  {}time {}{}/{}  [{}] {}", frame_, last_frame(),
                                 st ? fmt::format("tick {}  ", st->tick) : "",
                                 time_known_ ? "" : "~", format_time(time_), format_time(end),
                                 playing_ ? "playing" : "paused", rate_text(rate_));
  if (live_) line += following_ ? "  live, following" : "  live";
  for (const auto& t : tags_) {
    if (t.frame == frame_) line += fmt::format("  tag '{}'", t.name);
  }
  if (!filter_.empty()) line += fmt::format("  filter '{}'", filter_);
  if (!damage_.empty()) {
    line +=
        fmt::format("  | DAMAGED frames {}..{}: {}", span_.first, span_.last, error_of(damage_));
  }
  if (!message_.empty()) line += "  | " + message_;
  return fit(std::move(line), width);
}

std::string ScrubModel::timeline_line(size_t width) const {
  std::vector<scrub::Frame> tag_frames;
  for (const auto& t : tags_) tag_frames.push_back(t.frame);
  std::vector<scrub::Span> damaged;
  for (const auto& d : damaged_spans_) damaged.push_back({d.first, d.last});
  return marks_row(scrub::Bins(last_frame() + 1, width), keyframes_, tag_frames, damaged);
}

std::string ScrubModel::density_line(size_t width) const {
  return density_row(scrub::Bins(last_frame() + 1, width), events_per_frame_);
}

std::string ScrubModel::cursor_line(size_t width) const {
  size_t col = scrub::Bins(last_frame() + 1, width).column_of(frame_);
  std::string line(col, ' ');
  line += '^';
  return fit(std::move(line), width);
}

bool ScrubModel::passes_filter(EntityId id, const EntityState& e) const {
  if (filter_.empty()) return true;
  // Digits name one entity id exactly ("45" is entity 45, not 145 or 450); anything else is a
  // class name substring.
  const bool is_id =
      std::all_of(filter_.begin(), filter_.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (is_id) return fmt::format("{}", id) == filter_;
  return e.class_name.find(filter_) != std::string::npos;
}

std::vector<std::string> ScrubModel::damage_lines(size_t width, size_t rows) const {
  auto next = std::upper_bound(keyframes_.begin(), keyframes_.end(), frame_);
  std::vector<std::string> out{
      fit(fmt::format("{:>8}  frame {} cannot be shown: the recording is damaged in frames {}..{}",
                      "", frame_, span_.first, span_.last),
          width)};
  for (auto& line : wrap(damage_, width > 10 ? width - 10 : width)) {
    out.push_back(fit(fmt::format("{:>8}  {}", "", line), width));
  }
  out.push_back(fit(
      fmt::format("{:>8}  Move on with Right, PgDn, End or g{}; back with Left, PgUp or Home.", "",
                  next == keyframes_.end() ? "" : fmt::format(" (next keyframe: frame {})", *next)),
      width));
  if (out.size() > rows) out.resize(rows);
  return out;
}

std::vector<EntityId> ScrubModel::table_ids() const {
  std::vector<EntityId> ids;
  if (!state()) return ids;
  for (const auto& [id, e] : state()->entities) {
    if (passes_filter(id, e)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

size_t ScrubModel::selected_index(const std::vector<EntityId>& ids) const {
  auto it = std::lower_bound(ids.begin(), ids.end(), selected_id_);
  if (it == ids.end()) return ids.empty() ? 0 : ids.size() - 1;
  return static_cast<size_t>(it - ids.begin());
}

void ScrubModel::set_layout(size_t width, size_t table_rows, size_t detail_rows) {
  width_ = std::max<size_t>(width, 10);
  table_rows_ = std::max<size_t>(table_rows, 1);
  detail_rows_ = detail_rows;
}

void ScrubModel::cycle_focus() {
  switch (focus_) {
    case Focus::kTimeline:
      focus_ = Focus::kTable;
      break;
    case Focus::kTable:
      focus_ = detail_shown() ? Focus::kDetail : Focus::kTimeline;
      break;
    case Focus::kDetail:
      focus_ = Focus::kTimeline;
      break;
  }
}

void ScrubModel::scroll_lines(int64_t rows) {
  if (focus_ == Focus::kDetail) {
    const size_t lines = detail_body_lines();
    const size_t top = scrub::clamp_top(detail_top_, detail_body_rows(), lines);
    detail_top_ = scrub::clamp_top(scrub::moved_index(top, rows, lines), detail_body_rows(), lines);
    return;
  }
  const auto ids = table_ids();
  if (ids.empty()) return;
  const size_t index = scrub::moved_index(selected_index(ids), rows, ids.size());
  if (ids[index] != selected_id_) detail_top_ = 0;
  selected_id_ = ids[index];
  table_top_ = scrub::top_to_show(table_top_, index, table_visible(), ids.size());
}

void ScrubModel::scroll_pages(int64_t pages) {
  const size_t page = focus_ == Focus::kDetail ? detail_body_rows() : table_visible();
  scroll_lines(pages * static_cast<int64_t>(page));
}

void ScrubModel::scroll_to_first() {
  scroll_lines(std::numeric_limits<int32_t>::min());
}

void ScrubModel::scroll_to_last() {
  scroll_lines(std::numeric_limits<int32_t>::max());
}

ScrubModel::TableView ScrubModel::entity_table(size_t width) const {
  TableView view;
  if (!state()) {
    view.lines = damage_lines(width, table_rows_);
    return view;
  }
  const WorldState& st = *state();
  const auto ids = table_ids();
  const size_t visible = table_visible();
  const size_t selected = selected_index(ids);
  const size_t top = scrub::top_to_show(table_top_, selected, visible, ids.size());
  const size_t end = std::min(ids.size(), top + visible);
  view.lines.push_back(fit(
      fmt::format("{:>8}  {:<20}  PROPERTIES  rows {}-{} of {}  ({} of {} entities{})", "ID",
                  "CLASS", ids.empty() ? 0 : top + 1, end, ids.size(), ids.size(),
                  st.entities.size(), filter_.empty() ? "" : fmt::format(", filter '{}'", filter_)),
      width));
  const auto& paths = replayer_->property_paths();
  for (size_t i = top; i < end; ++i) {
    const EntityState& e = st.entities.at(ids[i]);
    std::string line =
        fmt::format("{:>8}  {:<20}", ids[i], e.class_name.empty() ? "-" : e.class_name);
    for (const auto& [pid, value] : e.properties) {
      line += fmt::format("  {}={}", pid < paths.size() ? paths[pid] : fmt::format("#{}", pid),
                          table_text(value));
      if (line.size() > width) break;
    }
    if (i == selected) view.selected = static_cast<int>(view.lines.size());
    view.lines.push_back(fit(std::move(line), width));
  }
  return view;
}

std::vector<std::string> ScrubModel::all_detail_lines() const {
  std::vector<std::string> out;
  const auto ids = table_ids();
  if (ids.empty()) return out;
  const EntityId id = ids[selected_index(ids)];
  const EntityState& e = state()->entities.at(id);
  const auto& paths = replayer_->property_paths();
  out.push_back(fit(
      fmt::format("entity {}  {}  spawned at frame {}  {} properties", id,
                  e.class_name.empty() ? "-" : e.class_name, e.spawn_frame, e.properties.size()),
      width_));
  // Continuation lines are indented past the property's name so that the values stand out.
  constexpr size_t kIndent = 4;
  for (const auto& [pid, value] : e.properties) {
    std::string text = fmt::format(
        "  {} = {}", pid < paths.size() ? paths[pid] : fmt::format("#{}", pid), to_text(value));
    auto first = wrap(text, width_);
    if (first.empty()) continue;
    out.push_back(first.front());
    // What follows the first line, wrapped at the indented width (no text is dropped).
    size_t consumed = first.front().size();
    while (consumed < text.size() && text[consumed] == ' ') ++consumed;
    for (auto& l : wrap(text.substr(consumed), width_ - kIndent)) {
      out.push_back(std::string(kIndent, ' ') + l);
    }
  }
  return out;
}

size_t ScrubModel::detail_body_lines() const {
  const size_t all = all_detail_lines().size();
  return all > 0 ? all - 1 : 0;
}

std::vector<std::string> ScrubModel::detail_lines() const {
  if (!detail_shown() || detail_rows_ == 0) return {};
  auto lines = all_detail_lines();
  if (lines.empty()) return lines;
  // The title line stays; the properties below it scroll.
  const size_t top = scrub::clamp_top(detail_top_, detail_body_rows(), lines.size() - 1);
  lines.erase(lines.begin() + 1, lines.begin() + 1 + static_cast<std::ptrdiff_t>(top));
  if (lines.size() > detail_rows_) lines.resize(detail_rows_);
  return lines;
}

}  // namespace reel::cli
