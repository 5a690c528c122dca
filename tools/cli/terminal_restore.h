// Restores the terminal when a signal ends `reel scrub` while curses owns it (Ctrl-C, kill, a
// hang-up, a crash). Its own file: <term.h> defines macros (`lines`, `columns`, ...) that clash
// with ordinary C++ names.
//
// save_modes() before newterm() keeps the terminal's modes; install() after it records the
// terminfo strings that leave curses' drawing mode and installs the handlers. A handler writes
// those strings and restores the modes with async-signal-safe calls only, then lets the signal's
// default action end the program (its exit status still names the signal). uninstall() puts the
// previous handlers back (after endwin()).
#pragma once

namespace reel::cli {

class TerminalRestore {
 public:
  static void save_modes();
  static void install();
  static void uninstall();
};

}  // namespace reel::cli
