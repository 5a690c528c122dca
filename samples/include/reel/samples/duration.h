// Session lengths as people type them: "90s", "10m", "1h", "2h30m", "1.5h".
#pragma once

#include <cstdint>
#include <string_view>

#include "reel/format/status.h"

namespace reel::samples {

// Parses one or more <number><unit> parts (unit h, m or s; each unit at most once, in that order;
// the number may have a fraction) into seconds. kInvalidArgument naming the text and the
// position of the problem for anything else, for zero, and beyond 10000 hours.
Result<double> parse_duration_seconds(std::string_view text);

// The number of frames `seconds` spans at `tick_rate` (rounded to nearest, at least 1).
int64_t frames_in(double seconds, double tick_rate);

}  // namespace reel::samples
