// `reel scrub DB [SESSION]`: an interactive terminal scrubber (ncurses). ScrubModel holds the
// state and the text; this file owns the terminal: key decoding, coalescing, drawing, prompts.
//
// Smoothness: after each key the UI drains every pending key before it redraws, summing the
// cursor moves (a held arrow key becomes one step_forward/seek per redraw, not one per key).
//
// Screen rows: 0 header, 1 status, 2 timeline marks, 3 event density, 4 cursor, then the entity
// table and (when shown) the detail pane below it, sharing the rows down to the last, which names
// the keys of the focused pane.
#include <unistd.h>

#include <chrono>
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
constexpr int kTab = 9;
constexpr int kFirstTableRow = 5;
// A live session's catalog is read again this often.
constexpr std::chrono::milliseconds kLivePollPeriod{500};

// The bottom row: the focused pane and its main keys (`reel scrub --help` lists them all).
const char* keys_help(Focus focus) {
  switch (focus) {
    case Focus::kTimeline:
      return "TIMELINE  <-/-> frame  PgUp/Dn 10s  g go to  space play  +/- rate  t/T tag  "
             "F follow  / filter  Tab focus  q quit";
    case Focus::kTable:
      return "TABLE  Up/Down j/k select  PgUp/Dn page  Home/End first/last  <-/-> frame  "
             "Enter detail  Tab focus  q quit";
    case Focus::kDetail:
      return "DETAIL  Up/Down j/k scroll  PgUp/Dn page  Home/End top/bottom  <-/-> frame  "
             "Enter hide  Tab focus  q quit";
  }
  return "";
}

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

// Shares the rows between the table and the detail pane: half each while the detail is shown.
void apply_layout(ScrubModel& model) {
  const int rows = std::max(LINES - kFirstTableRow - 1, 2);
  const int detail = model.detail_shown() ? rows / 2 : 0;
  model.set_layout(static_cast<size_t>(std::max(COLS, 10)), static_cast<size_t>(rows - detail),
                   static_cast<size_t>(detail));
}

void draw(ScrubModel& model) {
  apply_layout(model);
  auto width = static_cast<size_t>(std::max(COLS, 10));
  erase();
  draw_line(0, model.header_line(width), A_BOLD);
  draw_line(1, model.status_line(width));
  draw_line(2, model.timeline_line(width));
  draw_line(3, model.density_line(width));
  draw_line(4, model.cursor_line(width));
  const auto table = model.entity_table(width);
  int row = kFirstTableRow;
  for (size_t i = 0; i < table.lines.size(); ++i, ++row) {
    attr_t attrs = i == 0 ? A_UNDERLINE : A_NORMAL;
    if (static_cast<int>(i) == table.selected) {
      attrs = model.focus() == Focus::kTable ? A_REVERSE : A_BOLD;
    }
    draw_line(row, table.lines[i], attrs);
  }
  // The detail pane right below the table's rows.
  const auto detail = model.detail_lines();
  for (size_t i = 0; i < detail.size(); ++i, ++row) {
    attr_t attrs = i == 0 ? A_UNDERLINE : A_NORMAL;
    if (model.focus() == Focus::kDetail && i == 0) attrs |= A_BOLD;
    draw_line(row, detail[i], attrs);
  }
  draw_line(LINES - 1, std::string(keys_help(model.focus())).substr(0, width), A_REVERSE);
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

// Keys of the focused table or detail pane. Returns whether `key` was one.
bool handle_pane_key(int key, ScrubModel& model) {
  switch (key) {
    case KEY_DOWN:
    case 'j':
      model.scroll_lines(1);
      return true;
    case KEY_UP:
    case 'k':
      model.scroll_lines(-1);
      return true;
    case KEY_NPAGE:
      model.scroll_pages(1);
      return true;
    case KEY_PPAGE:
      model.scroll_pages(-1);
      return true;
    case KEY_HOME:
      model.scroll_to_first();
      return true;
    case KEY_END:
      model.scroll_to_last();
      return true;
    default:
      return false;
  }
}

// Handles one key. Returns false to quit. Moves are accumulated in `pending`; any other key
// first applies them so that the order of effects is kept.
bool handle_key(int key, ScrubModel& model, PendingMove& pending) {
  const bool timeline = model.focus() == Focus::kTimeline;
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
      if (!timeline) break;
      pending.seconds += 10;
      return true;
    case KEY_PPAGE:
      if (!timeline) break;
      pending.seconds -= 10;
      return true;
    default:
      break;
  }
  pending.apply_to(model);
  if (!timeline && handle_pane_key(key, model)) return true;
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
    case 'F':
    case 'f':
      model.toggle_follow();
      break;
    case 't':
      model.next_tag();
      break;
    case 'T':
      model.previous_tag();
      break;
    case kTab:
      model.cycle_focus();
      break;
    case '\n':
    case '\r':
    case KEY_ENTER:
      model.toggle_detail();
      if (!model.detail_shown() && model.focus() == Focus::kDetail) model.cycle_focus();
      apply_layout(model);
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

// How long to wait for a key: a frame while playing, a poll period while the session is live.
int key_timeout_ms(const ScrubModel& model) {
  int ms = -1;
  if (model.playing()) ms = static_cast<int>(model.frame_period().count());
  if (model.live()) {
    const int poll = static_cast<int>(kLivePollPeriod.count());
    ms = ms < 0 ? poll : std::min(ms, poll);
  }
  return ms;
}

void run_ui(ScrubModel& model) {
  CursesScreen screen;
  PendingMove pending;
  auto last_poll = std::chrono::steady_clock::now();
  draw(model);
  while (true) {
    timeout(key_timeout_ms(model));
    int key = getch();
    if (key != ERR) model.set_message("");
    // Drain everything already typed (held keys) before redrawing once.
    bool running = true;
    apply_layout(model);
    while (key != ERR && running) {
      running = handle_key(key, model, pending);
      timeout(0);
      key = running ? getch() : ERR;
    }
    pending.apply_to(model);
    if (!running) return;
    model.tick();
    if (model.live() && std::chrono::steady_clock::now() - last_poll >= kLivePollPeriod) {
      last_poll = std::chrono::steady_clock::now();
      model.poll_live();
    }
    draw(model);
  }
}

}  // namespace

void register_scrub(CLI::App& app) {
  auto* cmd = app.add_subcommand("scrub", "Interactive terminal scrubber (ncurses)");
  auto args = std::make_shared<SessionArgs>();
  add_session_args(*cmd, *args, /*with_session=*/true, /*with_json=*/false);
  auto follow = std::make_shared<bool>(false);
  cmd->add_flag("--follow", *follow,
                "Start at the last frame in follow mode (a session still being recorded: the "
                "cursor stays on the newest frame)");
  cmd->footer(
      "Screen: a header, the status line (frame, time, play state, 'live' while the session is\n"
      "being recorded, the tag at the cursor), the timeline in three rows, the entity table and\n"
      "the detail pane of the selected entity, and the keys of the focused pane.\n"
      "Timeline: one column per bin of frames (bins of equal size give or take a frame; a session\n"
      "shorter than the screen gets a column a frame). Row 1: '-' frames, '|' a keyframe in the "
      "bin, 'T' a tag (reel tag) in the bin\n"
      "(wins over '|'), 'x' damaged frames seen (wins over all). Row 2, events in the bin\n"
      "against the busiest bin: ' ' none, '.' up to 1/4, ':' up to 1/2, '*' up to 3/4, '#' more.\n"
      "Row 3: '^' under the cursor's bin.\n"
      "Keys anywhere: Left/Right step a frame; Shift+Left/Right 1 s; space play/pause;\n"
      "+ doubles the rate, - halves it (1/64x..64x); g go to a frame or time; t / T next /\n"
      "previous tag; F (or f) follow on/off (the cursor stays on the last frame as a live\n"
      "recording grows; any other move ends it); / filters entities by exact id (digits: 45 is\n"
      "entity 45, not 145) or class substring (empty: all); Tab moves the focus: timeline ->\n"
      "table -> detail -> timeline; Enter shows/hides the detail pane (shown at start, the\n"
      "lower half); q quit.\n"
      "Timeline focus: PgUp/PgDn 10 s; Home first frame; End last frame and follow.\n"
      "Table focus: Up/Down or k/j select the previous/next entity; PgUp/PgDn a page; Home/End\n"
      "the first/last entity. The selection is highlighted and stays on its entity id.\n"
      "Detail focus: Up/Down or k/j scroll a line; PgUp/PgDn a page; Home/End top/bottom.\n"
      "The table abbreviates transforms to their origin and cuts rows at the screen's width; the\n"
      "detail pane shows every property of the selected entity in full, wrapped.\n"
      "A live session is read again every 0.5 s. Needs a terminal (works in tmux).\n\n"
      "Examples:\n"
      "  reel scrub match.reel\n"
      "  reel scrub match.reel match-1\n"
      "  reel scrub --follow live.reel");
  cmd->callback([args, follow] {
    // The file first, so that a bad one is named whatever runs the command.
    auto replayer = open_session(*args, /*notices=*/false);  // stderr would tear the screen
    require_frames(*replayer);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
      throw CliError(kExitBadInput,
                     "needs a terminal on stdin and stdout; use `reel show` or `reel play` in "
                     "scripts");
    }
    // Tags are read through their own read-only connection (the replayer does not expose its).
    std::shared_ptr<Store> store = open_database(*args);
    const int64_t session_id = replayer->session().id;
    ScrubModel model(std::move(replayer), [store, session_id] {
      auto tags = schema::list_tags(*store, session_id);
      return tags.ok() ? std::move(tags).value() : std::vector<schema::Tag>{};
    });
    if (*follow) model.go_to_end();
    run_ui(model);
  });
}

}  // namespace reel::cli
