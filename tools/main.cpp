// The `reel` command-line tool. Exceptions stop here: library Status values become messages on
// stderr and exit codes (0 ok, 2 bad input or usage, 1 internal failure).
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "commands.h"
#include "cli_util.h"

int main(int argc, char** argv) {
  CLI::App app{"reel: movie-mode record & replay for Godot, on (mv)SQLite"};
  app.set_version_flag("--version", std::string("reel ") + REEL_VERSION);
  app.require_subcommand(1);
  app.footer("Run `reel COMMAND --help` for a command's options and examples.");
  reel::cli::register_variant(app);
  reel::cli::register_bench(app);
  reel::cli::register_record(app);
  reel::cli::register_ls(app);
  reel::cli::register_info(app);
  reel::cli::register_show(app);
  reel::cli::register_history(app);
  reel::cli::register_events(app);
  reel::cli::register_diff(app);
  reel::cli::register_play(app);
  reel::cli::register_scrub(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : reel::cli::kExitBadInput;
  } catch (const reel::cli::CliError& e) {
    fmt::print(stderr, "reel: {}\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "reel: internal error: {}\n", e.what());
    return reel::cli::kExitInternal;
  }
  return 0;
}
