// `reel scrub` for real: the binary runs inside a detached tmux server (its own socket, a
// 120x40 pane); keys go in with send-keys and the screen comes back with capture-pane.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "cli_session_fixture.h"
#include "reel/replay/replayer.h"

namespace reel {
namespace {

using testing::run_command;
using testing::TempDir;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One tmux server on a private socket, killed on destruction.
class TmuxServer {
 public:
  TmuxServer() {
    std::random_device rd;
    socket_ = "reel-scrub-test-" + std::to_string(getpid()) + "-" + std::to_string(rd());
  }
  ~TmuxServer() { run_command(tmux("kill-server") + " 2>/dev/null"); }
  TmuxServer(const TmuxServer&) = delete;
  TmuxServer& operator=(const TmuxServer&) = delete;

  std::string tmux(const std::string& args) const {
    return "tmux -L " + socket_ + " -f /dev/null " + args;
  }
  void start(const std::string& command) const {
    auto r = run_command(tmux("new-session -d -x 120 -y 40 " + shell_quote(command)));
    REQUIRE(r.exit_code == 0);
  }
  void keys(const std::string& keys) const {
    REQUIRE(run_command(tmux("send-keys -t 0 " + keys)).exit_code == 0);
  }
  void literal(const std::string& text) const {
    REQUIRE(run_command(tmux("send-keys -t 0 -l " + shell_quote(text))).exit_code == 0);
  }
  std::string screen() const { return run_command(tmux("capture-pane -p -t 0")).out; }
  // A tmux format of the pane, e.g. "#{alternate_on}" (1 while the program draws on the
  // alternate screen).
  std::string pane_format(const std::string& format) const {
    return run_command(tmux("display-message -p -t 0 " + shell_quote(format))).out;
  }
  bool alive() const { return run_command(tmux("has-session -t 0 2>/dev/null")).exit_code == 0; }

  // Polls the screen until it contains `needle` (10 s at most), then returns it once settled.
  std::string wait_for(const std::string& needle) const {
    std::string s;
    for (int i = 0; i < 200; ++i) {
      s = screen();
      if (s.find(needle) != std::string::npos) return settled(std::move(s), needle);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO("screen:\n" << s);
    FAIL("the scrubber never showed: " << needle);
    return s;
  }

 private:
  // A capture can land in the middle of a redraw (ncurses writes a screen in several pieces):
  // the status line new, the entity table still the old one. Captures `s` again until two in a
  // row agree (1 s at most: a playing scrubber never settles, and is returned as last seen).
  std::string settled(std::string s, const std::string& needle) const {
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::string again = screen();
      if (again == s || again.find(needle) == std::string::npos) break;
      s = std::move(again);
    }
    return s;
  }

  std::string socket_;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Row `row` (0-based) of a captured screen.
std::string screen_row(const std::string& screen, size_t row) {
  std::istringstream in(screen);
  std::string line;
  for (size_t i = 0; std::getline(in, line); ++i) {
    if (i == row) return line;
  }
  return {};
}

// The "frame X/Y" of the status line: {X, Y}, or {-1, -1} when absent.
std::pair<int64_t, int64_t> cursor_and_last(const std::string& screen) {
  std::smatch m;
  static const std::regex kFrame("frame ([0-9]+)/([0-9]+)");
  if (!std::regex_search(screen, m, kFrame)) return {-1, -1};
  return {std::stoll(m[1]), std::stoll(m[2])};
}

TEST_CASE("reel scrub steps, jumps, seeks, filters and quits in a terminal", "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);  // tmux is required
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  TmuxServer tmux;
  tmux.start(std::string(REEL_BINARY) + " scrub " + db);

  std::string s = tmux.wait_for("frame 0/299");
  CHECK(contains(s, "session 'match-1' (id 1)  frames 0..299"));
  CHECK(contains(s, "(2 of 2 entities)"));
  CHECK(contains(s, "       1  Player                position=Vector3(0, 1, 0)  health=100"));
  CHECK(contains(s, "       2  Enemy "));
  CHECK(contains(s, "time 0:00.000/0:05.000  [paused] 1x"));

  SECTION("arrow keys step one frame; a burst of keys lands on the sum") {
    tmux.keys("Right");
    s = tmux.wait_for("frame 1/299");
    CHECK(contains(s, "position=Vector3(0.5, 1, -1)"));
    tmux.keys("Right Right Right Left");
    tmux.wait_for("frame 3/299");
    tmux.keys("-N 50 Right");
    s = tmux.wait_for("frame 53/299");
    CHECK(contains(s, "position=Vector3(26.5, 1, -53)"));
    tmux.keys("-N 60 Left");
    tmux.wait_for("frame 0/299");
  }
  SECTION("End, Home, shift-arrows and PgUp/PgDn jump") {
    tmux.keys("End");
    s = tmux.wait_for("frame 299/299");
    CHECK(contains(s, "(2 of 2 entities)"));
    CHECK(contains(s, "       3  Pickup                kind=\"coin\""));
    CHECK(!contains(s, "Enemy"));
    tmux.keys("Home");
    tmux.wait_for("frame 0/299");
    tmux.keys("S-Right");
    tmux.wait_for("frame 60/299");
    tmux.keys("PageDown");
    tmux.wait_for("frame 299/299");
    tmux.keys("PageUp");
    tmux.wait_for("frame 0/299");
  }
  SECTION("g goes to a typed time or frame; bad input is reported, not fatal") {
    tmux.keys("g");
    tmux.wait_for("go to (frame or time");
    tmux.literal("2s");
    tmux.keys("Enter");
    s = tmux.wait_for("frame 120/299");
    CHECK(contains(s, "time 0:02.000/0:05.000"));
    CHECK(contains(s, "(3 of 3 entities)"));
    CHECK(contains(s, "position=Vector3(60, 1, -120)  health=98"));
    tmux.keys("g");
    tmux.literal("soon");
    tmux.keys("Enter");
    s = tmux.wait_for("'soon' is not a frame or time");
    CHECK(contains(s, "frame 120/299"));
    tmux.keys("g");
    tmux.literal("1:00");
    tmux.keys("Enter");
    s = tmux.wait_for("out of range");
    CHECK(contains(s, "frame 120/299"));
  }
  SECTION("/ filters the entity table by id or class substring") {
    tmux.keys("g");
    tmux.literal("120");
    tmux.keys("Enter");
    tmux.wait_for("frame 120/299");
    tmux.keys("/");
    tmux.wait_for("filter entities");
    tmux.literal("Pick");
    tmux.keys("Enter");
    s = tmux.wait_for("(1 of 3 entities, filter 'Pick')");
    CHECK(contains(s, "       3  Pickup"));
    CHECK(!contains(s, "Player "));
    tmux.keys("/");
    tmux.literal("2");
    tmux.keys("Enter");
    s = tmux.wait_for("(1 of 3 entities, filter '2')");
    CHECK(contains(s, "       2  Enemy"));
    tmux.keys("/ Enter");
    tmux.wait_for("(3 of 3 entities)");
  }
  SECTION("space plays at real time and pauses") {
    tmux.keys("+");
    tmux.wait_for("[paused] 2x");
    tmux.keys("Space");
    tmux.wait_for("[playing] 2x");
    s = tmux.wait_for("frame 299/299");  // 5 s of session at 2x
    CHECK(contains(s, "[paused]"));      // stops at the end
  }

  tmux.keys("q");
  for (int i = 0; i < 100 && tmux.alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(!tmux.alive());  // q ended the program, and with it the only tmux session
}

TEST_CASE("reel scrub's id filter is exact, its class filter a substring", "[cli][scrub]") {
  TempDir dir;
  const std::string db = dir.file("ids.reel");
  {
    auto rec = Recorder::open(db, {.name = "ids", .tick_rate = 60});
    REQUIRE_OK(rec);
    (*rec)->begin_frame(0, 0.0);
    for (EntityId id : {4, 45, 145, 450}) (*rec)->spawn(id, id == 450 ? "Barrel" : "Crate");
    REQUIRE_STATUS_OK((*rec)->end_frame());
    REQUIRE_STATUS_OK((*rec)->close());
  }
  TmuxServer tmux;
  tmux.start(std::string(REEL_BINARY) + " scrub " + db);
  tmux.wait_for("(4 of 4 entities)");
  tmux.keys("/");
  tmux.literal("45");
  tmux.keys("Enter");
  std::string s = tmux.wait_for("(1 of 4 entities, filter '45')");
  CHECK(contains(s, "      45  Crate"));
  CHECK(!contains(s, "     145  Crate"));
  tmux.keys("/");
  tmux.literal("rat");
  tmux.keys("Enter");
  s = tmux.wait_for("(3 of 4 entities, filter 'rat')");
  CHECK(!contains(s, "Barrel"));
  tmux.keys("q");
}

TEST_CASE("reel scrub keeps keyframe marks and tags visible over dense events", "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string db = dir.file("dense.reel");
  {
    // 1,200 frames, an event in every frame, a keyframe every 120 frames: 120 columns of 10
    // frames, every column dense, keyframes in every 12th column.
    RecorderOptions options;
    options.codec.keyframe_interval = 120;
    auto rec = Recorder::open(db, {.name = "dense", .tick_rate = 60}, options);
    REQUIRE_OK(rec);
    for (int i = 0; i < 1200; ++i) {
      (*rec)->begin_frame(i, i / 60.0);
      if (i == 0) (*rec)->spawn(1, "Player");
      (*rec)->set(1, "health", int64_t{i});
      (*rec)->event("hit", Array{}, 1);
      REQUIRE_STATUS_OK((*rec)->end_frame());
    }
    REQUIRE_STATUS_OK((*rec)->close());
  }
  REQUIRE(testing::run_reel(dir, "tag " + db + " dense --at 605 boss").exit_code == 0);
  TmuxServer tmux;
  tmux.start(std::string(REEL_BINARY) + " scrub " + db);
  std::string s = tmux.wait_for("frame 0/1199");
  CHECK(contains(s, "1200 frames with events  1 tag"));
  const std::string marks = screen_row(s, 2), density = screen_row(s, 3);
  INFO("screen:\n" << s);
  REQUIRE(marks.size() == 120);
  for (size_t c = 0; c < 120; ++c) {
    INFO("column " << c);
    CHECK(marks[c] == (c == 60 ? 'T' : c % 12 == 0 ? '|' : '-'));
  }
  CHECK(density == std::string(120, '#'));
  CHECK(screen_row(s, 4) == "^");
  tmux.keys("t");
  s = tmux.wait_for("frame 605/1199");
  CHECK(contains(s, "tag 'boss'"));
  CHECK(screen_row(s, 4) == std::string(60, ' ') + "^");
  tmux.keys("t");
  s = tmux.wait_for("no tag after frame 605");
  tmux.keys("T");
  s = tmux.wait_for("no tag before frame 605");
  tmux.keys("q");
}

TEST_CASE(
    "reel scrub's table scrolls to any entity and its detail pane shows every property "
    "in full",
    "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string db = dir.file("crowd.reel");
  Array inventory;
  for (int i = 0; i < 40; ++i) inventory.items.push_back(fmt::format("item-{:02}", i));
  const std::string animation = "walk_cycle_" + std::string(150, 'a') + "_end";
  {
    auto rec = Recorder::open(db, {.name = "crowd", .tick_rate = 60});
    REQUIRE_OK(rec);
    (*rec)->begin_frame(0, 0.0);
    for (EntityId id = 1; id <= 100; ++id) {
      (*rec)->spawn(id, "Crate");
      (*rec)->set(id, "health", int64_t{id});
      (*rec)->set(id, "inventory", inventory);
      (*rec)->set(id, "animation", std::string(animation));
    }
    REQUIRE_STATUS_OK((*rec)->end_frame());
    REQUIRE_STATUS_OK((*rec)->close());
  }
  TmuxServer tmux;
  tmux.start(std::string(REEL_BINARY) + " scrub " + db);
  // 120x40: rows 5..38 are shared, 17 for the table (a title and 16 entities), 17 for the
  // detail pane (a title and 16 lines).
  std::string s = tmux.wait_for("rows 1-16 of 100  (100 of 100 entities)");
  CHECK(contains(s, "entity 1  Crate  spawned at frame 0  3 properties"));
  tmux.keys("Tab");
  tmux.wait_for("TABLE  Up/Down j/k select");
  tmux.keys("PageDown PageDown");
  s = tmux.wait_for("rows 18-33 of 100");
  CHECK(contains(s, "entity 33  Crate"));
  tmux.keys("-N 44 j");
  s = tmux.wait_for("entity 77  Crate");
  CHECK(contains(s, "rows 62-77 of 100"));
  CHECK(contains(s, "      77  Crate"));
  CHECK(!contains(s, "      61  Crate"));
  INFO("screen:\n" << s);
  // Every item of the inventory and the whole animation name, wrapped in the detail pane.
  for (int i = 0; i < 40; ++i) CHECK(contains(s, fmt::format("\"item-{:02}\"", i)));
  CHECK(contains(s, "animation = \"walk_cycle_a"));
  std::string joined;
  for (size_t row = 22; row < 39; ++row) {
    std::string line = screen_row(s, row);
    line.erase(0, line.find_first_not_of(' '));
    joined += line;
  }
  CHECK(contains(joined, animation));
  tmux.keys("k");
  tmux.wait_for("entity 76  Crate");
  tmux.keys("End");
  s = tmux.wait_for("rows 85-100 of 100");
  CHECK(contains(s, "entity 100  Crate"));
  tmux.keys("Home");
  tmux.wait_for("rows 1-16 of 100");
  tmux.keys("Enter");  // the detail pane hides: the table takes its rows
  tmux.wait_for("rows 1-33 of 100");
  tmux.keys("q");
}

// A `reel record --realtime` running in the background, killed (SIGKILL) if still running when
// the test ends.
class BackgroundRecorder {
 public:
  explicit BackgroundRecorder(const std::string& args) {
    auto r =
        run_command(std::string(REEL_BINARY) + " record " + args + " >/dev/null 2>&1 & echo $!");
    REQUIRE(r.exit_code == 0);
    pid_ = std::stoi(r.out);
  }
  ~BackgroundRecorder() {
    if (pid_ > 0) kill(pid_, SIGKILL);
  }
  BackgroundRecorder(const BackgroundRecorder&) = delete;
  BackgroundRecorder& operator=(const BackgroundRecorder&) = delete;
  // SIGTERM: the recorder commits what it has, closes the session and exits.
  void stop() {
    REQUIRE(kill(pid_, SIGTERM) == 0);
    for (int i = 0; i < 200 && kill(pid_, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

TEST_CASE("reel scrub follows a session being recorded", "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string db = dir.file("live.reel");
  BackgroundRecorder recorder(
      "--realtime --duration 60s --players 2 --props 3 --name rec "
      "--out " +
      db);
  // Wait for the first committed frames.
  bool has_frames = false;
  for (int i = 0; i < 200 && !has_frames; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto replayer = Replayer::open(db, "");
    has_frames = replayer.ok() && (*replayer)->frame_count() > 0;
  }
  REQUIRE(has_frames);
  TmuxServer tmux;
  tmux.start(std::string(REEL_BINARY) + " scrub --follow " + db);
  std::string s = tmux.wait_for("live, following");
  const auto first = cursor_and_last(s);
  CHECK(first.first == first.second);
  // The recording grows by ~60 frames a second; the cursor stays on its last frame.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  s = tmux.wait_for("live, following");
  const auto later = cursor_and_last(s);
  INFO("screen:\n" << s);
  CHECK(later.second > first.second + 30);
  CHECK(later.first == later.second);
  // A move back ends following; the session is still live.
  tmux.keys("Home");
  s = tmux.wait_for("frame 0/");
  CHECK(contains(s, "  live"));
  CHECK(!contains(s, "following"));
  tmux.keys("F");
  tmux.wait_for("live, following");
  // The recorder ends: the session is closed, no longer live; the cursor is on its last frame.
  recorder.stop();
  auto replayer = Replayer::open(db, "");
  REQUIRE_OK(replayer);
  const FrameIndex last = (*replayer)->frame_count() - 1;
  s = tmux.wait_for(fmt::format("frame {}/{}", last, last));
  for (int i = 0; i < 40 && contains(s, "live"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = tmux.screen();
  }
  CHECK(!contains(screen_row(s, 1), "live"));
  tmux.keys("q");
}

TEST_CASE("reel scrub --help says + doubles the rate and describes every key and mark",
          "[cli][scrub]") {
  TempDir dir;
  auto r = testing::run_reel(dir, "scrub --help");
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.find("+ doubles the rate, - halves it") != std::string::npos);
  // Every key and mark is described.
  for (const char* text : {"Left/Right step a frame",
                           "Shift+Left/Right 1 s",
                           "space play/pause",
                           "g go to",
                           "t / T next",
                           "F (or f) follow",
                           "/ filters entities by exact id",
                           "Tab moves the focus",
                           "Enter shows/hides the detail pane",
                           "q quit",
                           "PgUp/PgDn 10 s",
                           "End last frame and follow",
                           "Up/Down or k/j select",
                           "Home/End\nthe first/last entity",
                           "Up/Down or k/j scroll",
                           "'|' a keyframe",
                           "'T' a tag",
                           "'x' damaged",
                           "'#' more",
                           "'^' under the cursor",
                           "--follow"}) {
    INFO(text);
    CHECK(r.out.find(text) != std::string::npos);
  }
}

TEST_CASE("reel scrub refuses to run without a terminal", "[cli][scrub]") {
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  auto r = testing::run_reel(dir, "scrub " + db);
  REQUIRE(r.exit_code == 2);
  REQUIRE(r.err.find("reel scrub: needs a terminal") != std::string::npos);
}

struct FrameSpan {
  FrameIndex first = 0, last = 0;
  bool contains(FrameIndex f) const { return f >= first && f <= last; }
};

// Flips a bit in the middle of the blob of the chunk holding `frame`, as a bad disk would: its
// checksum no longer matches. Returns the chunk's frames.
FrameSpan damage_chunk_holding(const std::string& db, FrameIndex frame) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h,
                             "SELECT chunk_id, first_frame, last_frame, data FROM chunks "
                             "WHERE first_frame <= ?1 AND last_frame >= ?1",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_int64(st, 1, frame);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t chunk_id = sqlite3_column_int64(st, 0);
  const FrameSpan span{sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)};
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(st, 3));
  std::vector<uint8_t> blob(data, data + sqlite3_column_bytes(st, 3));
  sqlite3_finalize(st);
  testing::flip_bit(blob, blob.size() / 2, 3);
  REQUIRE(sqlite3_prepare_v2(h, "UPDATE chunks SET data = ?1 WHERE chunk_id = ?2", -1, &st,
                             nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, chunk_id);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return span;
}

// The run of frames around `frame` that the Replayer cannot rebuild (it cannot at `frame`).
FrameSpan unreadable_around(const std::string& db, FrameIndex frame) {
  auto replayer = Replayer::open(db, "");
  REQUIRE_OK(replayer);
  Replayer& r = **replayer;
  REQUIRE(r.seek(frame).status().code() == StatusCode::kCorruption);
  FrameSpan span{frame, frame};
  while (span.first > 0 && !r.seek(span.first - 1).ok()) --span.first;
  while (span.last + 1 < r.frame_count() && !r.seek(span.last + 1).ok()) ++span.last;
  return span;
}

// The scrubber under a shell that reports how it ended, the terminal modes after it, and the
// scrubber's pid in `pid_file`, then stays, so that the screen can be read after the exit.
std::string scrub_then_report(const std::string& db, const std::string& pid_file) {
  return "trap 'echo trapped' INT; sh -c 'echo $$ > " + pid_file + "; exec " +
         std::string(REEL_BINARY) + " scrub " + db +
         "'; echo \"scrub exit=$?\"; echo \"modes: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e "
         "icanon -e -icanon -e echo -e -echo | tr '\\n' ' ')\"; sleep 600";
}

// After the scrubber ended: the shell's report, the main screen back, the modes restored.
void require_terminal_restored(const TmuxServer& tmux, const std::string& exit_line) {
  std::string s = tmux.wait_for("modes: ");
  INFO("screen:\n" << s);
  REQUIRE(contains(s, exit_line));
  REQUIRE(contains(s, "modes: icanon echo"));  // not -icanon -echo (curses' cbreak, noecho)
  REQUIRE(tmux.pane_format("#{alternate_on} #{cursor_flag}") == "0 1\n");
}

TEST_CASE("reel scrub shows a damaged chunk, stays usable and restores the terminal",
          "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  const FrameSpan chunk = damage_chunk_holding(db, 140);
  const FrameSpan bad = unreadable_around(db, 140);
  INFO("damaged chunk " << chunk.first << "-" << chunk.last << ", unreadable " << bad.first << ".."
                        << bad.last);
  REQUIRE(bad.first >= 10);
  REQUIRE(bad.contains(141));
  REQUIRE(bad.last + 1 < testing::kFixtureFrames);
  const std::string damaged = fmt::format("DAMAGED frames {}..{}: ", bad.first, bad.last);
  auto at = [](FrameIndex f) { return fmt::format("frame {}/299", f); };
  TmuxServer tmux;
  tmux.start(scrub_then_report(db, dir.file("scrub.pid")));
  tmux.wait_for("frame 0/299");

  SECTION("g onto the damage shows it; moves go on from there") {
    tmux.keys("g");
    tmux.literal("140");
    tmux.keys("Enter");
    std::string s = tmux.wait_for(at(140));
    CHECK(contains(s, damaged + "blob checksum mismatch"));
    CHECK(contains(s, fmt::format("chunk frames {}-{}", chunk.first, chunk.last)));
    CHECK(contains(s, "frame 140 cannot be shown"));
    tmux.keys("Right");
    s = tmux.wait_for(at(141));
    CHECK(contains(s, damaged));
    tmux.keys("g");
    tmux.literal(std::to_string(bad.last + 1));
    tmux.keys("Enter");
    s = tmux.wait_for(at(bad.last + 1));
    CHECK(!contains(s, "DAMAGED"));
    CHECK(contains(s, "       1  Player"));
    tmux.keys("Left");  // a step back into the damage
    s = tmux.wait_for(at(bad.last));
    CHECK(contains(s, damaged));
    tmux.keys("Left");
    tmux.wait_for(at(bad.last - 1));
    tmux.keys("End");
    s = tmux.wait_for(at(299));
    CHECK(!contains(s, "DAMAGED"));
    CHECK(contains(s, "       3  Pickup"));
  }
  SECTION("Right steps into the damage") {
    tmux.keys("g");
    tmux.literal(std::to_string(bad.first - 1));
    tmux.keys("Enter");
    tmux.wait_for(at(bad.first - 1));
    tmux.keys("Right");
    std::string s = tmux.wait_for(at(bad.first));
    CHECK(contains(s, damaged));
    tmux.keys("Home");
    s = tmux.wait_for(at(0));
    CHECK(contains(s, "(2 of 2 entities)"));
  }
  SECTION("playing into the damage stops on its first frame") {
    tmux.keys("g");
    tmux.literal(std::to_string(bad.first - 5));
    tmux.keys("Enter");
    tmux.wait_for(at(bad.first - 5));
    tmux.keys("Space");
    std::string s = tmux.wait_for("DAMAGED");
    CHECK(contains(s, at(bad.first)));
    CHECK(contains(s, "[paused]"));
  }
  tmux.keys("q");
  require_terminal_restored(tmux, "scrub exit=0");
}

TEST_CASE("reel scrub restores the terminal when interrupted or killed", "[cli][scrub]") {
  REQUIRE(run_command("command -v tmux >/dev/null").exit_code == 0);
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  const std::string pid_file = dir.file("scrub.pid");
  TmuxServer tmux;
  tmux.start(scrub_then_report(db, pid_file));
  tmux.wait_for("frame 0/299");
  SECTION("Ctrl-C") {
    tmux.keys("C-c");
    require_terminal_restored(tmux, "scrub exit=130");  // 128 + SIGINT
  }
  SECTION("SIGTERM") {
    const pid_t pid = std::stoi(testing::read_text_file(pid_file));
    REQUIRE(kill(pid, SIGTERM) == 0);
    require_terminal_restored(tmux, "scrub exit=143");  // 128 + SIGTERM
  }
}

}  // namespace
}  // namespace reel
