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
// A time resolves to the last frame whose time is <= it (Replayer::frame_at_time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reel/format/status.h"

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

}  // namespace reel::cli
