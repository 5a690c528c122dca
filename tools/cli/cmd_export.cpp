// `reel export DB [SESSION] --format F --out PATH`: a session (or a frame range of it) as a file
// for Godot. Formats: varstream (FORMAT.md 8, what ReelPlayer reads, seekable).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "export_varstream.h"
#include "inspect_common.h"

namespace reel::cli {
namespace {

struct ExportArgs {
  SessionArgs session;
  std::string format;
  std::string from, to;
  std::string out;
  int godot = 4;
  int64_t reset_interval = VarstreamOptions{}.reset_interval;
};

void run_export(const ExportArgs& args) {
  auto replayer = open_session(args.session);
  const FrameRange range = resolve_range(*replayer, args.from, args.to);
  const auto start = std::chrono::steady_clock::now();
  VarstreamOptions options;
  options.dialect = args.godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  options.reset_interval = args.reset_interval;
  VarstreamStats stats;
  try {
    stats = write_varstream(*replayer, range, options, args.out);
  } catch (const CliError&) {
    // A varstream without its index and footer is of no use: leave nothing half-written.
    std::error_code ec;
    if (std::filesystem::is_regular_file(args.out, ec)) std::filesystem::remove(args.out, ec);
    throw;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s\n",
               fmt::format("{}: {} frames ({}..{}), {} reset records, {} in {:.2f} s", args.out,
                           stats.frames, range.from, range.to, stats.resets,
                           human_bytes(stats.bytes), seconds)
                   .c_str());
}

}  // namespace

void register_export(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export a session as a file for Godot");
  auto args = std::make_shared<ExportArgs>();
  add_session_args(*cmd, args->session, /*with_session=*/true, /*with_json=*/false);
  cmd->add_option("--format", args->format, "varstream (seekable store_var stream, ReelPlayer)")
      ->required()
      ->check(CLI::IsMember({"varstream"}));
  cmd->add_option("--out", args->out, "The file to write")->required();
  cmd->add_option("--from", args->from, "First frame or time (default: the first frame)")
      ->type_name("POS");
  cmd->add_option("--to", args->to, "Last frame or time (default: the last frame)")
      ->type_name("POS");
  cmd->add_option("--godot", args->godot, "Target Godot major version: 4 or 3")
      ->check(CLI::IsMember({3, 4}))
      ->capture_default_str();
  cmd->add_option("--reset-interval", args->reset_interval,
                  "varstream: a full-state record every N frames (seek cost vs size)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->footer(
      "varstream: header, frame records (tools/cli/PLAY.md's Dictionary; every --reset-interval-th\n"
      "one carries the full state), an index of the full-state records and a 28-byte footer;\n"
      "format/FORMAT.md section 8. samples/godot/addons/reel/reel_player.gd plays it.\n\n"
      "Examples:\n"
      "  reel export match.reel --format varstream --out match.vs\n"
      "  reel export match.reel match-1 --format varstream --godot 3 --from 1:00 --to 2:00 "
      "--out clip.vs");
  cmd->callback([args] { run_export(*args); });
}

}  // namespace reel::cli
