// Reel's SQLite schema (FORMAT.md section 5): creation, version checks and the session catalog.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reel/format/format_constants.h"
#include "reel/codec/frame_codec.h"
#include "reel/format/status.h"
#include "reel/store/store.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"

namespace reel::schema {

// Writer: creates the tables in an empty database, or checks an existing one is a Reel database
// of a format this build reads and migrates it to the current version when it is older (which
// older builds then refuse: FORMAT.md 5). Runs its own transaction.
[[nodiscard]] Status ensure_schema(Store& store);
// Reader: the database's format version (kOldestFormatVersion .. kFormatVersion); kInvalidArgument
// "not a Reel database" / kUnsupported for a version outside that range.
[[nodiscard]] Result<int64_t> check_schema(Store& store);

// Who records a session (format version 4, FORMAT.md 5 "Liveness"): enough to tell a live
// recorder from a dead one on this machine (process id within one boot) and elsewhere (the
// heartbeat). `token` is random per Recorder, so a resumed session has a new owner.
struct SessionOwner {
  std::string host;     // gethostname(); "" = unknown (sessions before version 4)
  int64_t pid = 0;      // the recorder's process id on `host`
  std::string boot_id;  // /proc/sys/kernel/random/boot_id of `host` when it recorded
  std::string token;    // 32 hex digits, random per Recorder
};

struct SessionRow {
  int64_t id = 0;
  std::string name;
  double tick_rate = 60;
  int64_t start_time_us = 0;  // Unix epoch, microseconds
  GodotDialect dialect = GodotDialect::kGodot4;
  format::SessionStatus status = format::SessionStatus::kRecording;
  Dictionary metadata;
  Dictionary settings;  // recorder settings, incl. the codec options a reader needs
  // How the session's Godot binary values number their type ids (settings key `type_ids`; absent
  // = kReelLegacy, sessions of format versions 1-2). Everything read back from it uses this.
  TypeIds type_ids = TypeIds::kGodot;
  int64_t frame_count = 0;
  int64_t keyframe_count = 0;
  int64_t chunk_count = 0;
  int64_t first_tick = 0, last_tick = 0;
  double last_time = 0;
  int64_t dropped_frames = 0;
  int64_t stored_bytes = 0;  // chunk + keyframe blob bytes
  // Format version 4 (older sessions read as: no reason, handed over = frame_count, no owner).
  std::string end_reason;          // why it ended ("disk full", "signal SIGTERM", ...); "" = none
  int64_t frames_handed_over = 0;  // frames the game had handed to the recorder by its last commit
  SessionOwner owner;
  int64_t heartbeat_us = 0;  // Unix µs of the recorder's last commit or heartbeat; 0 = none
  int64_t resumes = 0;       // times the session was continued after it ended (--resume)
  // Why the metadata or settings blob could not be read ("" when both are intact). Such a row is
  // still listed (its plain columns are valid) so that one damaged session never hides the
  // others; opening it for replay fails with kCorruption naming this.
  std::string damage;
};

// The codec options a session was recorded with (from SessionRow::settings).
[[nodiscard]] Result<CodecOptions> codec_options_of(const SessionRow& session);
Dictionary settings_dictionary(const CodecOptions& codec, const Dictionary& extra);

// Inserts a new session row (status recording) and returns its id. kInvalidArgument if the name
// is taken. Call inside a write transaction.
[[nodiscard]] Result<int64_t> insert_session(Store& store, const SessionRow& row);
// Every session row; a row whose metadata or settings blob is damaged comes with `damage` set
// (and empty Dictionaries) instead of failing the list.
[[nodiscard]] Result<std::vector<SessionRow>> list_sessions(Store& store);
// By name, or by id when `key` is all digits; an empty key picks the only session (kInvalidArgument
// when there are several, naming them).
[[nodiscard]] Result<SessionRow> find_session(Store& store, std::string_view key);
[[nodiscard]] Result<SessionRow> load_session(Store& store, int64_t session_id);

// Property paths of a session, indexed by PropertyId. Ids are dense; a hole (a lost row) is
// kCorruption, unless `missing` is given: then each absent id gets the placeholder path
// "<missing property N>" and is listed in `missing`, so that the rest of the session stays
// readable.
[[nodiscard]] Result<std::vector<std::string>> load_properties(
    Store& store, int64_t session_id, std::vector<PropertyId>* missing = nullptr);
// The placeholder path of a property whose row is lost.
std::string missing_property_path(PropertyId id);

// Variant <-> sealed blob (Godot 4 binary inside a kSessionData envelope, stored uncompressed).
[[nodiscard]] Status seal_variant(const Variant& value, std::vector<uint8_t>& out);
[[nodiscard]] Result<Variant> open_variant(std::span<const uint8_t> sealed, std::string_view what,
                                           TypeIds type_ids = TypeIds::kGodot);

}  // namespace reel::schema
