#include "scrub_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

constexpr int64_t kMaxStepsBeforeSeek = 16;  // beyond this a seek is cheaper than stepping
constexpr double kMaxRate = 64, kMinRate = 1.0 / 64;

// Cuts `s` to at most `width` bytes without splitting a UTF-8 sequence.
std::string fit(std::string s, size_t width) {
  if (s.size() <= width) return s;
  size_t cut = width;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

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

// Splits `text` into lines of at most `width` bytes, at spaces where it can.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size() && width > 0) {
    size_t len = std::min(width, text.size() - pos);
    if (pos + len < text.size()) {
      size_t space = text.rfind(' ', pos + len);
      if (space != std::string::npos && space > pos) len = space - pos;
    }
    out.push_back(fit(text.substr(pos, len), width));
    pos += std::max<size_t>(out.back().size(), 1);
    while (pos < text.size() && text[pos] == ' ') ++pos;
  }
  return out;
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

ScrubModel::ScrubModel(std::unique_ptr<Replayer> replayer) : replayer_(std::move(replayer)) {
  if (auto k = replayer_->keyframe_frames(); k.ok()) keyframes_ = std::move(k).value();
  if (auto events = replayer_->events(0, last_frame()); events.ok()) {
    for (const auto& e : *events) {
      if (event_frames_.empty() || event_frames_.back() != e.frame)
        event_frames_.push_back(e.frame);
    }
  }
  land(0, replayer_->seek(0));
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
  seek_to(std::clamp<FrameIndex>(target, 0, last_frame()));
  restart_clock();
}

void ScrubModel::step(int64_t frames) {
  FrameIndex target = std::clamp<FrameIndex>(frame_ + frames, 0, last_frame());
  int64_t distance = target - frame_;
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
  return fit(
      fmt::format("reel scrub  session '{}' (id {})  frames 0..{}  {:g} ticks/s  "
                  "{} keyframes  {} frames with events",
                  s.name, s.id, last_frame(), s.tick_rate, keyframes_.size(), event_frames_.size()),
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
  if (!filter_.empty()) line += fmt::format("  filter '{}'", filter_);
  if (!damage_.empty()) {
    line +=
        fmt::format("  | DAMAGED frames {}..{}: {}", span_.first, span_.last, error_of(damage_));
  }
  if (!message_.empty()) line += "  | " + message_;
  return fit(std::move(line), width);
}

size_t ScrubModel::column_of(FrameIndex f, size_t width) const {
  if (width <= 1 || last_frame() <= 0) return 0;
  return static_cast<size_t>(static_cast<double>(f) * static_cast<double>(width - 1) /
                             static_cast<double>(last_frame()));
}

std::string ScrubModel::timeline_line(size_t width) const {
  std::string bar(width, '-');
  if (width == 0) return bar;
  for (FrameIndex k : keyframes_) bar[column_of(k, width)] = '|';
  for (FrameIndex e : event_frames_) bar[column_of(e, width)] = '*';
  for (const auto& span : damaged_spans_) {
    for (size_t c = column_of(span.first, width); c <= column_of(span.last, width); ++c)
      bar[c] = 'x';
  }
  return bar;
}

std::string ScrubModel::cursor_line(size_t width) const {
  size_t col = column_of(frame_, width);
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

std::vector<std::string> ScrubModel::entity_lines(size_t width, size_t rows) const {
  if (!state()) return damage_lines(width, rows);
  const WorldState& st = *state();
  std::vector<EntityId> ids;
  for (const auto& [id, e] : st.entities) {
    if (passes_filter(id, e)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> out;
  out.push_back(fit(
      fmt::format("{:>8}  {:<20}  PROPERTIES  ({} of {} entities{})", "ID", "CLASS", ids.size(),
                  st.entities.size(), filter_.empty() ? "" : fmt::format(", filter '{}'", filter_)),
      width));
  const auto& paths = replayer_->property_paths();
  for (size_t i = 0; i < ids.size() && out.size() < rows; ++i) {
    const EntityState& e = st.entities.at(ids[i]);
    std::string line =
        fmt::format("{:>8}  {:<20}", ids[i], e.class_name.empty() ? "-" : e.class_name);
    for (const auto& [pid, value] : e.properties) {
      line += fmt::format("  {}={}", pid < paths.size() ? paths[pid] : fmt::format("#{}", pid),
                          table_text(value));
      if (line.size() > width) break;
    }
    out.push_back(fit(std::move(line), width));
  }
  if (ids.size() + 1 > rows && rows > 0) {
    out.back() = fit(fmt::format("{:>8}  ... {} more", "", ids.size() + 2 - rows), width);
  }
  return out;
}

}  // namespace reel::cli
