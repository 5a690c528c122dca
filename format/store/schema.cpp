#include "reel/store/schema.h"

#include <algorithm>
#include <cctype>

#include "reel/blob/blob.h"
#include "reel/store/tags.h"
#include "reel/variant/variant_text.h"

namespace reel::schema {
namespace {

// FORMAT.md section 5. Any change here is a format change: bump kFormatVersion, document it and
// migrate older databases in ensure_schema (the columns a migration adds go last, as here).
constexpr std::string_view kSchema = R"sql(
CREATE TABLE reel_meta(
  key TEXT PRIMARY KEY,
  value ANY
);
CREATE TABLE sessions(
  session_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  tick_rate REAL NOT NULL,
  start_time_us INTEGER NOT NULL,
  dialect INTEGER NOT NULL,
  status INTEGER NOT NULL,
  metadata BLOB NOT NULL,
  settings BLOB NOT NULL,
  frame_count INTEGER NOT NULL DEFAULT 0,
  keyframe_count INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  first_tick INTEGER NOT NULL DEFAULT 0,
  last_tick INTEGER NOT NULL DEFAULT 0,
  last_time REAL NOT NULL DEFAULT 0,
  dropped_frames INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  end_reason TEXT,
  frames_handed_over INTEGER NOT NULL DEFAULT 0,
  owner_host TEXT,
  owner_pid INTEGER,
  owner_boot_id TEXT,
  owner_token TEXT,
  heartbeat_us INTEGER,
  resumes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE properties(
  session_id INTEGER NOT NULL,
  property_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY(session_id, property_id)
) WITHOUT ROWID;
CREATE TABLE entities(
  session_id INTEGER NOT NULL,
  entity_id INTEGER NOT NULL,
  spawn_frame INTEGER NOT NULL,
  class TEXT NOT NULL,
  despawn_frame INTEGER,
  PRIMARY KEY(session_id, entity_id, spawn_frame)
) WITHOUT ROWID;
CREATE TABLE chunks(
  chunk_id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL,
  first_frame INTEGER NOT NULL,
  last_frame INTEGER NOT NULL,
  first_time REAL NOT NULL,
  last_time REAL NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX chunks_by_frame ON chunks(session_id, last_frame);
CREATE TABLE keyframes(
  keyframe_id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL,
  frame INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX keyframes_by_frame ON keyframes(session_id, frame);
CREATE TABLE events(
  session_id INTEGER NOT NULL,
  frame INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  entity_id INTEGER,
  args BLOB NOT NULL,
  time REAL,
  PRIMARY KEY(session_id, frame, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_name ON events(session_id, name, frame);
CREATE TABLE gaps(
  session_id INTEGER NOT NULL,
  frame INTEGER NOT NULL,
  coalesced INTEGER NOT NULL,
  PRIMARY KEY(session_id, frame)
) WITHOUT ROWID;
)sql";

Result<int64_t> query_int(Store& store, std::string_view sql) {
  REEL_ASSIGN_OR_RETURN(Statement * st, store.prepare(sql));
  REEL_ASSIGN_OR_RETURN(bool row, st->step());
  int64_t v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

// The database's format version, when this build reads it.
Result<int64_t> check_version(Store& store) {
  REEL_ASSIGN_OR_RETURN(int64_t app, query_int(store, "PRAGMA application_id"));
  REEL_ASSIGN_OR_RETURN(int64_t version, query_int(store, "PRAGMA user_version"));
  if (app != format::kApplicationId) {
    return Status::invalid_argument("{}: not a Reel database (application_id {:#x})", store.path(),
                                    app);
  }
  if (version > format::kFormatVersion) {
    return Status::unsupported("{}: format version {} is newer than this reel reads ({} to {})",
                               store.path(), version, format::kOldestFormatVersion,
                               format::kFormatVersion);
  }
  if (version < format::kOldestFormatVersion) {
    return Status::unsupported("{}: format version {} is older than this reel reads ({} to {})",
                               store.path(), version, format::kOldestFormatVersion,
                               format::kFormatVersion);
  }
  return version;
}

Status set_version(Store& store, int64_t version) {
  REEL_RETURN_IF_ERROR(store.exec(fmt::format("PRAGMA user_version = {}", version)));
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store.prepare("INSERT OR REPLACE INTO reel_meta(key, value) VALUES(?, ?)"));
  REEL_RETURN_IF_ERROR(st->bind(1, "format_version"));
  REEL_RETURN_IF_ERROR(st->bind(2, version));
  return st->run();
}

// Brings a database of an older format version to the current one (FORMAT.md 5, "Versions").
// Inside the caller's write transaction, so a failure leaves the database as it was.
Status migrate(Store& store, int64_t version) {
  if (version < 2) {
    // Events of format-1 sessions keep a NULL time: readers compute it from the frame.
    REEL_RETURN_IF_ERROR(store.exec("ALTER TABLE events ADD COLUMN time REAL"));
  }
  // Version 3 changes no table: sessions written before it lack the settings key `type_ids` and
  // keep being read with the old numbering; new sessions write it.
  if (version < 4) {
    for (std::string_view column :
         {"end_reason TEXT", "frames_handed_over INTEGER NOT NULL DEFAULT 0", "owner_host TEXT",
          "owner_pid INTEGER", "owner_boot_id TEXT", "owner_token TEXT", "heartbeat_us INTEGER",
          "resumes INTEGER NOT NULL DEFAULT 0"}) {
      REEL_RETURN_IF_ERROR(store.exec(fmt::format("ALTER TABLE sessions ADD COLUMN {}", column)));
    }
    // Handed over = committed for the old sessions (older recorders did not count them). A
    // session an older build left `recording` names no owner to ask: its recorder cannot write
    // this version, so it is sealed now.
    REEL_RETURN_IF_ERROR(store.exec("UPDATE sessions SET frames_handed_over = frame_count"));
    REEL_ASSIGN_OR_RETURN(Statement * seal,
                          store.prepare("UPDATE sessions SET status = ?, end_reason = ? WHERE "
                                        "status = ?"));
    REEL_RETURN_IF_ERROR(seal->bind(1, int64_t(format::SessionStatus::kInterrupted)));
    REEL_RETURN_IF_ERROR(seal->bind(
        2, "left recording by a build before format version 4 (found at the migration)"));
    REEL_RETURN_IF_ERROR(seal->bind(3, int64_t(format::SessionStatus::kRecording)));
    REEL_RETURN_IF_ERROR(seal->run());
  }
  return set_version(store, format::kFormatVersion);
}

constexpr const char* kTypeIdsKey = "type_ids";
// load_properties fills at most this many consecutive lost property rows with placeholders.
constexpr int64_t kMaxMissingProperties = 1 << 16;

const char* kSessionColumns =
    "session_id, name, tick_rate, start_time_us, dialect, status, metadata, settings, "
    "frame_count, keyframe_count, chunk_count, first_tick, last_tick, last_time, dropped_frames, "
    "stored_bytes, end_reason, frames_handed_over, owner_host, owner_pid, owner_boot_id, "
    "owner_token, heartbeat_us, resumes";
// The same columns of a database before format version 4, which lacks the last eight: what they
// mean for an old session (handed over = committed, no owner known).
const char* kSessionColumnsBefore4 =
    "session_id, name, tick_rate, start_time_us, dialect, status, metadata, settings, "
    "frame_count, keyframe_count, chunk_count, first_tick, last_tick, last_time, dropped_frames, "
    "stored_bytes, NULL, frame_count, NULL, NULL, NULL, NULL, NULL, 0";

// Settings key `type_ids` (FORMAT.md 5): absent in sessions written before format version 3.
Result<TypeIds> type_ids_of(const Dictionary& settings, std::string_view context) {
  const Variant* v = settings.find(Variant(kTypeIdsKey));
  if (!v) return TypeIds::kReelLegacy;
  if (v->is<int64_t>()) {
    const int64_t n = v->get<int64_t>();
    if (n == int64_t(TypeIds::kGodot) || n == int64_t(TypeIds::kReelLegacy)) return TypeIds(n);
  }
  return Status::corruption("{}: setting '{}' is {}, not 1 or 2", context, kTypeIdsKey,
                            to_text(*v));
}

// The metadata and settings Dictionaries of a row; failures are left in r.damage.
void read_session_blobs(Statement& st, SessionRow& r) {
  auto context = fmt::format("session {} ('{}')", r.id, r.name);
  auto fail = [&](const Status& why) {
    r.damage += (r.damage.empty() ? "" : "; ") + why.message();
  };
  // Settings first: they say how the session numbers its type ids (FORMAT.md 5). Their own keys
  // are ints, floats, bools and Strings, which read alike in both numberings; a legacy session's
  // settings are read again with its numbering in case the recorder added other values.
  auto settings = open_variant(st.column_blob(7), context + " settings");
  if (settings.ok() && !settings->is<Dictionary>()) {
    settings = Status::corruption("{}: settings are not a Dictionary", context);
  }
  if (settings.ok()) {
    auto type_ids = type_ids_of(settings->get<Dictionary>(), context);
    if (type_ids.ok()) {
      r.type_ids = *type_ids;
    } else {
      settings = type_ids.status();
    }
  }
  if (settings.ok() && r.type_ids != TypeIds::kGodot) {
    settings = open_variant(st.column_blob(7), context + " settings", r.type_ids);
  }
  if (settings.ok()) {
    r.settings = std::move(settings->get<Dictionary>());
  } else {
    fail(settings.status());
  }
  auto meta = open_variant(st.column_blob(6), context + " metadata", r.type_ids);
  if (meta.ok() && !meta->is<Dictionary>()) {
    meta = Status::corruption("{}: metadata is not a Dictionary", context);
  }
  if (meta.ok()) {
    r.metadata = std::move(meta->get<Dictionary>());
  } else {
    fail(meta.status());
  }
}

SessionRow read_session_row(Statement& st) {
  SessionRow r;
  r.id = st.column_int64(0);
  r.name = std::string(st.column_text(1));
  r.tick_rate = st.column_double(2);
  r.start_time_us = st.column_int64(3);
  r.dialect = static_cast<GodotDialect>(st.column_int64(4));
  r.status = static_cast<format::SessionStatus>(st.column_int64(5));
  read_session_blobs(st, r);
  r.frame_count = st.column_int64(8);
  r.keyframe_count = st.column_int64(9);
  r.chunk_count = st.column_int64(10);
  r.first_tick = st.column_int64(11);
  r.last_tick = st.column_int64(12);
  r.last_time = st.column_double(13);
  r.dropped_frames = st.column_int64(14);
  r.stored_bytes = st.column_int64(15);
  r.end_reason = std::string(st.column_text(16));
  r.frames_handed_over = st.column_int64(17);
  r.owner.host = std::string(st.column_text(18));
  r.owner.pid = st.column_int64(19);
  r.owner.boot_id = std::string(st.column_text(20));
  r.owner.token = std::string(st.column_text(21));
  r.heartbeat_us = st.column_int64(22);
  r.resumes = st.column_int64(23);
  return r;
}

const Variant* setting(const Dictionary& d, const char* key) {
  return d.find(Variant(key));
}

}  // namespace

Status ensure_schema(Store& store) {
  return store.write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(int64_t tables, query_int(store, "SELECT count(*) FROM sqlite_schema"));
    if (tables > 0) {
      REEL_ASSIGN_OR_RETURN(const int64_t version, check_version(store));
      if (version < format::kFormatVersion) REEL_RETURN_IF_ERROR(migrate(store, version));
      // The bookmarks table (format version 4, FORMAT.md 5): created when missing, whatever the
      // version the file was written with.
      return create_tags_table(store);
    }
    REEL_RETURN_IF_ERROR(store.exec(kSchema));
    REEL_RETURN_IF_ERROR(create_tags_table(store));
    REEL_RETURN_IF_ERROR(
        store.exec(fmt::format("PRAGMA application_id = {}", format::kApplicationId)));
    return set_version(store, format::kFormatVersion);
  });
}

Result<int64_t> check_schema(Store& store) {
  REEL_ASSIGN_OR_RETURN(int64_t tables, query_int(store, "SELECT count(*) FROM sqlite_schema"));
  if (tables == 0) {
    return Status::invalid_argument("{}: not a Reel database (it is empty)", store.path());
  }
  return check_version(store);
}

Dictionary settings_dictionary(const CodecOptions& codec, const Dictionary& extra) {
  Dictionary d = extra;
  d.set("keyframe_interval", int64_t{codec.keyframe_interval});
  d.set("zstd_level", int64_t{codec.zstd_level});
  d.set("lossy", codec.lossy.enabled);
  d.set("position_step", codec.lossy.position_step);
  d.set("rotation_step_degrees", codec.lossy.rotation_step_degrees);
  d.set(kTypeIdsKey, int64_t{static_cast<int>(TypeIds::kGodot)});  // what every writer writes
  return d;
}

Result<CodecOptions> codec_options_of(const SessionRow& session) {
  if (!session.damage.empty()) return Status::corruption("{}", session.damage);
  CodecOptions o;
  const Dictionary& d = session.settings;
  auto get_int = [&](const char* key, int& out) -> Status {
    const Variant* v = setting(d, key);
    if (!v || !v->is<int64_t>()) {
      return Status::corruption("session {}: setting '{}' missing or not an int", session.id, key);
    }
    out = static_cast<int>(v->get<int64_t>());
    return {};
  };
  auto get_double = [&](const char* key, double& out) -> Status {
    const Variant* v = setting(d, key);
    if (!v || !v->is<double>()) {
      return Status::corruption("session {}: setting '{}' missing or not a float", session.id, key);
    }
    out = v->get<double>();
    return {};
  };
  REEL_RETURN_IF_ERROR(get_int("keyframe_interval", o.keyframe_interval));
  REEL_RETURN_IF_ERROR(get_int("zstd_level", o.zstd_level));
  const Variant* lossy = setting(d, "lossy");
  if (!lossy || !lossy->is<bool>()) {
    return Status::corruption("session {}: setting 'lossy' missing or not a bool", session.id);
  }
  o.lossy.enabled = lossy->get<bool>();
  REEL_RETURN_IF_ERROR(get_double("position_step", o.lossy.position_step));
  REEL_RETURN_IF_ERROR(get_double("rotation_step_degrees", o.lossy.rotation_step_degrees));
  o.type_ids = session.type_ids;
  Status valid = o.validate();
  if (!valid.ok()) return valid.with_context(fmt::format("session {} settings", session.id));
  return o;
}

Result<int64_t> insert_session(Store& store, const SessionRow& row) {
  REEL_ASSIGN_OR_RETURN(Statement * exists, store.prepare("SELECT 1 FROM sessions WHERE name = ?"));
  REEL_RETURN_IF_ERROR(exists->bind(1, row.name));
  REEL_ASSIGN_OR_RETURN(bool taken, exists->step());
  exists->reset();
  if (taken) {
    return Status::invalid_argument("{}: a session named '{}' exists already", store.path(),
                                    row.name);
  }
  std::vector<uint8_t> meta, settings;
  REEL_RETURN_IF_ERROR(seal_variant(Variant(row.metadata), meta));
  REEL_RETURN_IF_ERROR(seal_variant(Variant(row.settings), settings));
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare("INSERT INTO sessions(name, tick_rate, start_time_us, dialect, status, "
                    "metadata, settings, first_tick) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  REEL_RETURN_IF_ERROR(st->bind(1, row.name));
  REEL_RETURN_IF_ERROR(st->bind(2, row.tick_rate));
  REEL_RETURN_IF_ERROR(st->bind(3, row.start_time_us));
  REEL_RETURN_IF_ERROR(st->bind(4, static_cast<int64_t>(row.dialect)));
  REEL_RETURN_IF_ERROR(st->bind(5, static_cast<int64_t>(row.status)));
  REEL_RETURN_IF_ERROR(st->bind(6, std::span<const uint8_t>(meta)));
  REEL_RETURN_IF_ERROR(st->bind(7, std::span<const uint8_t>(settings)));
  REEL_RETURN_IF_ERROR(st->bind(8, row.first_tick));
  REEL_RETURN_IF_ERROR(st->run());
  return store.last_insert_rowid();
}

Result<std::vector<SessionRow>> list_sessions(Store& store) {
  REEL_ASSIGN_OR_RETURN(const int64_t version, query_int(store, "PRAGMA user_version"));
  REEL_ASSIGN_OR_RETURN(
      Statement * st,
      store.prepare(fmt::format("SELECT {} FROM sessions ORDER BY session_id",
                                version >= 4 ? kSessionColumns : kSessionColumnsBefore4)));
  std::vector<SessionRow> rows;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) {
      st->reset();
      return row.status();
    }
    if (!*row) break;
    rows.push_back(read_session_row(*st));
  }
  st->reset();
  return rows;
}

Result<SessionRow> load_session(Store& store, int64_t session_id) {
  REEL_ASSIGN_OR_RETURN(auto rows, list_sessions(store));
  for (auto& r : rows) {
    if (r.id == session_id) return std::move(r);
  }
  return Status::not_found("{}: no session with id {}", store.path(), session_id);
}

Result<SessionRow> find_session(Store& store, std::string_view key) {
  REEL_ASSIGN_OR_RETURN(auto rows, list_sessions(store));
  if (key.empty()) {
    if (rows.size() == 1) return std::move(rows.front());
    if (rows.empty()) return Status::not_found("{}: holds no session", store.path());
    std::string names;
    for (const auto& r : rows)
      names += fmt::format("{}'{}' (id {})", names.empty() ? "" : ", ", r.name, r.id);
    return Status::invalid_argument("{}: holds {} sessions, name one: {}", store.path(),
                                    rows.size(), names);
  }
  for (auto& r : rows) {
    if (r.name == key) return std::move(r);
  }
  const bool numeric =
      std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(uint8_t(c)); });
  if (numeric) {
    for (auto& r : rows) {
      if (std::to_string(r.id) == key) return std::move(r);
    }
  }
  return Status::not_found("{}: no session named '{}'", store.path(), key);
}

std::string missing_property_path(PropertyId id) {
  return fmt::format("<missing property {}>", id);
}

Result<std::vector<std::string>> load_properties(Store& store, int64_t session_id,
                                                 std::vector<PropertyId>* missing) {
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store.prepare("SELECT property_id, path FROM properties WHERE "
                                      "session_id = ? ORDER BY property_id"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id));
  std::vector<std::string> paths;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) {
      st->reset();
      return row.status();
    }
    if (!*row) break;
    const int64_t id = st->column_int64(0);
    if (id < 0 || id > int64_t{UINT32_MAX} || id < static_cast<int64_t>(paths.size())) {
      st->reset();
      return Status::corruption("session {}: property id {} is out of order", session_id, id);
    }
    if (id != static_cast<int64_t>(paths.size())) {
      if (!missing) {
        st->reset();
        return Status::corruption(
            "session {}: property ids are not dense (found {} at position {})", session_id, id,
            paths.size());
      }
      // Bounded: a lying id far ahead would otherwise allocate without limit.
      if (id - static_cast<int64_t>(paths.size()) > kMaxMissingProperties) {
        st->reset();
        return Status::corruption("session {}: property id {} follows id {}", session_id, id,
                                  paths.size() - 1);
      }
      while (static_cast<int64_t>(paths.size()) < id) {
        missing->push_back(static_cast<PropertyId>(paths.size()));
        paths.push_back(missing_property_path(static_cast<PropertyId>(paths.size())));
      }
    }
    paths.emplace_back(st->column_text(1));
  }
  st->reset();
  return paths;
}

Status seal_variant(const Variant& value, std::vector<uint8_t>& out) {
  std::vector<uint8_t> raw;
  REEL_RETURN_IF_ERROR(encode_variant(value, raw));
  return seal_blob(BlobKind::kSessionData, raw, SealOptions{.compress = false}, out);
}

Result<Variant> open_variant(std::span<const uint8_t> sealed, std::string_view what,
                             TypeIds type_ids) {
  std::vector<uint8_t> raw;
  auto header = open_blob(sealed, BlobKind::kSessionData, raw);
  if (!header.ok()) return header.status().with_context(what);
  auto decoded = decode_variant(raw, DecodeOptions{.type_ids = type_ids});
  if (!decoded.ok()) return decoded.status().with_context(what);
  return std::move(decoded->value);
}

}  // namespace reel::schema
