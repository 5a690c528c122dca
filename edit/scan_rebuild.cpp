#include "scan_rebuild.h"

#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "reel/blob/blob.h"
#include "reel/store/schema.h"

namespace reel::edit {
namespace {

using Type = ScannedValue::Type;

// A value that outlives the scanner's callback.
struct OwnedValue {
  Type type = Type::kNull;
  int64_t i = 0;
  double r = 0;
  std::vector<uint8_t> bytes;
};

struct SessionCopy {
  int64_t frame_count = -1;
  std::vector<OwnedValue> values;  // values[0] is the rowid
};

bool is(const ScannedValue& v, Type t) {
  return v.type == t;
}
bool int_or_null(const ScannedValue& v) {
  return v.type == Type::kInt || v.type == Type::kNull;
}
bool number_or_null(const ScannedValue& v) {
  return v.is_number() || v.type == Type::kNull;
}

// The lossy grid steps a keyframe payload's header declares (FORMAT.md 7, payload version 2,
// flags bit 0); nullopt for a lossless one or a payload it cannot tell.
std::optional<std::pair<double, double>> keyframe_grid_steps(std::span<const uint8_t> payload) {
  size_t at = 0;
  auto skip_varint = [&]() -> bool {
    for (int i = 0; i < 10 && at < payload.size(); ++i) {
      if ((payload[at++] & 0x80) == 0) return true;
    }
    return false;
  };
  if (payload.empty() || payload[at++] != 2) return std::nullopt;
  if (!skip_varint() || !skip_varint() || at + 9 > payload.size()) return std::nullopt;
  at += 8;  // time
  if ((payload[at++] & 1) == 0 || at + 16 > payload.size()) return std::nullopt;
  auto f64 = [&](size_t p) {
    uint64_t bits = 0;
    for (int b = 7; b >= 0; --b) bits = (bits << 8) | payload[p + b];
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  };
  return std::make_pair(f64(at), f64(at + 8));
}

class Rebuilder {
 public:
  Rebuilder(Store& out, ScanRebuild& result) : out_(out), result_(result) {}

  Status on_record(const ScannedRecord& r) {
    const auto& v = r.values;
    if (r.table_leaf) {
      if (v.size() == 7 && is(v[0], Type::kNull) && v[1].is_int() && v[2].is_int() &&
          v[3].is_int() && v[4].is_number() && v[5].is_number() && is(v[6], Type::kBlob)) {
        return add_chunk(v);
      }
      if (v.size() == 4 && is(v[0], Type::kNull) && v[1].is_int() && v[2].is_int() &&
          is(v[3], Type::kBlob)) {
        return add_keyframe(v);
      }
      if (v.size() >= 16 && is(v[0], Type::kNull) && is(v[1], Type::kText) && v[2].is_number() &&
          v[3].is_int() && v[4].is_int() && v[5].is_int() && is(v[6], Type::kBlob) &&
          is(v[7], Type::kBlob) && v[8].is_int()) {
        note_session(r);
      }
      return {};
    }
    if (v.size() == 3 && v[0].is_int() && v[1].is_int() && is(v[2], Type::kText)) {
      // A property, or an entry of the index tags_by_frame (session, frame, name): decided per
      // page at the end (finish_properties).
      keyed_texts_.push_back({r.page, v[0].i, v[1].i, std::string(v[2].text())});
      return {};
    }
    if (v.size() == 3 && v[0].is_int() && is(v[1], Type::kText) && v[2].is_int()) {
      tags_.insert({v[0].i, v[2].i, std::string(v[1].text())});  // the tags table's own rows
      return {};
    }
    if (v.size() == 5 && v[0].is_int() && v[1].is_int() && v[2].is_int() && is(v[3], Type::kText) &&
        int_or_null(v[4])) {
      // A copy that knows the despawn frame is newer than one without it.
      return insert(
          "INSERT INTO entities(session_id, entity_id, spawn_frame, class, "
          "despawn_frame) VALUES(?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
          "despawn_frame = coalesce(despawn_frame, excluded.despawn_frame)",
          v);
    }
    if ((v.size() == 6 || v.size() == 7) && v[0].is_int() && v[1].is_int() && v[2].is_int() &&
        is(v[3], Type::kText) && int_or_null(v[4]) && is(v[5], Type::kBlob) &&
        (v.size() == 6 || number_or_null(v[6]))) {
      if (!verified(v[5].bytes, BlobKind::kSessionData)) return {};
      return insert(v.size() == 7 ? "INSERT OR IGNORE INTO events(session_id, frame, seq, name, "
                                    "entity_id, args, time) VALUES(?, ?, ?, ?, ?, ?, ?)"
                                  : "INSERT OR IGNORE INTO events(session_id, frame, seq, name, "
                                    "entity_id, args) VALUES(?, ?, ?, ?, ?, ?)",
                    v);
    }
    return {};
  }

  Status finish() {
    REEL_RETURN_IF_ERROR(finish_properties());
    REEL_RETURN_IF_ERROR(insert_sessions());
    REEL_RETURN_IF_ERROR(rebuild_lost_catalog_rows());
    REEL_RETURN_IF_ERROR(out_.exec(
        "UPDATE sessions SET frame_count = max(frame_count, coalesce((SELECT max(last_frame) + 1 "
        "FROM chunks c WHERE c.session_id = sessions.session_id), 0)), chunk_count = (SELECT "
        "count(*) FROM chunks c WHERE c.session_id = sessions.session_id), keyframe_count = "
        "(SELECT count(*) FROM keyframes k WHERE k.session_id = sessions.session_id)"));
    REEL_ASSIGN_OR_RETURN(Statement * count, out_.prepare("SELECT count(*) FROM sessions"));
    REEL_ASSIGN_OR_RETURN(bool row, count->step());
    result_.sessions = row ? count->column_int64(0) : 0;
    count->reset();
    return {};
  }

 private:
  bool verified(std::span<const uint8_t> blob, BlobKind kind) {
    if (codec_.check(blob, kind).ok()) {
      ++result_.blobs_verified;
      return true;
    }
    ++result_.blobs_rejected;
    return false;
  }

  Status add_chunk(const std::vector<ScannedValue>& v) {
    if (v[2].i < 0 || v[3].i < v[2].i) return {};
    if (!verified(v[6].bytes, BlobKind::kDeltaChunk)) return {};
    return insert(
        "INSERT OR IGNORE INTO chunks(session_id, first_frame, last_frame, first_time, "
        "last_time, data) VALUES(?, ?, ?, ?, ?, ?)",
        std::span(v).subspan(1));
  }

  Status add_keyframe(const std::vector<ScannedValue>& v) {
    if (v[2].i < 0 || !verified(v[3].bytes, BlobKind::kKeyframe)) return {};
    return insert("INSERT OR IGNORE INTO keyframes(session_id, frame, data) VALUES(?, ?, ?)",
                  std::span(v).subspan(1));
  }

  void note_session(const ScannedRecord& r) {
    const auto& v = r.values;
    if (!verified(v[6].bytes, BlobKind::kSessionData) ||
        !verified(v[7].bytes, BlobKind::kSessionData)) {
      return;
    }
    SessionCopy& best = sessions_[r.rowid];
    if (v[8].i <= best.frame_count) return;
    best.frame_count = v[8].i;
    best.values.clear();
    for (const auto& value : v) {
      best.values.push_back(
          OwnedValue{value.type, value.i, value.r, {value.bytes.begin(), value.bytes.end()}});
    }
    best.values[0] = OwnedValue{Type::kInt, r.rowid, 0, {}};
  }

  static Status bind(Statement& st, int index, Type type, int64_t i, double r,
                     std::span<const uint8_t> bytes) {
    switch (type) {
      case Type::kNull:
        return st.bind_null(index);
      case Type::kInt:
        return st.bind(index, i);
      case Type::kReal:
        return st.bind(index, r);
      case Type::kText:
        return st.bind(index,
                       std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      case Type::kBlob:
        return st.bind(index, bytes);
    }
    return {};
  }

  Status insert(std::string_view sql, std::span<const ScannedValue> values) {
    REEL_ASSIGN_OR_RETURN(Statement * st, out_.prepare(sql));
    for (size_t i = 0; i < values.size(); ++i) {
      const ScannedValue& v = values[i];
      REEL_RETURN_IF_ERROR(bind(*st, static_cast<int>(i + 1), v.type, v.i, v.r, v.bytes));
    }
    return st->run();
  }

  Result<std::vector<std::string>> session_columns() {
    REEL_ASSIGN_OR_RETURN(Statement * st, out_.prepare("SELECT name FROM pragma_table_info("
                                                       "'sessions') ORDER BY cid"));
    std::vector<std::string> names;
    for (;;) {
      REEL_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      names.emplace_back(st->column_text(0));
    }
    st->reset();
    return names;
  }

  Status insert_sessions() {
    REEL_ASSIGN_OR_RETURN(const std::vector<std::string> columns, session_columns());
    for (auto& [id, copy] : sessions_) {
      if (copy.values.size() > columns.size()) {
        result_.notes.push_back(fmt::format(
            "session {}: its catalog row has {} columns, more than this build knows ({}); it is "
            "rebuilt from its chunks instead",
            id, copy.values.size(), columns.size()));
        continue;
      }
      std::string names, marks;
      for (size_t i = 0; i < copy.values.size(); ++i) {
        names += (i ? ", " : "") + columns[i];
        marks += i ? ", ?" : "?";
      }
      const std::string sql = fmt::format("INSERT INTO sessions({}) VALUES({})", names, marks);
      const std::string original(copy.values[1].bytes.begin(), copy.values[1].bytes.end());
      Status s = insert_session_copy(sql, copy);
      if (s.code() == StatusCode::kInvalidArgument) {  // the name is taken by another copy
        const std::string renamed = fmt::format("{}.session-{}", original, id);
        copy.values[1].bytes.assign(renamed.begin(), renamed.end());
        result_.notes.push_back(fmt::format(
            "session {}: named '{}' as another session, renamed '{}'", id, original, renamed));
        s = insert_session_copy(sql, copy);
      }
      REEL_RETURN_IF_ERROR(s);
    }
    return {};
  }

  Status insert_session_copy(const std::string& sql, const SessionCopy& copy) {
    REEL_ASSIGN_OR_RETURN(Statement * st, out_.prepare(sql));
    for (size_t i = 0; i < copy.values.size(); ++i) {
      const OwnedValue& v = copy.values[i];
      REEL_RETURN_IF_ERROR(bind(*st, static_cast<int>(i + 1), v.type, v.i, v.r, v.bytes));
    }
    return st->run();
  }

  // Session ids of chunks or keyframes without a catalog row.
  Result<std::vector<int64_t>> orphan_sessions() {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("SELECT session_id FROM chunks UNION SELECT session_id "
                                       "FROM keyframes EXCEPT SELECT session_id FROM sessions"));
    std::vector<int64_t> ids;
    for (;;) {
      REEL_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      ids.push_back(st->column_int64(0));
    }
    st->reset();
    return ids;
  }

  Status rebuild_lost_catalog_rows() {
    REEL_ASSIGN_OR_RETURN(const std::vector<int64_t> ids, orphan_sessions());
    for (int64_t id : ids) REEL_RETURN_IF_ERROR(rebuild_catalog_row(id));
    return {};
  }

  // The keyframe interval: the gcd of the keyframe frame numbers found (each is a multiple of
  // it); nullopt without a keyframe past frame 0.
  Result<std::optional<int64_t>> keyframe_interval(int64_t id) {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("SELECT frame FROM keyframes WHERE session_id = ? AND "
                                       "frame > 0"));
    REEL_RETURN_IF_ERROR(st->bind(1, id));
    int64_t g = 0;
    for (;;) {
      REEL_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      g = std::gcd(g, st->column_int64(0));
    }
    st->reset();
    if (g <= 0 || g > (1 << 20)) return std::optional<int64_t>{};
    return std::optional<int64_t>{g};
  }

  Result<std::optional<std::pair<double, double>>> grid_steps(int64_t id, bool& found) {
    REEL_ASSIGN_OR_RETURN(Statement * st, out_.prepare("SELECT data FROM keyframes WHERE "
                                                       "session_id = ? LIMIT 1"));
    REEL_RETURN_IF_ERROR(st->bind(1, id));
    REEL_ASSIGN_OR_RETURN(bool row, st->step());
    std::optional<std::pair<double, double>> steps;
    found = row;
    if (row && codec_.open(st->column_blob(0), BlobKind::kKeyframe, raw_).ok()) {
      steps = keyframe_grid_steps(raw_);
    }
    st->reset();
    return steps;
  }

  // Frames per second from the chunks' frame times (1 / the mean frame step).
  Result<std::optional<double>> tick_rate(int64_t id, double& last_time) {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("SELECT sum(last_frame - first_frame), sum(last_time - "
                                       "first_time), max(last_time) FROM chunks WHERE "
                                       "session_id = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, id));
    REEL_ASSIGN_OR_RETURN(bool row, st->step());
    std::optional<double> rate;
    last_time = row ? st->column_double(2) : 0;
    if (row && st->column_int64(0) > 0 && st->column_double(1) > 0) {
      const double r = static_cast<double>(st->column_int64(0)) / st->column_double(1);
      if (std::isfinite(r)) rate = std::round(r * 1000) / 1000;
    }
    st->reset();
    return rate;
  }

  Status rebuild_catalog_row(int64_t id) {
    CodecOptions codec;
    std::vector<std::string> guessed;
    REEL_ASSIGN_OR_RETURN(const auto interval, keyframe_interval(id));
    if (interval) {
      codec.keyframe_interval = static_cast<int>(*interval);
    } else {
      guessed.push_back(fmt::format("keyframe interval {} (the default)", codec.keyframe_interval));
    }
    bool has_keyframe = false;
    REEL_ASSIGN_OR_RETURN(const auto steps, grid_steps(id, has_keyframe));
    if (steps) {
      codec.lossy.enabled = true;
      codec.lossy.position_step = steps->first;
      codec.lossy.rotation_step_degrees = steps->second;
    } else if (!has_keyframe) {
      guessed.push_back("lossless (no keyframe survived to tell)");
    }
    if (!codec.validate().ok()) {
      result_.notes.push_back(fmt::format(
          "session {}: its catalog row is lost and its keyframes declare impossible settings; "
          "not rebuilt",
          id));
      return {};
    }
    schema::SessionRow row;
    row.name = fmt::format("salvaged-session-{}", id);
    double last_time = 0;
    REEL_ASSIGN_OR_RETURN(const auto rate, tick_rate(id, last_time));
    if (rate) {
      row.tick_rate = *rate;
    } else {
      guessed.push_back(fmt::format("tick rate {} (the default)", row.tick_rate));
    }
    row.status = format::SessionStatus::kInterrupted;
    row.settings = schema::settings_dictionary(codec, Dictionary{});
    REEL_ASSIGN_OR_RETURN(const int64_t inserted, schema::insert_session(out_, row));
    REEL_ASSIGN_OR_RETURN(Statement * move,
                          out_.prepare("UPDATE sessions SET session_id = ?, last_time = ?, "
                                       "end_reason = ? WHERE session_id = ?"));
    REEL_RETURN_IF_ERROR(move->bind(1, id));
    REEL_RETURN_IF_ERROR(move->bind(2, last_time));
    REEL_RETURN_IF_ERROR(move->bind(3, "rebuilt by reel salvage: the catalog row was lost"));
    REEL_RETURN_IF_ERROR(move->bind(4, inserted));
    REEL_RETURN_IF_ERROR(move->run());
    std::string note = fmt::format(
        "session {}: its catalog row is lost; rebuilt from its chunks as '{}'. Unknown: its name, "
        "start time, metadata, dialect (Godot 4 assumed), ticks (0), frames after its last "
        "surviving chunk",
        id, row.name);
    if (!guessed.empty()) {
      note += "; assumed: ";
      for (size_t i = 0; i < guessed.size(); ++i) note += (i ? ", " : "") + guessed[i];
    }
    result_.notes.push_back(std::move(note));
    return {};
  }

  // Records (session, int, text) are properties or tags_by_frame entries: every cell of a page
  // belongs to one b-tree, so a page most of whose entries equal rows of the tags table is the
  // index (its entries are tags); the other pages hold properties (a property that happens to
  // equal a tag does not make its page an index).
  Status finish_properties() {
    std::map<uint32_t, std::pair<int, int>> per_page;  // page -> (entries equal to a tag, all)
    for (const auto& k : keyed_texts_) {
      auto& [matching, all] = per_page[k.page];
      matching += tags_.contains({k.session, k.number, k.text}) ? 1 : 0;
      ++all;
    }
    std::set<uint32_t> tag_index_pages;
    for (const auto& [page, counts] : per_page) {
      if (2 * counts.first > counts.second) tag_index_pages.insert(page);
    }
    for (const auto& k : keyed_texts_) {
      if (tag_index_pages.contains(k.page)) {
        tags_.insert({k.session, k.number, k.text});
        continue;
      }
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            out_.prepare("INSERT OR IGNORE INTO properties(session_id, "
                                         "property_id, path) VALUES(?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, k.session));
      REEL_RETURN_IF_ERROR(st->bind(2, k.number));
      REEL_RETURN_IF_ERROR(st->bind(3, k.text));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& [session, frame, name] : tags_) {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            out_.prepare("INSERT OR IGNORE INTO tags(session_id, name, frame) "
                                         "VALUES(?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session));
      REEL_RETURN_IF_ERROR(st->bind(2, name));
      REEL_RETURN_IF_ERROR(st->bind(3, frame));
      REEL_RETURN_IF_ERROR(st->run());
    }
    return {};
  }

  struct KeyedText {
    uint32_t page;
    int64_t session, number;
    std::string text;
  };
  std::vector<KeyedText> keyed_texts_;
  std::set<std::tuple<int64_t, int64_t, std::string>> tags_;  // (session, frame, name)

  Store& out_;
  ScanRebuild& result_;
  BlobCodec codec_;
  std::vector<uint8_t> raw_;
  std::map<int64_t, SessionCopy> sessions_;
};

}  // namespace

Result<ScanRebuild> rebuild_from_pages(const std::string& input, Store& out) {
  ScanRebuild result;
  REEL_RETURN_IF_ERROR(out.exec("BEGIN IMMEDIATE"));
  Rebuilder rebuilder(out, result);
  auto stats = scan_pages(input, PageScanOptions{},
                          [&](const ScannedRecord& record) { return rebuilder.on_record(record); });
  Status s = stats.status();
  if (s.ok()) {
    result.stats = *stats;
    s = rebuilder.finish();
  }
  if (!s.ok()) {
    (void)out.exec("ROLLBACK");
    return s;
  }
  REEL_RETURN_IF_ERROR(out.exec("COMMIT"));
  result.notes.push_back(
      "the page scan does not recover gap records (frames the drop policy coalesced)");
  return result;
}

}  // namespace reel::edit
