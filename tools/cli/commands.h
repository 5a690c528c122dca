// Registration of the `reel` subcommands: one file per subcommand (cmd_<name>.cpp), each defines
// one register_* function that adds its CLI11 subcommand to the app. main.cpp calls them all.
#pragma once

#include <CLI/CLI.hpp>

namespace reel::cli {

void register_variant(CLI::App& app);
void register_record(CLI::App& app);
// Inspecting subcommands (cmd_ls.cpp ... cmd_scrub.cpp; shared plumbing in inspect_common.h).
void register_ls(CLI::App& app);
void register_info(CLI::App& app);
void register_show(CLI::App& app);
void register_history(CLI::App& app);
void register_events(CLI::App& app);
void register_diff(CLI::App& app);
void register_play(CLI::App& app);
void register_scrub(CLI::App& app);
// Crash recovery (cmd_recover.cpp).
void register_recover(CLI::App& app);
// Godot files: export (cmd_export.cpp) and import of ReelRecorder captures (cmd_import.cpp).
void register_export(CLI::App& app);
void register_import(CLI::App& app);
// Network ingest of live games (cmd_ingest.cpp).
void register_ingest(CLI::App& app);
// Integrity (cmd_verify.cpp, cmd_salvage.cpp).
void register_verify(CLI::App& app);
void register_salvage(CLI::App& app);
// `reel completion bash|zsh` and `reel manual` (cmd_completion.cpp, cmd_manual.cpp) walk the
// whole command tree when they run.
void register_completion(CLI::App& app);
void register_manual(CLI::App& app);
// Editing subcommands (cmd_trim.cpp ... cmd_migrate.cpp over reel/edit/edit.h; shared plumbing in
// edit_common.h).
void register_trim(CLI::App& app);
void register_cut(CLI::App& app);
void register_filter(CLI::App& app);
void register_compact(CLI::App& app);
void register_merge(CLI::App& app);
void register_tag(CLI::App& app);
void register_migrate(CLI::App& app);
// `reel serve` (cmd_serve.cpp over reel/serve/server.h).
void register_serve(CLI::App& app);

}  // namespace reel::cli
