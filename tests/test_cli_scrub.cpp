// `reel scrub` for real: the binary runs inside a detached tmux server (its own socket, a
// 120x40 pane); keys go in with send-keys and the screen comes back with capture-pane.
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include "cli_session_fixture.h"

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
  CHECK(contains(s, "time 0:00.000/0:04.983  [paused] 1x"));

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
    CHECK(contains(s, "time 0:02.000/0:04.983"));
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

TEST_CASE("reel scrub refuses to run without a terminal", "[cli][scrub]") {
  TempDir dir;
  const std::string db = dir.file("match.reel");
  testing::record_fixture_session(db);
  auto r = testing::run_reel(dir, "scrub " + db);
  REQUIRE(r.exit_code == 2);
  REQUIRE(r.err.find("scrub needs a terminal") != std::string::npos);
}

}  // namespace
}  // namespace reel
