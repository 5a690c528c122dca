// `reel import FILE DB [--name NAME]`: records a ReelRecorder capture file (FORMAT.md 10) into a
// Reel database through reel::Recorder. Every record is validated before it is recorded; at the
// first damaged or truncated record the frames before it are kept (committed) and the command
// says where it stopped and exits 2.
#include <cstdio>

#include <fmt/core.h>

#include "capture_reader.h"
#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/recorder/recorder.h"

namespace reel::cli {
namespace {

struct ImportArgs {
  std::string capture;
  std::string db;
  std::string name;
};

// Hands one validated frame to the recorder, with the capture's property ids mapped to the
// recorder's (interned on first use).
class FrameFeeder {
 public:
  FrameFeeder(Recorder& recorder, const CaptureReader& reader)
      : recorder_(recorder), reader_(reader) {}
  Status feed(Frame& frame) {
    recorder_.begin_frame(frame.tick, frame.time);
    for (const auto& s : frame.spawns) recorder_.spawn(s.entity, s.class_name);
    for (auto& c : frame.changes) recorder_.set(c.entity, property(c.property), std::move(c.value));
    for (EntityId id : frame.despawns) recorder_.despawn(id);
    for (auto& e : frame.events) recorder_.event(e.name, std::move(e.args), e.entity);
    return recorder_.end_frame();
  }

 private:
  PropertyId property(PropertyId capture_id) {
    while (ids_.size() <= capture_id) {
      ids_.push_back(recorder_.intern_property(reader_.paths()[ids_.size()]));
    }
    return ids_[capture_id];
  }
  Recorder& recorder_;
  const CaptureReader& reader_;
  std::vector<PropertyId> ids_;
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
  FrameFeeder feeder(*recorder, *reader);
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
