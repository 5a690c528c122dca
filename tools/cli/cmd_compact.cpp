// `reel compact DB [--out DB2] [--keyframe-interval N] [--zstd-level L] [--lossy]`: every session
// re-encoded with other settings into a fresh, vacuumed file (edit.h).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "edit_common.h"
#include "file_checks.h"

namespace reel::cli {

void register_compact(CLI::App& app) {
  auto* cmd = app.add_subcommand("compact", "Re-encode a database with other settings");
  struct Args {
    std::string db;
    edit::CompactOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("DB", args->db, "Reel database file")->required();
  cmd->add_option("--out", args->options.output, "Write the result here (default: replace DB)");
  cmd->add_flag("--skip-damaged", args->options.skip_damaged,
                "Leave out frames that cannot be read instead of failing");
  add_codec_overrides(*cmd, args->options.codec);
  cmd->footer(
      "Every session is re-encoded (names, metadata, events and tags kept) into a temporary\n"
      "file beside the output, which is vacuumed and renamed over it at the end: on any\n"
      "failure DB is untouched. Sessions still recording are refused.\n\n"
      "Examples:\n"
      "  reel compact match.reel --zstd-level 9 --keyframe-interval 60\n"
      "  reel compact match.reel --lossy --out match-small.reel");
  cmd->callback([args] {
    require_database_file(args->db);
    if (!args->options.output.empty()) require_database_output(args->options.output);
    set_current_file(args->db);
    auto report = value_or_throw(edit::compact_database(args->db, args->options));
    const std::string out = args->options.output.empty() ? args->db : args->options.output;
    fmt::print("compacted {} sessions ({} frames) into {}: {} -> {} ({:.1f}%)\n", report.sessions,
               report.frames, out, human_bytes(report.bytes_before),
               human_bytes(report.bytes_after),
               report.bytes_before > 0 ? 100.0 * report.bytes_after / report.bytes_before : 0.0);
    if (report.frames_skipped > 0) {
      fmt::print("{} damaged frames left out\n", report.frames_skipped);
    }
  });
}

}  // namespace reel::cli
