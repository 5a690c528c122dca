// `reel import FILE DB [--name NAME]`: records a ReelRecorder capture file (FORMAT.md 10) into a
// Reel database through reel::Recorder. Every record is validated before it is recorded; at the
// first damaged or truncated record the frames before it are kept (committed) and the command
// says where it stopped and exits 2.
#include <cstdio>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/capture/capture_reader.h"
#include "reel/ingest/capture_feeder.h"
#include "reel/recorder/recorder.h"

namespace reel::cli {
namespace {

struct ImportArgs {
  std::string capture;
  std::string db;
  std::string name;
};

std::string frames_text(int64_t n) {
  return n == 0 ? "no frame" : n == 1 ? "frame 0" : fmt::format("frames 0..{}", n - 1);
}

void run_import(const ImportArgs& args) {
  require_readable_file(args.capture);
  require_database_output(args.db);
  // The capture is the user's input: a file that is not a capture is bad input (exit 2), like
  // the damage found further in (below), not damage of a Reel database (exit 3).
  auto opened = CaptureReader::open(args.capture);
  if (!opened.ok()) throw CliError(kExitBadInput, opened.status().message());
  auto reader = std::move(*opened);
  const CaptureHeader& header = reader->header();
  SessionInfo info;
  info.name = args.name.empty() ? header.name : args.name;
  info.tick_rate = header.tick_rate;
  info.dialect = header.dialect;
  info.metadata = header.metadata;
  info.metadata.set("imported_from", args.capture);
  auto recorder = value_or_throw(Recorder::open(args.db, info), args.db);
  CaptureFeeder feeder(*recorder, reader->paths());
  Frame frame;
  Status damage;
  while (true) {
    auto more = reader->next(frame);
    if (!more.ok()) {
      damage = more.status();
      break;
    }
    if (!*more) break;
    throw_if_error(feeder.feed(frame), args.db);
  }
  throw_if_error(recorder->close(), args.db);
  const int64_t frames = reader->frames_read();
  if (!damage.ok()) {
    throw CliError(kExitBadInput,
                   fmt::format("{}; stopped there: imported {} into {} (the frames before the "
                               "damage, byte {} of the capture)",
                               damage.message(), frames_text(frames), args.db, reader->offset()));
  }
  std::fprintf(stderr, "%s\n",
               fmt::format("{}: imported {} ({} properties) into {}", args.capture,
                           frames_text(frames), reader->paths().size(), args.db)
                   .c_str());
}

}  // namespace

void register_import(CLI::App& app) {
  auto* cmd = app.add_subcommand("import", "Record a ReelRecorder capture file into a database");
  auto args = std::make_shared<ImportArgs>();
  cmd->add_option("FILE", args->capture, "The capture file (ReelRecorder, FORMAT.md 10)")
      ->required();
  cmd->add_option("DB", args->db, "The Reel database (created if needed)")->required();
  cmd->add_option("--name", args->name, "Session name (default: the capture's, else generated)");
  cmd->footer(
      "Every record is validated. A damaged or truncated capture imports every whole frame\n"
      "before the damage, says where it stopped (byte offset, frame) and exits 2.\n\n"
      "Examples:\n"
      "  reel import user_data/capture.reelcap match.reel\n"
      "  reel import capture.reelcap match.reel --name match-7");
  cmd->callback([args] { run_import(*args); });
}

}  // namespace reel::cli
