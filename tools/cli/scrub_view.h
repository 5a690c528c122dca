// Pure layout helpers of `reel scrub`: the binned timeline, the scrolling of a list in a window of
// rows, and text wrapping. No terminal, no replayer: unit-tested on their own (test_scrub_view).
//
// Timeline bins: a session of N frames drawn in W columns uses C = min(N, W) columns; column c
// holds frames [c*N/C, (c+1)*N/C) (integer division), so every frame has exactly one column and
// every column at least one frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reel::cli::scrub {

using Frame = int64_t;

struct Bins {
  Frame frames = 0;    // frames in the session (>= 0)
  size_t columns = 0;  // min(frames, width)

  Bins(Frame frame_count, size_t width);
  // The column holding `frame` (clamped into the session).
  size_t column_of(Frame frame) const;
  // The first frame of column `column`.
  Frame first_frame(size_t column) const;
};

struct Span {
  Frame first = 0, last = -1;  // inclusive; empty when last < first
};

// The marks row: '-' per column, '|' where a column holds a keyframe, 'T' where it holds a tag
// (a bookmark wins over a keyframe), 'x' over damaged spans (damage wins over everything).
std::string marks_row(const Bins& bins, const std::vector<Frame>& keyframes,
                      const std::vector<Frame>& tags, const std::vector<Span>& damaged);

// The density character of a column holding `count` events when the busiest column holds `max`:
// ' ' none, then '.', ':', '*', '#' for up to a quarter, a half, three quarters, all of `max`.
char density_char(int64_t count, int64_t max);
// The density row: one density_char per column. `events_per_frame` is (frame, events in that
// frame), ascending by frame.
std::string density_row(const Bins& bins,
                        const std::vector<std::pair<Frame, int64_t>>& events_per_frame);

// Scrolling a list of `count` rows through a window of `visible` rows.
// The index moved by `delta`, clamped to [0, count) (0 for an empty list).
size_t moved_index(size_t index, int64_t delta, size_t count);
// The first row to show so that `selected` is visible, moving `top` as little as possible, and
// never leaving empty rows below the list's end while earlier rows are hidden.
size_t top_to_show(size_t top, size_t selected, size_t visible, size_t count);
// A top row for a window that scrolls freely (no selection): clamped to [0, count - visible].
size_t clamp_top(size_t top, size_t visible, size_t count);

// Cuts `s` to at most `width` bytes without splitting a UTF-8 sequence.
std::string fit(std::string s, size_t width);
// Splits `text` into lines of at most `width` bytes, at a space in the second half of the line
// where there is one, otherwise anywhere outside a UTF-8 sequence; nothing is lost but the spaces
// at the breaks.
std::vector<std::string> wrap(const std::string& text, size_t width);

}  // namespace reel::cli::scrub
