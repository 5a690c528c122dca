// The `reel` command-line tool. Exceptions stop here: run_cli (cli_errors.h) turns every failure
// into one plain line on stderr, "reel COMMAND: what went wrong", and an exit code (0 ok, 2 bad
// input or usage, 1 internal failure).
#include <string>

#include <CLI/CLI.hpp>

#include "cli_errors.h"
#include "bench.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"reel: movie-mode record & replay for Godot, on (mv)SQLite", "reel"};
  app.set_version_flag("--version", std::string("reel ") + REEL_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Run `reel COMMAND --help` (or `reel help COMMAND`) for a command's options and examples.");
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
  reel::cli::register_export(app);
  reel::cli::register_import(app);
  reel::cli::register_ingest(app);
  reel::cli::register_scrub(app);
  reel::cli::register_recover(app);
  reel::cli::register_verify(app);
  reel::cli::register_salvage(app);
  reel::cli::register_trim(app);
  reel::cli::register_cut(app);
  reel::cli::register_filter(app);
  reel::cli::register_compact(app);
  reel::cli::register_merge(app);
  reel::cli::register_tag(app);
  reel::cli::register_migrate(app);
  reel::cli::register_serve(app);
  reel::cli::register_completion(app);
  reel::cli::register_manual(app);
  return reel::cli::run_cli(app, argc, argv);
}
