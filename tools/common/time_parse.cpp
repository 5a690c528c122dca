#include "time_parse.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace reel::cli {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads a non-negative decimal ("12", "12.5") at `pos`; advances `pos`. False when none is there.
bool read_number(std::string_view s, size_t& pos, double& out) {
  size_t start = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
  }
  if (pos == start || (pos == start + 1 && s[start] == '.')) {
    pos = start;
    return false;
  }
  auto [end, ec] = std::from_chars(s.data() + start, s.data() + pos, out);
  return ec == std::errc() && end == s.data() + pos;
}

Status bad(std::string_view text, size_t offset, std::string_view why) {
  return Status::invalid_argument(
      "'{}' is not a frame or time ({} at character {}); use a frame number (1200), a time "
      "(20s, 1:05, 1:05.5, 1h2m) or end",
      text, why, offset);
}

// "1:05", "1:05.5", "1:02:03.25"
Result<double> parse_clock(std::string_view text) {
  double parts[3] = {0, 0, 0};
  int count = 0;
  size_t pos = 0;
  while (true) {
    if (count == 3) return bad(text, pos, "too many ':' groups");
    size_t start = pos;
    if (!read_number(text, pos, parts[count])) return bad(text, pos, "expected a number");
    bool fractional = text.substr(start, pos - start).find('.') != std::string_view::npos;
    ++count;
    if (pos == text.size()) break;
    if (text[pos] != ':') return bad(text, pos, "unexpected character");
    if (fractional) return bad(text, pos, "only the seconds may have a fraction");
    ++pos;
  }
  if (count < 2) return bad(text, 0, "expected m:ss");
  // Every group after the first is below 60 (seconds, minutes).
  for (int i = 1; i < count; ++i) {
    if (parts[i] >= 60) return bad(text, 0, "minutes and seconds must be below 60");
  }
  return count == 2 ? parts[0] * 60 + parts[1] : parts[0] * 3600 + parts[1] * 60 + parts[2];
}

// "20s", "500ms", "1h2m", "2m30.5s"
Result<double> parse_units(std::string_view text) {
  static constexpr struct {
    std::string_view suffix;
    double scale;
    double limit_after_larger;
    std::string_view plural;
  } kUnits[] = {{"h", 3600, 0, "hours"},
                {"ms", 0.001, 1000, "milliseconds"},
                {"m", 60, 60, "minutes"},
                {"s", 1, 60, "seconds"}};
  double total = 0;
  size_t pos = 0;
  int last_unit = -1;  // index into kUnits of the previous group: units must descend
  while (pos < text.size()) {
    double value = 0;
    if (!read_number(text, pos, value)) return bad(text, pos, "expected a number");
    int unit = -1;
    for (int i = 0; i < 4; ++i) {
      if (text.substr(pos).starts_with(kUnits[i].suffix)) {
        unit = i;
        break;
      }
    }
    if (unit < 0) return bad(text, pos, "expected a unit h, m, s or ms");
    // Order of magnitude h > m > s > ms; "ms" sits at index 1 only to match before "m".
    static constexpr int kRank[] = {0, 3, 1, 2};
    if (last_unit >= 0 && kRank[unit] <= kRank[last_unit]) {
      return bad(text, pos, "units must go from hours down to seconds, each once");
    }
    // A group below a larger one stays below that larger unit, as in m:ss ("1h61m" is refused
    // like "1:61:00"); the first group may be any size ("90s", "90m").
    if (last_unit >= 0 && value >= kUnits[unit].limit_after_larger) {
      return bad(text, pos,
                 fmt::format("{} must be below {} after a larger unit", kUnits[unit].plural,
                             kUnits[unit].limit_after_larger));
    }
    total += value * kUnits[unit].scale;
    pos += kUnits[unit].suffix.size();
    last_unit = unit;
  }
  return total;
}

}  // namespace

Result<Position> parse_position(std::string_view raw) {
  std::string_view text = trim(raw);
  if (text.empty()) return bad(raw, 0, "empty");
  if (text.front() == '-') return bad(text, 0, "negative: frames and times start at 0");
  Position p;
  if (text == "end" || text == "last") {
    p.is_end = true;
    return p;
  }
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && is_digit(c);
  if (all_digits) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p.frame);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return bad(text, 0, "frame number too large");
    }
    return p;
  }
  p.is_time = true;
  Result<double> seconds =
      text.find(':') != std::string_view::npos ? parse_clock(text) : parse_units(text);
  if (!seconds.ok()) return seconds.status();
  if (!std::isfinite(*seconds)) return bad(text, 0, "not a finite time");
  p.seconds = *seconds;
  return p;
}

std::string format_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  auto total_ms = static_cast<int64_t>(std::llround(seconds * 1000));
  int64_t ms = total_ms % 1000, total_s = total_ms / 1000;
  int64_t s = total_s % 60, total_m = total_s / 60;
  if (total_m < 60) return fmt::format("{}:{:02}.{:03}", total_m, s, ms);
  return fmt::format("{}:{:02}:{:02}.{:03}", total_m / 60, total_m % 60, s, ms);
}

Result<int64_t> parse_frame_count(std::string_view text, double tick_rate) {
  constexpr double kMaxSeconds = 10000.0 * 3600;
  Result<Position> p = parse_position(text);
  if (!p.ok()) return p.status();
  if (p->is_time && p->seconds > kMaxSeconds) {
    return Status::invalid_argument("'{}' is longer than 10000h", text);
  }
  const int64_t frames = p->is_time ? std::llround(p->seconds * tick_rate) : p->frame;
  if (frames < 1) {
    return Status::invalid_argument("'{}' is {} frames at {} Hz; a session needs at least one",
                                    text, frames, tick_rate);
  }
  if (!p->is_time && tick_rate > 0 && static_cast<double>(frames) / tick_rate > kMaxSeconds) {
    return Status::invalid_argument("'{}' frames is longer than 10000h at {} Hz", text, tick_rate);
  }
  return frames;
}

double session_end_time(double last_frame_time, double tick_rate) {
  return last_frame_time + (tick_rate > 0 ? 1.0 / tick_rate : 0.0);
}

namespace {

int64_t milliseconds(double seconds) {
  return std::llround(seconds * 1000);
}

}  // namespace

Result<FrameIndex> frame_at_position_time(Replayer& replayer, double seconds,
                                          std::string_view text) {
  const FrameIndex last = replayer.frame_count() - 1;
  Result<double> last_time = replayer.time_of(last);
  if (!last_time.ok()) return last_time.status();
  const double end = session_end_time(*last_time, replayer.session().tick_rate);
  const int64_t ms = milliseconds(seconds);
  if (ms > milliseconds(end)) {
    return Status::out_of_range(
        "time {} is out of range: session '{}' ends at {} (its last frame, {}, is at {})", text,
        replayer.session().name, format_time(end), last, format_time(*last_time));
  }
  // frame_at_time finds the last frame at or before the end of millisecond `ms`; a frame that
  // rounds up into the next millisecond is stepped back over.
  Result<FrameIndex> frame = replayer.frame_at_time((static_cast<double>(ms) + 0.5) / 1000);
  if (!frame.ok()) return frame.status();
  FrameIndex f = *frame;
  while (f > 0) {
    Result<double> t = replayer.time_of(f);
    if (!t.ok()) return t.status();
    if (milliseconds(*t) <= ms) break;
    --f;
  }
  return f;
}

}  // namespace reel::cli
