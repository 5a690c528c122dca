// `reel scrub`'s pure layout helpers: the binned timeline, scrolling, wrapping.
#include <catch2/catch.hpp>

#include "scrub_view.h"

namespace reel::cli::scrub {
namespace {

TEST_CASE("scrub bins give every frame one column and every column a frame", "[scrub][view]") {
  for (Frame frames : {1, 7, 119, 120, 121, 300, 7200}) {
    for (size_t width : {1, 10, 80, 120}) {
      Bins bins(frames, width);
      INFO(frames << " frames in " << width << " columns");
      REQUIRE(bins.columns == std::min<size_t>(static_cast<size_t>(frames), width));
      REQUIRE(bins.column_of(0) == 0);
      REQUIRE(bins.column_of(frames - 1) == bins.columns - 1);
      size_t previous = 0;
      for (Frame f = 0; f < frames; ++f) {
        const size_t c = bins.column_of(f);
        REQUIRE(bins.first_frame(c) <= f);
        if (c + 1 < bins.columns) REQUIRE(f < bins.first_frame(c + 1));
        REQUIRE(c - previous <= 1);  // no column is skipped
        previous = c;
      }
    }
  }
}

TEST_CASE("scrub bins: a session shorter than the screen gets one column a frame",
          "[scrub][view]") {
  Bins bins(5, 120);
  REQUIRE(bins.columns == 5);
  for (Frame f = 0; f < 5; ++f) REQUIRE(bins.column_of(f) == static_cast<size_t>(f));
  REQUIRE(Bins(0, 120).columns == 0);
  REQUIRE(marks_row(Bins(0, 120), {}, {}, {}).empty());
}

TEST_CASE("scrub density: event counts per bin scale against the busiest bin", "[scrub][view]") {
  REQUIRE(density_char(0, 8) == ' ');
  REQUIRE(density_char(1, 8) == '.');
  REQUIRE(density_char(2, 8) == '.');
  REQUIRE(density_char(3, 8) == ':');
  REQUIRE(density_char(4, 8) == ':');
  REQUIRE(density_char(6, 8) == '*');
  REQUIRE(density_char(7, 8) == '#');
  REQUIRE(density_char(8, 8) == '#');
  REQUIRE(density_char(1, 1) == '#');
  // 100 frames in 10 columns: 10 events in every frame of column 0, one in frame 95.
  std::vector<std::pair<Frame, int64_t>> events;
  for (Frame f = 0; f < 10; ++f) events.emplace_back(f, 10);
  events.emplace_back(95, 1);
  REQUIRE(density_row(Bins(100, 10), events) == "#        .");
}

TEST_CASE("scrub marks: keyframes stay visible however dense the events, tags win over them",
          "[scrub][view]") {
  // 7,200 frames in 120 columns (60 frames a column), a keyframe every 600 frames, an event in
  // every frame (the density row is all '#': the marks row is not affected).
  std::vector<Frame> keyframes;
  for (Frame k = 0; k < 7200; k += 600) keyframes.push_back(k);
  std::vector<std::pair<Frame, int64_t>> events;
  for (Frame f = 0; f < 7200; ++f) events.emplace_back(f, 1);
  Bins bins(7200, 120);
  const std::string marks = marks_row(bins, keyframes, {1800}, {{3000, 3100}});
  REQUIRE(marks.size() == 120);
  REQUIRE(density_row(bins, events) == std::string(120, '#'));
  for (size_t c = 0; c < 120; ++c) {
    INFO("column " << c);
    const char expected = c == 30 ? 'T' : (c == 50 || c == 51) ? 'x' : c % 10 == 0 ? '|' : '-';
    REQUIRE(marks[c] == expected);
  }
}

TEST_CASE("scrub scrolling keeps the selection in the window and clamps at the ends",
          "[scrub][view]") {
  REQUIRE(moved_index(0, -1, 10) == 0);
  REQUIRE(moved_index(3, 4, 10) == 7);
  REQUIRE(moved_index(8, 5, 10) == 9);
  REQUIRE(moved_index(0, 5, 0) == 0);
  // 100 rows through a 10-row window.
  REQUIRE(top_to_show(0, 5, 10, 100) == 0);   // visible: no move
  REQUIRE(top_to_show(0, 10, 10, 100) == 1);  // one past the bottom: one row down
  REQUIRE(top_to_show(0, 57, 10, 100) == 48);
  REQUIRE(top_to_show(48, 40, 10, 100) == 40);  // above the top: it becomes the top
  REQUIRE(top_to_show(95, 99, 10, 100) == 90);  // never empty rows below the end
  REQUIRE(top_to_show(30, 2, 10, 5) == 0);      // all rows fit
  for (size_t top = 0; top < 100; top += 7) {
    for (size_t sel = 0; sel < 100; sel += 3) {
      const size_t t = top_to_show(top, sel, 10, 100);
      REQUIRE(t <= sel);
      REQUIRE(sel < t + 10);
      REQUIRE(t <= 90);
    }
  }
  REQUIRE(clamp_top(50, 10, 20) == 10);
  REQUIRE(clamp_top(5, 10, 3) == 0);
}

TEST_CASE("scrub wrap breaks at spaces, hard-breaks long words and drops nothing",
          "[scrub][view]") {
  REQUIRE(wrap("alpha beta gamma", 11) == std::vector<std::string>{"alpha beta", "gamma"});
  REQUIRE(wrap("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
  // A space early in the line does not waste it: the long word is broken instead.
  REQUIRE(wrap("a = bbbbbbbbbbbb", 8) == std::vector<std::string>{"a = bbbb", "bbbbbbbb"});
  REQUIRE(wrap("", 10).empty());
  // "é" is two bytes: a hard break never splits it.
  const auto lines = wrap("aééé", 2);
  REQUIRE(lines == std::vector<std::string>{"a", "é", "é", "é"});
  std::string text;
  for (int i = 0; i < 40; ++i) text += "\"item-" + std::to_string(i) + "\", ";
  std::string joined;
  for (const auto& l : wrap(text, 17)) {
    REQUIRE(l.size() <= 17);
    joined += l;
  }
  std::string without_spaces;
  for (char c : text) {
    if (c != ' ') without_spaces += c;
  }
  std::string joined_without_spaces;
  for (char c : joined) {
    if (c != ' ') joined_without_spaces += c;
  }
  REQUIRE(joined_without_spaces == without_spaces);
  REQUIRE(fit("aé", 2) == "a");
}

}  // namespace
}  // namespace reel::cli::scrub
