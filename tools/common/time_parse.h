// Parsing and printing of the frame/time arguments shared by the inspecting subcommands
// (`--at`, `--from`, `--to`, diff's A and B, scrub's `g` prompt).
//
// Accepted forms of a position (white space around it is ignored):
//   1200          a frame number (digits only)
//   20s  2.5s     seconds
//   500ms         milliseconds
//   1:05  1:05.5  minutes:seconds (seconds < 60)
//   1:02:03.25    hours:minutes:seconds
//   1h2m  1h  2m30s  1m2.5s   unit groups h, m, s in that order, each at most once
//   end  last     the session's last committed frame
// A time resolves to a frame by frame_at_position_time (below).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reel/format/status.h"
#include "reel/replay/replayer.h"

namespace reel::cli {

struct Position {
  bool is_end = false;  // "end" / "last": the last committed frame (is_time false)
  bool is_time = false;
  int64_t frame = 0;   // when !is_time
  double seconds = 0;  // when is_time
};

// kInvalidArgument naming the text and the character offset that did not fit.
[[nodiscard]] Result<Position> parse_position(std::string_view text);

// "1:05.500" (m:ss.mmm), or "1:02:03.250" from an hour on. Negative or non-finite input prints
// as "0:00.000".
std::string format_time(double seconds);

// A session length as `record --duration` (and the benchmarks) take it, in the position forms
// above: a bare number is a frame count ("90" = 90 frames), a time is converted at `tick_rate`
// (rounded to the nearest frame): "90s", "1:30", "2h30m". kInvalidArgument for zero frames or
// more than 10000 hours.
[[nodiscard]] Result<int64_t> parse_frame_count(std::string_view text, double tick_rate);

// The end of a session: the moment its last frame stops being current, one tick after that
// frame's time (7200 frames at 60 Hz: frames at 0:00.000..1:59.983, end 2:00.000). ls and info
// print it as the session's duration. The last frame's time when the tick rate is not positive.
double session_end_time(double last_frame_time, double tick_rate);

// The frame shown at `seconds` (a time argument as typed: `text`, for the message). Times are
// compared at millisecond precision, as format_time prints them: the result is the last frame
// whose time, rounded to the millisecond, is at or before `seconds` rounded likewise. So a printed
// time names its own frame ("1:59.983" -> frame 7199 at 119.98333 s), and the session's end time
// names the last frame. kOutOfRange past the end: "time 2:01 is out of range: session 'm' ends
// at 2:00.000 (its last frame, 7199, is at 1:59.983)". REQUIRES: the session holds a frame.
[[nodiscard]] Result<FrameIndex> frame_at_position_time(Replayer& replayer, double seconds,
                                                        std::string_view text);

}  // namespace reel::cli
