// The b-tree walk of `reel salvage` (salvage.h): a VerifyObserver that copies what the verify
// walk proves intact into the output database.
#include <algorithm>
#include <cstdio>

#include "salvage_internal.h"

#include "reel/blob/blob.h"
#include "reel/codec/frame_codec.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"
#include "reel/store/tags.h"

namespace reel::edit {
namespace {

// Builds the output database from what the verify walk proves intact (salvage.h). After the first
// failure every call returns it again, so the walk stops.
class SalvageWriter : public VerifyObserver {
 public:
  SalvageWriter(Store& in, int64_t format_version, Store& out, SalvageReport& report)
      : in_(in), format_version_(format_version), out_(out), report_(report) {
    auto has_tags = schema::has_tags_table(in_);
    has_tags_ = has_tags.ok() && *has_tags;
  }

  // The first failure of a write (the walk records read errors as damage and goes on; a write
  // error must stop the salvage).
  const Status& failure() const { return failure_; }

  // A run the walk left open (it stopped reading the session, e.g. on a malformed b-tree, before
  // ending it): its rows are rolled back so that the copy holds only whole, consistent runs; the
  // session's loss is then reported like any session with nothing copied. Call before COMMIT.
  Status abandon_open_run() {
    if (!run_open_) return {};
    run_open_ = false;
    report_.runs.pop_back();
    REEL_RETURN_IF_ERROR(out_.exec("ROLLBACK TO salvage_run"));
    REEL_RETURN_IF_ERROR(out_.exec("RELEASE salvage_run"));
    // Every frame of the session outside its closed runs is lost, the rolled-back ones included.
    const FrameIndex frames = std::max<FrameIndex>(row_.frame_count, last_frame_ + 1);
    FrameIndex next = 0;
    for (const auto& [first, last] : copied_) {
      if (first > next) add_abandoned(next, first - 1);
      next = std::max(next, last + 1);
    }
    if (next < frames) add_abandoned(next, frames - 1);
    return {};
  }

  Status begin_session(const schema::SessionRow& row, const CodecOptions& codec) override {
    return keep(start_session(row, codec));
  }
  Status chunk(FrameIndex first, FrameIndex last, double first_time, double last_time,
               std::span<const uint8_t> sealed, const WorldState& after) override {
    return keep(write_chunk(first, last, first_time, last_time, sealed, after));
  }
  Status keyframe(FrameIndex frame, const WorldState& state, bool resumed) override {
    return keep(reach_keyframe(frame, state, resumed));
  }
  Status lost(FrameIndex) override { return keep(close_run()); }
  Status end_session(const SessionVerdict& verdict) override {
    return keep(finish_session(verdict));
  }

 private:
  Status keep(Status s) {
    if (!failure_.ok()) return failure_;
    if (!s.ok()) failure_ = s;
    return s;
  }

  Status start_session(const schema::SessionRow& row, const CodecOptions& codec) {
    REEL_RETURN_IF_ERROR(abandon_open_run());
    row_ = row;
    codec_ = codec;
    runs_in_session_ = 0;
    copied_.clear();
    skip_session_ = row.type_ids != TypeIds::kGodot;
    if (skip_session_) {
      report_.lost_sessions.push_back(fmt::format(
          "session {} '{}': written by format version 1-2 (old type ids); salvage copies only "
          "current sessions",
          row.id, row.name));
      return {};
    }
    std::vector<PropertyId> missing;
    auto paths = schema::load_properties(in_, row.id, &missing);
    paths_ = paths.ok() ? std::move(*paths) : std::vector<std::string>{};
    return {};
  }

  Status write_chunk(FrameIndex first, FrameIndex last, double first_time, double last_time,
                     std::span<const uint8_t> sealed, const WorldState& after) {
    if (skip_session_) return {};
    if (!run_open_) REEL_RETURN_IF_ERROR(open_run(first, 0));
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("INSERT INTO chunks(session_id, first_frame, last_frame, "
                                       "first_time, last_time, data) VALUES(?, ?, ?, ?, ?, ?)"));
    REEL_RETURN_IF_ERROR(st->bind(1, run_id_));
    REEL_RETURN_IF_ERROR(st->bind(2, first - shift_));
    REEL_RETURN_IF_ERROR(st->bind(3, last - shift_));
    REEL_RETURN_IF_ERROR(st->bind(4, first_time));
    REEL_RETURN_IF_ERROR(st->bind(5, last_time));
    REEL_RETURN_IF_ERROR(st->bind(6, sealed));
    REEL_RETURN_IF_ERROR(st->run());
    ++chunks_;
    stored_bytes_ += static_cast<int64_t>(sealed.size());
    note_frame(last, after);
    return {};
  }

  Status reach_keyframe(FrameIndex frame, const WorldState& state, bool resumed) {
    if (skip_session_) return {};
    if (resumed) {
      REEL_RETURN_IF_ERROR(close_run());
      REEL_RETURN_IF_ERROR(open_run(frame, frame));
      return write_opening(state);
    }
    if (!run_open_) return {};
    shifted_ = state;
    shift_state(shifted_);
    return write_keyframe(shifted_);
  }

  Status finish_session(const SessionVerdict& verdict) {
    REEL_RETURN_IF_ERROR(close_run());
    if (skip_session_) return {};
    // What was not copied: every frame of the session outside the runs.
    FrameIndex next = 0;
    const FrameIndex frames = std::max<FrameIndex>(verdict.frames, 0);
    for (const auto& [first, last] : copied_) {
      if (first > next) add_lost(next, first - 1, verdict);
      next = std::max(next, last + 1);
    }
    if (next < frames) add_lost(next, frames - 1, verdict);
    return {};
  }

  void add_lost(FrameIndex first, FrameIndex last, const SessionVerdict& verdict) {
    std::string cause = "not reachable from an intact keyframe";
    for (const auto& l : verdict.lost) {
      if (l.first <= last && l.last >= first) {
        cause = l.cause;
        break;
      }
    }
    report_.lost.push_back(LostRange{first, last, cause});
    report_.lost_range_sessions.push_back(row_.id);
  }

  void add_abandoned(FrameIndex first, FrameIndex last) {
    report_.lost.push_back(LostRange{
        first, last,
        "the session's rows could not be read to its end (a damaged SQLite page); the frames "
        "read so far were rolled back"});
    report_.lost_range_sessions.push_back(row_.id);
  }

  void note_frame(FrameIndex frame, const WorldState& state) {
    last_frame_ = frame;
    last_tick_ = state.tick;
    last_time_ = state.time;
  }

  // Entities spawned before the run's first frame count as spawned at its frame 0.
  void shift_state(WorldState& state) const {
    state.frame -= shift_;
    for (auto& [id, entity] : state.entities) {
      entity.spawn_frame = std::max<FrameIndex>(0, entity.spawn_frame - shift_);
    }
  }

  Status open_run(FrameIndex first, FrameIndex shift) {
    schema::SessionRow row = row_;
    row.name = runs_in_session_ == 0 && shift == 0 ? row_.name
                                                   : fmt::format("{}.from-{}", row_.name, first);
    // Each run is a savepoint: one the walk never closes is rolled back (abandon_open_run).
    REEL_RETURN_IF_ERROR(out_.exec("SAVEPOINT salvage_run"));
    REEL_ASSIGN_OR_RETURN(run_id_, schema::insert_session(out_, row));
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("INSERT INTO properties(session_id, property_id, path) "
                                       "VALUES(?, ?, ?)"));
    for (size_t i = 0; i < paths_.size(); ++i) {
      REEL_RETURN_IF_ERROR(st->bind(1, run_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, static_cast<int64_t>(i)));
      REEL_RETURN_IF_ERROR(st->bind(3, paths_[i]));
      REEL_RETURN_IF_ERROR(st->run());
      st->reset();
    }
    run_open_ = true;
    ++runs_in_session_;
    run_first_ = first;
    shift_ = shift;
    chunks_ = keyframes_ = stored_bytes_ = 0;
    last_frame_ = first - 1;
    report_.runs.push_back(SalvagedRun{row_.id, row_.name, row.name, first, first - 1});
    return {};
  }

  // Frame 0 of a resumed run: the keyframe's full state as one frame of spawns and changes.
  Status write_opening(const WorldState& state) {
    ChunkWriter writer(codec_);
    Frame frame;
    frame.index = 0;
    frame.tick = state.tick;
    frame.time = state.time;
    std::vector<EntityId> ids;
    for (const auto& [id, entity] : state.entities) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (EntityId id : ids) {
      const EntityState& entity = state.entities.at(id);
      frame.spawns.push_back({id, entity.class_name});
      for (const auto& [property, value] : entity.properties) {
        frame.changes.push_back({id, property, value});
      }
    }
    (void)writer.add_frame(frame);  // frame 0: always a keyframe
    ChunkPayload payload = writer.take_chunk();
    std::vector<uint8_t> sealed;
    REEL_RETURN_IF_ERROR(codec_blob_.seal(
        BlobKind::kDeltaChunk, payload.bytes,
        SealOptions{.zstd_level = codec_.zstd_level, .block_ends = payload.section_ends}, sealed));
    REEL_RETURN_IF_ERROR(write_chunk(shift_, shift_, state.time, state.time, sealed, state));
    WorldState opening = writer.state();
    return write_keyframe(opening);
  }

  // `state` is in the run's numbering.
  Status write_keyframe(const WorldState& state) {
    encode_keyframe(state, raw_, codec_.lossy.enabled ? codec_.lossy : QuantizeOptions{});
    REEL_RETURN_IF_ERROR(codec_blob_.seal(BlobKind::kKeyframe, raw_,
                                          SealOptions{.zstd_level = codec_.zstd_level}, sealed_));
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          out_.prepare("INSERT INTO keyframes(session_id, frame, data) VALUES(?, "
                                       "?, ?)"));
    REEL_RETURN_IF_ERROR(st->bind(1, run_id_));
    REEL_RETURN_IF_ERROR(st->bind(2, state.frame));
    REEL_RETURN_IF_ERROR(st->bind(3, std::span<const uint8_t>(sealed_)));
    REEL_RETURN_IF_ERROR(st->run());
    ++keyframes_;
    stored_bytes_ += static_cast<int64_t>(sealed_.size());
    return {};
  }

  Status close_run() {
    if (!run_open_) return {};
    run_open_ = false;
    // A closed run's rows stay: its savepoint is released into the salvage's transaction.
    const FrameIndex first = run_first_, last = last_frame_;
    report_.runs.back().last = last;
    if (last < first) return out_.exec("RELEASE salvage_run");
    copied_.emplace_back(first, last);
    report_.frames_copied += last - first + 1;
    REEL_ASSIGN_OR_RETURN(
        Statement * st,
        out_.prepare("UPDATE sessions SET frame_count = ?, keyframe_count = ?, chunk_count = ?, "
                     "last_tick = ?, last_time = ?, stored_bytes = ?, dropped_frames = ?, "
                     "first_tick = ? WHERE session_id = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, last - first + 1));
    REEL_RETURN_IF_ERROR(st->bind(2, keyframes_));
    REEL_RETURN_IF_ERROR(st->bind(3, chunks_));
    REEL_RETURN_IF_ERROR(st->bind(4, last_tick_));
    REEL_RETURN_IF_ERROR(st->bind(5, last_time_));
    REEL_RETURN_IF_ERROR(st->bind(6, stored_bytes_));
    REEL_RETURN_IF_ERROR(st->bind(7, shift_ == 0 ? row_.dropped_frames : int64_t{0}));
    REEL_RETURN_IF_ERROR(st->bind(8, shift_ == 0 ? row_.first_tick : int64_t{0}));
    REEL_RETURN_IF_ERROR(st->bind(9, run_id_));
    REEL_RETURN_IF_ERROR(st->run());
    REEL_RETURN_IF_ERROR(copy_entities(first, last));
    REEL_RETURN_IF_ERROR(copy_events(first, last));
    REEL_RETURN_IF_ERROR(copy_gaps(first, last));
    REEL_RETURN_IF_ERROR(copy_tags(first, last));
    return out_.exec("RELEASE salvage_run");
  }

  Status copy_entities(FrameIndex first, FrameIndex last) {
    REEL_ASSIGN_OR_RETURN(
        Statement * in,
        in_.prepare("SELECT entity_id, spawn_frame, class, despawn_frame FROM entities WHERE "
                    "session_id = ? AND spawn_frame <= ? AND (despawn_frame IS NULL OR "
                    "despawn_frame > ?)"));
    REEL_ASSIGN_OR_RETURN(Statement * out,
                          out_.prepare("INSERT OR IGNORE INTO entities(session_id, entity_id, "
                                       "spawn_frame, class, despawn_frame) VALUES(?, ?, ?, ?, ?)"));
    REEL_RETURN_IF_ERROR(in->bind(1, row_.id));
    REEL_RETURN_IF_ERROR(in->bind(2, last));
    REEL_RETURN_IF_ERROR(in->bind(3, first));
    return copy_rows(*in, [&](Statement& row) -> Status {
      REEL_RETURN_IF_ERROR(out->bind(1, run_id_));
      REEL_RETURN_IF_ERROR(out->bind(2, row.column_int64(0)));
      REEL_RETURN_IF_ERROR(out->bind(3, std::max<FrameIndex>(0, row.column_int64(1) - shift_)));
      REEL_RETURN_IF_ERROR(out->bind(4, row.column_text(2)));
      if (row.column_is_null(3) || row.column_int64(3) > last) {
        REEL_RETURN_IF_ERROR(out->bind_null(5));
      } else {
        REEL_RETURN_IF_ERROR(out->bind(5, row.column_int64(3) - shift_));
      }
      Status s = out->run();
      out->reset();
      return s;
    });
  }

  Status copy_events(FrameIndex first, FrameIndex last) {
    REEL_ASSIGN_OR_RETURN(
        Statement * in,
        in_.prepare(fmt::format("SELECT frame, seq, name, entity_id, args, {} FROM events WHERE "
                                "session_id = ? AND frame BETWEEN ? AND ?",
                                format_version_ >= 2 ? "time" : "NULL")));
    REEL_ASSIGN_OR_RETURN(Statement * out,
                          out_.prepare("INSERT INTO events(session_id, frame, seq, name, "
                                       "entity_id, args, time) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    REEL_RETURN_IF_ERROR(in->bind(1, row_.id));
    REEL_RETURN_IF_ERROR(in->bind(2, first));
    REEL_RETURN_IF_ERROR(in->bind(3, last));
    return copy_rows(*in, [&](Statement& row) -> Status {
      auto args = schema::open_variant(row.column_blob(4), "event", row_.type_ids);
      if (!args.ok()) {
        ++report_.events_dropped;
        return {};
      }
      REEL_RETURN_IF_ERROR(out->bind(1, run_id_));
      REEL_RETURN_IF_ERROR(out->bind(2, row.column_int64(0) - shift_));
      REEL_RETURN_IF_ERROR(out->bind(3, row.column_int64(1)));
      REEL_RETURN_IF_ERROR(out->bind(4, row.column_text(2)));
      REEL_RETURN_IF_ERROR(row.column_is_null(3) ? out->bind_null(5)
                                                 : out->bind(5, row.column_int64(3)));
      REEL_RETURN_IF_ERROR(out->bind(6, row.column_blob(4)));
      REEL_RETURN_IF_ERROR(row.column_is_null(5) ? out->bind_null(7)
                                                 : out->bind(7, row.column_double(5)));
      Status s = out->run();
      out->reset();
      return s;
    });
  }

  Status copy_gaps(FrameIndex first, FrameIndex last) {
    REEL_ASSIGN_OR_RETURN(Statement * in,
                          in_.prepare("SELECT frame, coalesced FROM gaps WHERE session_id = ? AND "
                                      "frame BETWEEN ? AND ?"));
    REEL_ASSIGN_OR_RETURN(Statement * out,
                          out_.prepare("INSERT INTO gaps(session_id, frame, coalesced) VALUES(?, "
                                       "?, ?)"));
    REEL_RETURN_IF_ERROR(in->bind(1, row_.id));
    REEL_RETURN_IF_ERROR(in->bind(2, first));
    REEL_RETURN_IF_ERROR(in->bind(3, last));
    return copy_rows(*in, [&](Statement& row) -> Status {
      REEL_RETURN_IF_ERROR(out->bind(1, run_id_));
      REEL_RETURN_IF_ERROR(out->bind(2, row.column_int64(0) - shift_));
      REEL_RETURN_IF_ERROR(out->bind(3, row.column_int64(1)));
      Status s = out->run();
      out->reset();
      return s;
    });
  }

  // Tags of the run's frames, renumbered like them (files of format versions 1-3 have none).
  Status copy_tags(FrameIndex first, FrameIndex last) {
    if (!has_tags_) return {};
    REEL_ASSIGN_OR_RETURN(Statement * in,
                          in_.prepare("SELECT name, frame FROM tags WHERE session_id = ? AND "
                                      "frame BETWEEN ? AND ?"));
    REEL_ASSIGN_OR_RETURN(Statement * out,
                          out_.prepare("INSERT OR IGNORE INTO tags(session_id, name, frame) "
                                       "VALUES(?, ?, ?)"));
    REEL_RETURN_IF_ERROR(in->bind(1, row_.id));
    REEL_RETURN_IF_ERROR(in->bind(2, first));
    REEL_RETURN_IF_ERROR(in->bind(3, last));
    return copy_rows(*in, [&](Statement& row) -> Status {
      REEL_RETURN_IF_ERROR(out->bind(1, run_id_));
      REEL_RETURN_IF_ERROR(out->bind(2, row.column_text(0)));
      REEL_RETURN_IF_ERROR(out->bind(3, row.column_int64(1) - shift_));
      Status s = out->run();
      out->reset();
      return s;
    });
  }

  // Steps `in` to the end, calling `fn` per row. A read error (a damaged page) ends the copy of
  // those rows without failing the salvage.
  template <class Fn>
  Status copy_rows(Statement& in, Fn fn) {
    Status status;
    for (;;) {
      auto row = in.step();
      if (!row.ok() || !*row) break;
      status = fn(in);
      if (!status.ok()) break;
    }
    in.reset();
    return status;
  }

  Store& in_;
  bool has_tags_ = false;  // the input has the tags table (format version 4)
  int64_t format_version_;
  Store& out_;
  SalvageReport& report_;
  schema::SessionRow row_;
  CodecOptions codec_;
  std::vector<std::string> paths_;
  bool skip_session_ = false;
  int runs_in_session_ = 0;
  std::vector<std::pair<FrameIndex, FrameIndex>> copied_;  // source frames of this session's runs

  bool run_open_ = false;
  int64_t run_id_ = 0;
  FrameIndex run_first_ = 0, shift_ = 0, last_frame_ = -1;
  int64_t chunks_ = 0, keyframes_ = 0, stored_bytes_ = 0, last_tick_ = 0;
  double last_time_ = 0;

  Status failure_;
  BlobCodec codec_blob_;
  WorldState shifted_;
  std::vector<uint8_t> raw_, sealed_;
};

}  // namespace

Status salvage_walk(const std::string& input, const std::string& output, SalvageReport& report) {
  StoreOptions in_options;
  in_options.read_only = true;
  in_options.create = false;
  REEL_ASSIGN_OR_RETURN(auto in, Store::open(input, in_options));
  auto version = schema::check_schema(*in);
  const int64_t format_version = version.ok() ? *version : format::kFormatVersion;
  {
    REEL_ASSIGN_OR_RETURN(auto out, Store::open(output, StoreOptions{}));
    REEL_RETURN_IF_ERROR(schema::ensure_schema(*out));
    REEL_RETURN_IF_ERROR(out->exec("BEGIN IMMEDIATE"));
    SalvageWriter writer(*in, format_version, *out, report);
    VerifyOptions options;
    options.observer = &writer;
    auto verified = verify_database(input, {}, options);
    Status failed = verified.status();
    if (failed.ok()) failed = writer.abandon_open_run();
    if (failed.ok()) failed = writer.failure().with_context(output);
    if (!failed.ok()) {
      (void)out->exec("ROLLBACK");
      return failed;
    }
    report.damage = std::move(*verified);
    REEL_RETURN_IF_ERROR(out->exec("COMMIT"));
  }  // closing the last connection checkpoints the WAL into the file
  // Sessions the walk could not decode at all (their settings are unreadable).
  for (const auto& verdict : report.damage.sessions) {
    const bool copied = std::any_of(report.runs.begin(), report.runs.end(), [&](const auto& run) {
      return run.source_session == verdict.id;
    });
    const bool listed =
        std::any_of(report.lost_range_sessions.begin(), report.lost_range_sessions.end(),
                    [&](int64_t id) { return id == verdict.id; }) ||
        std::any_of(report.lost_sessions.begin(), report.lost_sessions.end(),
                    [&](const std::string& s) {
                      return s.rfind(fmt::format("session {} ", verdict.id), 0) == 0;
                    });
    if (!copied && !listed) {
      report.lost_sessions.push_back(
          fmt::format("session {} '{}': no frame can be reconstructed", verdict.id, verdict.name));
    }
  }
  return {};
}

}  // namespace reel::edit
