#include "scrub_view.h"

#include <algorithm>

namespace reel::cli::scrub {

Bins::Bins(Frame frame_count, size_t width)
    : frames(std::max<Frame>(frame_count, 0)),
      columns(static_cast<size_t>(std::min<Frame>(frames, static_cast<Frame>(width)))) {}

size_t Bins::column_of(Frame frame) const {
  if (columns == 0) return 0;
  const Frame f = std::clamp<Frame>(frame, 0, frames - 1);
  // Column c starts at floor(c*N/C): the column of f is the largest c with c*N/C <= f.
  size_t c = static_cast<size_t>((f * static_cast<Frame>(columns)) / frames);
  while (c + 1 < columns && first_frame(c + 1) <= f) ++c;
  while (c > 0 && first_frame(c) > f) --c;
  return c;
}

Frame Bins::first_frame(size_t column) const {
  if (columns == 0) return 0;
  return static_cast<Frame>(column) * frames / static_cast<Frame>(columns);
}

std::string marks_row(const Bins& bins, const std::vector<Frame>& keyframes,
                      const std::vector<Frame>& tags, const std::vector<Span>& damaged) {
  std::string row(bins.columns, '-');
  if (row.empty()) return row;
  for (Frame k : keyframes) row[bins.column_of(k)] = '|';
  for (Frame t : tags) row[bins.column_of(t)] = 'T';
  for (const Span& s : damaged) {
    if (s.last < s.first) continue;
    for (size_t c = bins.column_of(s.first); c <= bins.column_of(s.last); ++c) row[c] = 'x';
  }
  return row;
}

char density_char(int64_t count, int64_t max) {
  if (count <= 0 || max <= 0) return ' ';
  constexpr char kLevels[] = {'.', ':', '*', '#'};
  // Level q (0..3): count in (q/4 * max, (q+1)/4 * max].
  const int64_t q = std::clamp<int64_t>((count * 4 - 1) / max, 0, 3);
  return kLevels[q];
}

std::string density_row(const Bins& bins,
                        const std::vector<std::pair<Frame, int64_t>>& events_per_frame) {
  std::vector<int64_t> counts(bins.columns, 0);
  if (counts.empty()) return {};
  for (const auto& [frame, n] : events_per_frame) counts[bins.column_of(frame)] += n;
  const int64_t max = *std::max_element(counts.begin(), counts.end());
  std::string row(bins.columns, ' ');
  for (size_t c = 0; c < counts.size(); ++c) row[c] = density_char(counts[c], max);
  return row;
}

size_t moved_index(size_t index, int64_t delta, size_t count) {
  if (count == 0) return 0;
  const int64_t moved = static_cast<int64_t>(index) + delta;
  return static_cast<size_t>(std::clamp<int64_t>(moved, 0, static_cast<int64_t>(count) - 1));
}

size_t clamp_top(size_t top, size_t visible, size_t count) {
  const size_t last_top = count > visible ? count - visible : 0;
  return std::min(top, last_top);
}

size_t top_to_show(size_t top, size_t selected, size_t visible, size_t count) {
  if (visible == 0) return selected;
  if (selected < top) top = selected;
  if (selected >= top + visible) top = selected + 1 - visible;
  return clamp_top(top, visible, count);
}

std::string fit(std::string s, size_t width) {
  if (s.size() <= width) return s;
  size_t cut = width;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size() && width > 0) {
    size_t len = std::min(width, text.size() - pos);
    if (pos + len < text.size()) {
      size_t space = text.rfind(' ', pos + len);
      // A space in the line's first half would leave most of it empty: break the word instead.
      if (space != std::string::npos && space > pos && (space - pos) * 2 >= width) {
        len = space - pos;
      } else {  // a hard break, outside a UTF-8 sequence
        while (len > 1 && (static_cast<unsigned char>(text[pos + len]) & 0xC0) == 0x80) --len;
      }
    }
    out.push_back(text.substr(pos, len));
    pos += len;
    while (pos < text.size() && text[pos] == ' ') ++pos;
  }
  return out;
}

}  // namespace reel::cli::scrub
