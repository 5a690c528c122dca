// Plumbing shared by the inspecting subcommands (ls, info, show, history, events, diff, play,
// scrub): the common `DB [SESSION]` positionals and `--json` flag, opening a database or session
// with errors that name the file, and resolving frame/time arguments against a session.
//
// Every function here reports bad input by throwing CliError (exit 2) with one line naming what
// and where; they are for the CLI edge only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "reel/store/schema.h"
#include "reel/store/store.h"
#include "reel/replay/replayer.h"

namespace reel::cli {

struct SessionArgs {
  std::string db;
  std::string session;  // "" = the only session of the database
  bool json = false;
  // Where the database lives (--profile, --vfs): a local file by default; `--profile mvsqlite
  // --vfs mvsqlite` reads a namespace of mvsqlite (DB is then its namespace key, not a path).
  std::string profile = "local";
  std::string vfs;
};

// Adds the positional DB (required), the optional positional SESSION (unless `with_session` is
// false), the --json flag (unless `with_json` is false) and --profile/--vfs (unless
// `with_storage` is false: the editing commands write local files only).
void add_session_args(CLI::App& cmd, SessionArgs& args, bool with_session = true,
                      bool with_json = true, bool with_storage = true);

// The read-only store options args name (profile, VFS). Throws CliError for an unknown profile.
StoreOptions reading_store_options(const SessionArgs& args);
// True when the options open a file of the local file system (SQLite's unix VFS or one of its
// variants, the local profile's default), which can be checked before SQLite opens it; false for
// a namespace of another VFS (mvsqlite), which is not a path.
bool is_local_file(const StoreOptions& options);
bool is_local_file(const SessionArgs& args);

// Opens a Reel database read-only and checks its schema. A local file is checked first
// (file_checks.h: "PATH: no such file", "PATH: is a directory", "PATH: permission denied",
// "PATH: not a Reel database (...)"), and every error names the file.
std::unique_ptr<Store> open_database(const SessionArgs& args);
// The session named by args.session (a name, an id, or "" for the only one). Unknown keys list
// the sessions: "m.reel: no session named '2' and none with id 2 (sessions: 'm1' (id 1))".
schema::SessionRow find_session_row(Store& store, const SessionArgs& args);
// Opens the session named by args (name, id, or the only one). Damage the replayer works around
// (a damaged keyframe read from an earlier one, a lost property row, a catalog that claims frames
// no chunk holds) is printed on stderr as a notice, never silently bypassed (`notices` false: not
// printed, for the full-screen scrubber).
std::unique_ptr<Replayer> open_session(const SessionArgs& args, bool notices = true);

// "notice: m.reel: session 1: keyframe frame 60: blob checksum mismatch ..." on stderr.
void print_notice(const std::string& db, const Status& problem);

// --skip-damaged for the walking commands (play, history, events): each damaged range is
// reported on stderr as it is skipped; finish() throws CliError(kExitDamage) when any was, after
// the command has served everything intact.
class DamageSkipper {
 public:
  explicit DamageSkipper(std::string db) : db_(std::move(db)) {}
  // "skipped frames 31..59 of session 'x' (frames 31..59 lost: <why>); resuming at keyframe 60"
  void report(const SkippedRange& skipped);
  // An event left out because its arguments are damaged.
  void report_event(const Status& why);
  // Throws when anything was skipped.
  void finish() const;
  int64_t skipped() const { return skipped_; }

 private:
  std::string db_;
  int64_t skipped_ = 0;
};

// The id of a property path; unknown paths list the session's properties:
// "--property velocity: session 'm1' has no property 'velocity' (properties: position, health)".
PropertyId resolve_property(const Replayer& replayer, const std::string& path,
                            std::string_view what);

// The lives of an entity (spawn frame, and despawn frame: the first frame without it, or -1 while
// alive at the end), from the entity index.
struct EntityLife {
  FrameIndex spawn = 0, despawn = -1;
};
std::vector<EntityLife> entity_lives(const SessionArgs& args, int64_t session_id,
                                     EntityId entity);

// `--entity ID` given any number of times: only these entities (diff, events, play).
struct EntityFilter {
  std::vector<EntityId> ids;  // empty: every entity
  bool active() const { return !ids.empty(); }
  // True for every entity when inactive; false for -1 (no entity) when active.
  bool keeps(EntityId id) const;
};
void add_entity_filter(CLI::App& cmd, EntityFilter& filter, const std::string& help);
// Throws for an id the session never had: "--entity 99: session 'm1' has no entity 99".
void require_known_entities(const SessionArgs& args, const Replayer& replayer,
                            const EntityFilter& filter);

// Parses a frame/time argument (time_parse.h) and checks it against the session. `what` names
// the argument in errors ("--at", "A"). Frames must lie in [0, frame_count); times in [0, the
// session's end] (frame_at_position_time).
FrameIndex resolve_position(Replayer& replayer, std::string_view text, std::string_view what);
// `--from`/`--to` with defaults 0 and the last frame; throws when from > to.
struct FrameRange {
  FrameIndex from = 0, to = 0;
};
FrameRange resolve_range(Replayer& replayer, const std::string& from, const std::string& to);

// Throws CliError(2) when the session holds no frame yet.
void require_frames(const Replayer& replayer);

// A session's duration as ls and info print it: its end time (session_end_time: the last frame's
// time plus one tick), 0 while it holds no frame.
double session_duration(const schema::SessionRow& row);

// "closed" | "recording" | "interrupted" | "unknown(N)".
std::string session_status_name(format::SessionStatus status);

}  // namespace reel::cli
