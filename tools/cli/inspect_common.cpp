#include "inspect_common.h"

#include "reel/store/liveness.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "cli_errors.h"
#include "cli_util.h"
#include "file_checks.h"
#include "time_parse.h"

namespace reel::cli {

void add_session_args(CLI::App& cmd, SessionArgs& args, bool with_session, bool with_json,
                      bool with_storage) {
  cmd.add_option("DB", args.db, "Reel database file")->required();
  if (with_session) {
    cmd.add_option("SESSION", args.session,
                   "Session name or id (may be omitted when the database holds one session)");
  }
  if (with_json) cmd.add_flag("--json", args.json, "Print one JSON document instead of text");
  if (with_storage) {
    cmd.add_option("--profile", args.profile,
                   "Storage profile the database was recorded with: local | mvsqlite")
        ->capture_default_str()
        ->group("Storage");
    cmd.add_option("--vfs", args.vfs,
                   "SQLite VFS to open it with (default: unix for local, mvsqlite for mvsqlite, "
                   "where DB is a namespace key)")
        ->group("Storage");
  }
}

StoreOptions reading_store_options(const SessionArgs& args) {
  StoreOptions options;
  options.profile = value_or_throw(parse_profile(args.profile), "--profile");
  options.vfs = args.vfs;
  options.read_only = true;
  options.create = false;
  return options;
}

bool is_local_file(const StoreOptions& options) {
  if (!options.vfs.empty()) return options.vfs == "unix" || options.vfs.rfind("unix-", 0) == 0;
  // Each profile's default VFS (store.h): unix for local, mvsqlite's own for mvsqlite.
  return options.profile == StorageProfile::kLocal;
}

bool is_local_file(const SessionArgs& args) {
  return is_local_file(reading_store_options(args));
}

namespace {

constexpr size_t kNamesListed = 20;  // longer lists end with "... and N more"

// Up to kNamesListed of `names`, comma separated.
std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kNamesListed; ++i) {
    out += (i ? ", " : "") + names[i];
  }
  if (names.size() > kNamesListed)
    out += fmt::format(", ... and {} more", names.size() - kNamesListed);
  return out;
}

// A failure opening or reading the database at `path`, as a CliError that names it.
[[noreturn]] void database_error(const std::string& path, const Status& status) {
  std::string why = plain_message(status.message());
  if (why.find(path) == std::string::npos) why = fmt::format("{}: {}", path, why);
  throw CliError(exit_code_for(status), why);
}

template <class T>
T value_or_database_error(Result<T> result, const std::string& path) {
  if (!result.ok()) database_error(path, result.status());
  return std::move(result).value();
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::unique_ptr<Store> open_database(const SessionArgs& args) {
  const std::string& path = args.db;
  const StoreOptions options = reading_store_options(args);
  if (is_local_file(args)) require_database_file(path);
  set_current_file(path);
  // Seals sessions whose recorder is gone (when the file is writable; FORMAT.md 5), once per
  // process: a command opens its database several times.
  static std::string settled;
  if (settled != path) {
    schema::settle_for_reading(path, options);
    settled = path;
  }
  auto store = value_or_database_error(Store::open(path, options), path);
  value_or_database_error(schema::check_schema(*store), path);
  // An immutable open (read-only file or directory) is worth a line only when it hides changes
  // (a -wal or -journal beside the file holds data); otherwise it reads everything.
  static std::string noticed;
  if (store->notice().find("-wal/-journal") != std::string::npos && noticed != path) {
    fmt::print(stderr, "note: {}\n", store->notice());
    noticed = path;
  }
  return store;
}

schema::SessionRow find_session_row(Store& store, const SessionArgs& args) {
  auto found = schema::find_session(store, args.session);
  if (found.ok()) return std::move(found).value();
  if (found.status().code() != StatusCode::kNotFound || args.session.empty()) {
    database_error(args.db, found.status());
  }
  std::vector<std::string> sessions;
  for (const auto& row : value_or_database_error(schema::list_sessions(store), args.db)) {
    sessions.push_back(fmt::format("'{}' (id {})", row.name, row.id));
  }
  throw CliError(
      kExitBadInput,
      fmt::format("{}: no session named '{}'{} ({})", args.db, args.session,
                  all_digits(args.session) ? fmt::format(" and none with id {}", args.session) : "",
                  sessions.empty() ? "it holds no session" : "sessions: " + name_list(sessions)));
}

std::unique_ptr<Replayer> open_session(const SessionArgs& args, bool notices) {
  // The file, its schema and the session first, so that each is reported as such whatever the
  // replayer would say about it.
  auto store = open_database(args);
  find_session_row(*store, args);
  store.reset();
  ReplayOptions options;
  options.store = reading_store_options(args);
  if (notices) {
    options.on_bypassed = [db = args.db](const Status& problem) { print_notice(db, problem); };
  }
  return value_or_database_error(Replayer::open(args.db, args.session, options), args.db);
}

void print_notice(const std::string& db, const Status& problem) {
  std::string why = plain_message(problem.message());
  if (why.find(db) == std::string::npos) why = fmt::format("{}: {}", db, why);
  fmt::print(stderr, "notice: {}\n", why);
  std::fflush(stderr);
}

void DamageSkipper::report(const SkippedRange& skipped) {
  ++skipped_;
  const std::string why = plain_message(skipped.why.message());
  std::string lost = skipped.last >= skipped.first
                         ? fmt::format("frames {}..{} lost", skipped.first, skipped.last)
                         : fmt::format("frame {}'s changes lost", skipped.resume);
  std::string next = skipped.resume >= 0 ? fmt::format("resuming at keyframe {}", skipped.resume)
                                         : std::string("no intact keyframe follows in the range");
  fmt::print(stderr, "damaged: {}: {} ({}); {}\n", db_, lost, why, next);
  std::fflush(stderr);
}

void DamageSkipper::report_event(const Status& why) {
  ++skipped_;
  fmt::print(stderr, "damaged: {}: event skipped ({})\n", db_, plain_message(why.message()));
  std::fflush(stderr);
}

void DamageSkipper::finish() const {
  if (skipped_ == 0) return;
  throw CliError(kExitDamage,
                 fmt::format("{}: {} damaged range(s) skipped (listed above); everything else "
                             "was served",
                             db_, skipped_));
}

PropertyId resolve_property(const Replayer& replayer, const std::string& path,
                            std::string_view what) {
  auto id = replayer.property_id(path);
  if (id.ok()) return *id;
  const auto& paths = replayer.property_paths();
  throw CliError(kExitBadInput, fmt::format("{} {}: session '{}' has no property '{}' ({})", what,
                                            path, replayer.session().name, path,
                                            paths.empty() ? "it records none"
                                                          : "properties: " + name_list(paths)));
}

std::vector<EntityLife> entity_lives(const SessionArgs& args, int64_t session_id, EntityId entity) {
  const std::string& db = args.db;
  auto store = open_database(args);
  Statement* st = value_or_database_error(
      store->prepare("SELECT spawn_frame, despawn_frame FROM entities WHERE session_id = ? AND "
                     "entity_id = ? ORDER BY spawn_frame"),
      db);
  throw_if_error(st->bind(1, session_id));
  throw_if_error(st->bind(2, entity));
  std::vector<EntityLife> lives;
  while (value_or_database_error(st->step(), db)) {
    lives.push_back({st->column_int64(0), st->column_is_null(1) ? -1 : st->column_int64(1)});
  }
  st->reset();
  return lives;
}

bool EntityFilter::keeps(EntityId id) const {
  return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
}

void add_entity_filter(CLI::App& cmd, EntityFilter& filter, const std::string& help) {
  // One id per --entity, so that positionals after it stay positionals.
  cmd.add_option("--entity", filter.ids, help)->type_name("ID")->allow_extra_args(false);
}

void require_known_entities(const SessionArgs& args, const Replayer& replayer,
                            const EntityFilter& filter) {
  for (EntityId id : filter.ids) {
    if (!entity_lives(args, replayer.session().id, id).empty()) continue;
    throw CliError(kExitBadInput, fmt::format("--entity {}: session '{}' has no entity {}", id,
                                              replayer.session().name, id));
  }
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
  if (p.is_end) return last;
  if (!p.is_time) {
    if (p.frame > last) {
      throw CliError(kExitBadInput,
                     fmt::format("{}: frame {} is out of range: session '{}' has frames 0..{}",
                                 what, p.frame, session.name, last));
    }
    return p.frame;
  }
  return value_or_throw(frame_at_position_time(replayer, p.seconds, text), what);
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

double session_duration(const schema::SessionRow& row) {
  return row.frame_count > 0 ? session_end_time(row.last_time, row.tick_rate) : 0.0;
}

std::string session_status_name(format::SessionStatus status) {
  return schema::session_status_name(status);
}

}  // namespace reel::cli
