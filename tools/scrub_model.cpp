#include "scrub_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reel/format/variant_text.h"
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

}  // namespace

ScrubModel::ScrubModel(std::unique_ptr<Replayer> replayer) : replayer_(std::move(replayer)) {
  if (auto k = replayer_->keyframe_frames(); k.ok()) keyframes_ = std::move(k).value();
  if (auto events = replayer_->events(0, last_frame()); events.ok()) {
    for (const auto& e : *events) {
      if (event_frames_.empty() || event_frames_.back() != e.frame)
        event_frames_.push_back(e.frame);
    }
  }
  apply(replayer_->seek(0));
}

void ScrubModel::apply(Result<const WorldState*> moved) {
  if (!moved.ok()) {
    message_ = moved.status().message();
    playing_ = false;
  }
}

void ScrubModel::go_to_frame(FrameIndex target) {
  target = std::clamp<FrameIndex>(target, 0, last_frame());
  if (replayer_->current() && target == frame()) return;
  apply(replayer_->seek(target));
  restart_clock();
}

void ScrubModel::step(int64_t frames) {
  FrameIndex target = std::clamp<FrameIndex>(frame() + frames, 0, last_frame());
  int64_t distance = target - frame();
  if (std::abs(distance) > kMaxStepsBeforeSeek) return go_to_frame(target);
  for (; distance > 0; --distance) apply(replayer_->step_forward());
  for (; distance < 0; ++distance) apply(replayer_->step_back());
  restart_clock();
}

void ScrubModel::jump_seconds(double seconds) {
  double t = state().time + seconds;
  if (t <= 0) return go_to_start();
  auto target = replayer_->frame_at_time(t);
  if (!target.ok()) {
    message_ = target.status().message();
    return;
  }
  go_to_frame(*target);
}

void ScrubModel::go_to(const std::string& text) {
  auto p = parse_position(text);
  if (!p.ok()) {
    message_ = p.status().message();
    return;
  }
  if (!p->is_time) {
    if (p->frame > last_frame()) {
      message_ = fmt::format("frame {} is out of range (0..{})", p->frame, last_frame());
      return;
    }
    return go_to_frame(p->frame);
  }
  double end = replayer_->session().last_time;
  if (p->seconds > end) {
    message_ =
        fmt::format("time {} is out of range (the session ends at {})", text, format_time(end));
    return;
  }
  auto target = replayer_->frame_at_time(p->seconds);
  if (!target.ok()) {
    message_ = target.status().message();
    return;
  }
  go_to_frame(*target);
}

void ScrubModel::restart_clock() {
  clock_start_ = std::chrono::steady_clock::now();
  clock_start_time_ = replayer_->current() ? state().time : 0;
}

void ScrubModel::toggle_play() {
  playing_ = !playing_;
  if (playing_ && frame() == last_frame()) go_to_start();
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
  auto target = replayer_->frame_at_time(t);
  if (!target.ok()) return apply(target.status());
  if (*target > frame()) {
    // Keep the clock: go_to_frame/step would restart it and drift.
    auto start = clock_start_;
    double start_time = clock_start_time_;
    if (*target == frame() + 1) {
      apply(replayer_->step_forward());
    } else {
      apply(replayer_->seek(*target));
    }
    clock_start_ = start;
    clock_start_time_ = start_time;
  }
  if (frame() >= last_frame()) playing_ = false;
}

std::chrono::milliseconds ScrubModel::frame_period() const {
  double tick_rate = replayer_->session().tick_rate > 0 ? replayer_->session().tick_rate : 60;
  auto ms = static_cast<int64_t>(1000.0 / (tick_rate * rate_));
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
  const WorldState& st = state();
  double end = replayer_->session().last_time;
  std::string line = fmt::format("frame {}/{}  tick {}  time {}/{}  [{}] {}", st.frame,
                                 last_frame(), st.tick, format_time(st.time), format_time(end),
                                 playing_ ? "playing" : "paused", rate_text(rate_));
  if (!filter_.empty()) line += fmt::format("  filter '{}'", filter_);
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
  return bar;
}

std::string ScrubModel::cursor_line(size_t width) const {
  size_t col = column_of(frame(), width);
  std::string line(col, ' ');
  line += '^';
  return fit(std::move(line), width);
}

bool ScrubModel::passes_filter(EntityId id, const EntityState& e) const {
  if (filter_.empty()) return true;
  return fmt::format("{}", id).find(filter_) != std::string::npos ||
         e.class_name.find(filter_) != std::string::npos;
}

std::vector<std::string> ScrubModel::entity_lines(size_t width, size_t rows) const {
  const WorldState& st = state();
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
