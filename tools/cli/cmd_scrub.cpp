// `reel scrub DB [SESSION]`: an interactive terminal scrubber (ncurses). ScrubModel holds the
// state and the text; this file owns the terminal: key decoding, coalescing, drawing, prompts.
//
// Smoothness: after each key the UI drains every pending key before it redraws, summing the
// cursor moves (a held arrow key becomes one step_forward/seek per redraw, not one per key).
#include <unistd.h>

#include <clocale>
#include <cstdio>

#include <curses.h>
#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "scrub_model.h"
#include "terminal_restore.h"

namespace reel::cli {
namespace {

constexpr int kEscape = 27;
constexpr const char* kKeysHelp =
    "<-/-> frame  shift+<-/-> 1s  PgUp/PgDn 10s  Home/End  g go to  space play  +/- rate  "
    "/ filter  q quit";

// Puts the terminal in curses mode for its lifetime; restores it when an exception passes and,
// through TerminalRestore, when a signal ends the program.
class CursesScreen {
 public:
  CursesScreen() {
    std::setlocale(LC_ALL, "");
    TerminalRestore::save_modes();
    screen_ = newterm(nullptr, stdout, stdin);
    if (!screen_) throw CliError(kExitBadInput, "cannot initialise the terminal (TERM?)");
    TerminalRestore::install();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    // Shift-arrows and Home/End as tmux and xterm send them, whatever the terminfo entry says.
    define_key("\033[1;2C", KEY_SRIGHT);
    define_key("\033[1;2D", KEY_SLEFT);
    for (const char* home : {"\033[H", "\033[1~", "\033OH", "\033[7~"}) define_key(home, KEY_HOME);
    for (const char* end : {"\033[F", "\033[4~", "\033OF", "\033[8~"}) define_key(end, KEY_END);
  }
  ~CursesScreen() {
    endwin();
    TerminalRestore::uninstall();
    delscreen(screen_);
  }
  CursesScreen(const CursesScreen&) = delete;
  CursesScreen& operator=(const CursesScreen&) = delete;

 private:
  SCREEN* screen_;
};

void draw_line(int row, const std::string& text, attr_t attrs = A_NORMAL) {
  attron(attrs);
  mvaddnstr(row, 0, text.c_str(), COLS);
  attroff(attrs);
  clrtoeol();
}

void draw(const ScrubModel& model) {
  auto width = static_cast<size_t>(std::max(COLS, 10));
  erase();
  draw_line(0, model.header_line(width), A_BOLD);
  draw_line(1, model.status_line(width));
  draw_line(2, model.timeline_line(width));
  draw_line(3, model.cursor_line(width));
  int table_rows = std::max(LINES - 6, 1);
  auto lines = model.entity_lines(width, static_cast<size_t>(table_rows));
  for (size_t i = 0; i < lines.size(); ++i) {
    draw_line(5 + static_cast<int>(i), lines[i], i == 0 ? A_UNDERLINE : A_NORMAL);
  }
  draw_line(LINES - 1, std::string(kKeysHelp).substr(0, width), A_REVERSE);
  refresh();
}

// Reads a line on the bottom row. Enter accepts, Escape cancels (nullopt).
std::optional<std::string> prompt(const std::string& label) {
  std::string text;
  curs_set(1);
  timeout(-1);
  while (true) {
    draw_line(LINES - 1, label + text);
    refresh();
    int key = getch();
    if (key == '\n' || key == '\r' || key == KEY_ENTER) break;
    if (key == kEscape) {
      curs_set(0);
      return std::nullopt;
    }
    if ((key == KEY_BACKSPACE || key == 127 || key == 8) && !text.empty()) {
      text.pop_back();
    } else if (key >= 32 && key < 256 && key != 127) {
      text += static_cast<char>(key);
    }
  }
  curs_set(0);
  return text;
}

// Cursor moves summed over a burst of keys, applied once before the next redraw.
struct PendingMove {
  int64_t frames = 0;
  double seconds = 0;

  void apply_to(ScrubModel& model) {
    if (frames != 0) model.step(frames);
    if (seconds != 0) model.jump_seconds(seconds);
    frames = 0;
    seconds = 0;
  }
};

// Handles one key. Returns false to quit. Moves are accumulated in `pending`; any other key
// first applies them so that the order of effects is kept.
bool handle_key(int key, ScrubModel& model, PendingMove& pending) {
  switch (key) {
    case KEY_RIGHT:
      pending.frames += 1;
      return true;
    case KEY_LEFT:
      pending.frames -= 1;
      return true;
    case KEY_SRIGHT:
      pending.seconds += 1;
      return true;
    case KEY_SLEFT:
      pending.seconds -= 1;
      return true;
    case KEY_NPAGE:
      pending.seconds += 10;
      return true;
    case KEY_PPAGE:
      pending.seconds -= 10;
      return true;
    default:
      break;
  }
  pending.apply_to(model);
  switch (key) {
    case 'q':
    case 'Q':
      return false;
    case KEY_HOME:
      model.go_to_start();
      break;
    case KEY_END:
      model.go_to_end();
      break;
    case ' ':
      model.toggle_play();
      break;
    case '+':
    case '=':
      model.faster();
      break;
    case '-':
    case '_':
      model.slower();
      break;
    case 'g':
      if (auto text = prompt("go to (frame or time, e.g. 1200, 20s, 1:05.5): ")) model.go_to(*text);
      break;
    case '/':
      if (auto text = prompt("filter entities (exact id, or class substring; empty = all): ")) {
        model.set_filter(*text);
      }
      break;
    default:
      break;
  }
  return true;
}

void run_ui(ScrubModel& model) {
  CursesScreen screen;
  PendingMove pending;
  draw(model);
  while (true) {
    timeout(model.playing() ? static_cast<int>(model.frame_period().count()) : -1);
    int key = getch();
    model.set_message("");
    // Drain everything already typed (held keys) before redrawing once.
    bool running = true;
    while (key != ERR && running) {
      running = handle_key(key, model, pending);
      timeout(0);
      key = running ? getch() : ERR;
    }
    pending.apply_to(model);
    if (!running) return;
    model.tick();
    draw(model);
  }
}

}  // namespace

void register_scrub(CLI::App& app) {
  auto* cmd = app.add_subcommand("scrub", "Interactive terminal scrubber (ncurses)");
  auto args = std::make_shared<SessionArgs>();
  add_session_args(*cmd, *args, /*with_session=*/true, /*with_json=*/false);
  cmd->footer(
      "Keys: Left/Right step a frame; Shift+Left/Right 1 s; PgUp/PgDn 10 s; Home/End;\n"
      "g go to a frame or time; space play/pause; + doubles the rate, - halves it; / filters\n"
      "entities by exact id (digits) or class substring; q quit. The timeline marks keyframes '|' "
      "and events '*'.\n"
      "The table abbreviates transforms to their origin; `reel show` prints full values.\n"
      "Needs a terminal (works in tmux).\n\n"
      "Examples:\n"
      "  reel scrub match.reel\n"
      "  reel scrub match.reel match-1");
  cmd->callback([args] {
    // The file first, so that a bad one is named whatever runs the command.
    auto replayer = open_session(*args, /*notices=*/false);  // stderr would tear the screen
    require_frames(*replayer);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
      throw CliError(kExitBadInput,
                     "needs a terminal on stdin and stdout; use `reel show` or `reel play` in "
                     "scripts");
    }
    ScrubModel model(std::move(replayer));
    run_ui(model);
  });
}

}  // namespace reel::cli
