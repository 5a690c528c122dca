#include "reel/samples/duration.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace reel::samples {

Result<double> parse_duration_seconds(std::string_view text) {
  constexpr std::string_view kUnits = "hms";
  constexpr double kUnitSeconds[] = {3600, 60, 1};
  constexpr double kMaxSeconds = 10000.0 * 3600;
  if (text.empty())
    return Status::invalid_argument("empty duration (expected e.g. 90s, 10m, 2h30m)");
  double total = 0;
  size_t pos = 0, next_unit = 0;  // units must appear in the order h, m, s
  while (pos < text.size()) {
    const size_t start = pos;
    bool seen_dot = false, seen_digit = false;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) ||
                                 (text[pos] == '.' && !seen_dot))) {
      seen_dot |= text[pos] == '.';
      seen_digit |= text[pos] != '.';
      ++pos;
    }
    if (!seen_digit) {
      return Status::invalid_argument("duration '{}': expected a number at position {}", text,
                                      start);
    }
    if (pos == text.size()) {
      return Status::invalid_argument("duration '{}': missing unit (h, m or s) after '{}'", text,
                                      text.substr(start));
    }
    const size_t unit = kUnits.find(text[pos]);
    if (unit == std::string_view::npos || unit < next_unit) {
      return Status::invalid_argument(
          "duration '{}': unexpected '{}' at position {} (units are h, m, s, in that order)", text,
          text[pos], pos);
    }
    total += std::stod(std::string(text.substr(start, pos - start))) * kUnitSeconds[unit];
    next_unit = unit + 1;
    ++pos;
  }
  if (!(total > 0)) return Status::invalid_argument("duration '{}' is zero", text);
  if (total > kMaxSeconds) {
    return Status::invalid_argument("duration '{}' is longer than 10000h", text);
  }
  return total;
}

int64_t frames_in(double seconds, double tick_rate) {
  return std::max<int64_t>(1, std::llround(seconds * tick_rate));
}

}  // namespace reel::samples
