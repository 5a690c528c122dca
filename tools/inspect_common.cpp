#include "inspect_common.h"

#include <filesystem>

#include <fmt/core.h>

#include "cli_util.h"
#include "time_parse.h"

namespace reel::cli {

void add_session_args(CLI::App& cmd, SessionArgs& args, bool with_session, bool with_json) {
  cmd.add_option("DB", args.db, "Reel database file")->required();
  if (with_session) {
    cmd.add_option("SESSION", args.session,
                   "Session name or id (may be omitted when the database holds one session)");
  }
  if (with_json) cmd.add_flag("--json", args.json, "Print one JSON document instead of text");
}

void require_database_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw CliError(kExitBadInput, path + ": no such file");
  if (std::filesystem::is_directory(status)) {
    throw CliError(kExitBadInput, path + ": is a directory, not a Reel database");
  }
}

std::unique_ptr<Store> open_database(const std::string& path) {
  require_database_file(path);
  StoreOptions options;
  options.read_only = true;
  options.create = false;
  auto store = value_or_throw(Store::open(path, options));
  throw_if_error(schema::check_schema(*store).status());
  return store;
}

std::unique_ptr<Replayer> open_session(const SessionArgs& args) {
  require_database_file(args.db);
  // The schema check first, so that a foreign file is reported as such whatever the replayer
  // would say about it.
  open_database(args.db);
  return value_or_throw(Replayer::open(args.db, args.session));
}

void require_frames(const Replayer& replayer) {
  if (replayer.frame_count() > 0) return;
  throw CliError(kExitBadInput,
                 fmt::format("session '{}' holds no frame yet", replayer.session().name));
}

FrameIndex resolve_position(Replayer& replayer, std::string_view text, std::string_view what) {
  Position p = value_or_throw(parse_position(text), what);
  require_frames(replayer);
  const FrameIndex last = replayer.frame_count() - 1;
  const auto& session = replayer.session();
  if (!p.is_time) {
    if (p.frame > last) {
      throw CliError(kExitBadInput,
                     fmt::format("{}: frame {} is out of range: session '{}' has frames 0..{}",
                                 what, p.frame, session.name, last));
    }
    return p.frame;
  }
  double end = value_or_throw(replayer.time_of(last), what);
  if (p.seconds > end) {
    throw CliError(kExitBadInput,
                   fmt::format("{}: time {} is out of range: session '{}' ends at {} (frame {})",
                               what, text, session.name, format_time(end), last));
  }
  return value_or_throw(replayer.frame_at_time(p.seconds), what);
}

FrameRange resolve_range(Replayer& replayer, const std::string& from, const std::string& to) {
  require_frames(replayer);
  FrameRange r{0, replayer.frame_count() - 1};
  if (!from.empty()) r.from = resolve_position(replayer, from, "--from");
  if (!to.empty()) r.to = resolve_position(replayer, to, "--to");
  if (r.from > r.to) {
    throw CliError(kExitBadInput, fmt::format("--from {} (frame {}) is after --to {} (frame {})",
                                              from, r.from, to, r.to));
  }
  return r;
}

std::string session_status_name(format::SessionStatus status) {
  switch (status) {
    case format::SessionStatus::kRecording:
      return "recording";
    case format::SessionStatus::kClosed:
      return "closed";
    case format::SessionStatus::kInterrupted:
      return "interrupted";
  }
  return fmt::format("unknown({})", static_cast<int>(status));
}

std::string human_bytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

void print_json(const JsonWriter& json) {
  fmt::print("{}\n", json.str());
}

}  // namespace reel::cli
