#include "terminal_restore.h"

#include <termios.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>

#include <curses.h>
#include <term.h>

namespace reel::cli {
namespace {

constexpr std::array<int, 9> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                                         SIGBUS, SIGFPE,  SIGILL, SIGABRT};

termios saved_modes{};
bool have_modes = false;
std::array<char, 256> reset_sequence{};
size_t reset_length = 0;
std::array<struct sigaction, kSignals.size()> previous{};

void restore_now() {
  size_t done = 0;
  while (done < reset_length) {
    ssize_t n = write(STDOUT_FILENO, reset_sequence.data() + done, reset_length - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (have_modes) tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes);
}

void on_signal(int sig) {
  restore_now();
  signal(sig, SIG_DFL);
  raise(sig);
}

void append_capability(const char* name) {
  char* seq = tigetstr(const_cast<char*>(name));
  if (seq == nullptr || seq == reinterpret_cast<char*>(-1)) return;
  size_t n = std::strlen(seq);
  if (reset_length + n > reset_sequence.size()) return;
  std::memcpy(reset_sequence.data() + reset_length, seq, n);
  reset_length += n;
}

}  // namespace

void TerminalRestore::save_modes() {
  have_modes = tcgetattr(STDIN_FILENO, &saved_modes) == 0;
}

void TerminalRestore::install() {
  reset_length = 0;
  // Leave the alternate screen, show the cursor, plain attributes, keypad off.
  for (const char* cap : {"rmcup", "cnorm", "sgr0", "rmkx"}) append_capability(cap);
  struct sigaction action {};
  action.sa_handler = &on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the same signal again gets the default action at once
  for (size_t i = 0; i < kSignals.size(); ++i) {
    sigaction(kSignals[i], nullptr, &previous[i]);
    // A signal the parent ignores (nohup, a shell's `trap '' INT`) stays ignored.
    if (previous[i].sa_handler == SIG_IGN) continue;
    sigaction(kSignals[i], &action, nullptr);
  }
}

void TerminalRestore::uninstall() {
  for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous[i], nullptr);
}

}  // namespace reel::cli
