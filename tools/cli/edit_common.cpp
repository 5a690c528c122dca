#include "edit_common.h"

#include <fmt/format.h>

#include "cli_util.h"
#include "file_checks.h"

namespace reel::cli {

void add_rewrite_args(CLI::App& cmd, RewriteArgs& args) {
  add_session_args(cmd, args.session, /*with_session=*/true, /*with_json=*/false,
                   /*with_storage=*/false);
  cmd.add_option("--out", args.out,
                 "Database to write the new session to (created if missing; default: DB itself)");
  cmd.add_option("--name", args.name,
                 "Name of the new session (default: the source's name in another database, "
                 "NAME-<command> in DB itself)");
  cmd.add_flag("--skip-damaged", args.skip_damaged,
               "Leave out frames that cannot be read (damaged chunks or keyframes) instead of "
               "failing");
}

void add_codec_overrides(CLI::App& cmd, edit::CodecOverrides& codec) {
  cmd.add_option("--keyframe-interval", codec.keyframe_interval,
                 "A keyframe every N frames (default: the source's)");
  cmd.add_option("--zstd-level", codec.zstd_level, "zstd level (default: the source's)");
  cmd.add_flag_callback(
      "--lossy", [&codec] { codec.lossy = true; },
      "Quantize positions and rotations (default: the source's mode)");
  cmd.add_flag_callback(
      "--lossless", [&codec] { codec.lossy = false; },
      "Store values exactly (default: the source's mode)");
  cmd.add_option("--position-step", codec.position_step, "Lossy position grid, metres");
  cmd.add_option("--rotation-step", codec.rotation_step_degrees, "Lossy rotation grid, degrees");
}

std::string rewrite_output(const RewriteArgs& args) {
  return args.out.empty() ? args.session.db : args.out;
}

std::string rewrite_name(const RewriteArgs& args, const std::string& source_name,
                         const std::string& verb) {
  if (!args.name.empty()) return args.name;
  return args.out.empty() ? fmt::format("{}-{}", source_name, verb) : source_name;
}

void run_rewrite(const RewriteArgs& args, const edit::RewriteOptions& options) {
  const std::string output = rewrite_output(args);
  if (!args.out.empty() && args.out != args.session.db) require_database_output(args.out);
  set_current_file(args.session.db);
  auto report =
      value_or_throw(edit::rewrite_session(args.session.db, args.session.session, output, options));
  fmt::print("wrote session '{}' to {}: {} frames, {} events, {} tags", report.session, output,
             report.frames_written, report.events_written, report.tags_written);
  if (report.frames_skipped > 0) {
    fmt::print(" ({} damaged frames left out)", report.frames_skipped);
  }
  fmt::print("\n");
}

}  // namespace reel::cli
