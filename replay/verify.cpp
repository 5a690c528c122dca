#include "reel/replay/verify.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "reel/blob/blob.h"
#include "reel/codec/frame_codec.h"
#include "reel/store/schema.h"
#include "reel/store/store.h"

namespace reel {
namespace {

bool same_time(double a, double b) {
  return a == b || (a != a && b != b);
}

int64_t file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Walks one session's chunks in frame order, decoding every frame reachable from an intact
// keyframe, and records what does not hold.
class SessionVerifier {
 public:
  SessionVerifier(Store& store, const schema::SessionRow& row, VerifyReport& report,
                  const VerifyOptions& options)
      : store_(store),
        row_(row),
        report_(report),
        quick_(!options.decode_frames),
        observer_(quick_ ? nullptr : options.observer) {
    verdict_.id = row.id;
    verdict_.name = row.name;
    verdict_.frames = row.frame_count;
  }

  Status run() {
    if (!row_.damage.empty()) add("metadata", -1, -1, false, row_.damage);
    // Damaged metadata alone leaves the frames decodable; damaged settings do not.
    schema::SessionRow probe = row_;
    probe.damage.clear();
    auto codec = schema::codec_options_of(probe);
    if (codec.ok()) {
      codec_ = *codec;
      can_decode_ = true;
    } else if (row_.damage.empty()) {
      add("metadata", -1, -1, false, codec.status().message());
    }
    if (!can_decode_) {
      // Without settings no frame can be decoded: every frame is lost, blobs still checked.
      observer_ = nullptr;
      lose_from(0, "the session's settings are unreadable");
    }
    if (!can_decode_) observer_ = nullptr;
    if (observer_) REEL_RETURN_IF_ERROR(observer_->begin_session(row_, codec_));
    check_properties();
    REEL_RETURN_IF_ERROR(load_keyframe_frames());
    REEL_RETURN_IF_ERROR(walk_chunks());
    REEL_RETURN_IF_ERROR(check_catalog_counts());
    REEL_RETURN_IF_ERROR(check_events());
    close_lost(std::max<FrameIndex>(expected_next_, row_.frame_count) - 1);
    if (observer_) REEL_RETURN_IF_ERROR(observer_->end_session(verdict_));
    report_.sessions.push_back(std::move(verdict_));
    return {};
  }

 private:
  void add(std::string what, FrameIndex first, FrameIndex last, bool lost, std::string detail) {
    report_.damage.push_back(Damage{row_.id, row_.name, std::move(what), first, last, lost,
                                    std::move(detail)});
  }

  // Frames from `frame` on cannot be reconstructed until the next intact keyframe.
  void lose_from(FrameIndex frame, const std::string& cause) {
    if (valid_ && observer_) observer_status_ = observer_->lost(frame);
    valid_ = false;
    if (lost_from_ < 0) {
      lost_from_ = frame;
      lost_cause_ = cause;
    }
  }
  // The lost stretch ends at `last` (the frame before an intact keyframe, or the session's end).
  void close_lost(FrameIndex last) {
    if (lost_from_ >= 0 && last >= lost_from_) {
      auto& lost = verdict_.lost;
      if (!lost.empty() && lost.back().last + 1 >= lost_from_) {
        lost.back().last = std::max(lost.back().last, last);
      } else {
        lost.push_back(LostRange{lost_from_, last, lost_cause_});
      }
    }
    lost_from_ = -1;
  }

  void check_properties() {
    std::vector<PropertyId> missing;
    auto paths = schema::load_properties(store_, row_.id, &missing);
    if (!paths.ok()) {
      add("properties", -1, -1, false, paths.status().message());
      return;
    }
    for (PropertyId id : missing) {
      add("properties", -1, -1, false, fmt::format("property row {} is missing", id));
    }
  }

  Status load_keyframe_frames() {
    REEL_ASSIGN_OR_RETURN(
        Statement * st,
        store_.prepare("SELECT frame FROM keyframes WHERE session_id = ? ORDER BY frame"));
    REEL_RETURN_IF_ERROR(st->bind(1, row_.id));
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        st->reset();
        return row.status();
      }
      if (!*row) break;
      keyframe_rows_.insert(st->column_int64(0));
    }
    st->reset();
    return {};
  }

  Status walk_chunks() {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store_.prepare("SELECT first_frame, last_frame, first_time, last_time, "
                                         "data FROM chunks WHERE session_id = ? ORDER BY "
                                         "last_frame"));
    REEL_RETURN_IF_ERROR(st->bind(1, row_.id));
    Status status;
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        status = row.status();
        break;
      }
      if (!*row) break;
      const FrameIndex first = st->column_int64(0), last = st->column_int64(1);
      const double first_time = st->column_double(2), last_time = st->column_double(3);
      status = chunk(first, last, first_time, last_time, st->column_blob(4));
      if (!status.ok()) break;
    }
    st->reset();
    return status;
  }

  std::string chunk_name(FrameIndex first, FrameIndex last) const {
    return fmt::format("chunk frames {}-{}", first, last);
  }

  Status chunk(FrameIndex first, FrameIndex last, double first_time, double last_time,
               std::span<const uint8_t> sealed) {
    ++verdict_.chunks;
    verdict_.stored_bytes += static_cast<int64_t>(sealed.size());
    report_.blob_bytes += static_cast<int64_t>(sealed.size());
    const std::string name = chunk_name(first, last);
    if (last < first) {
      add("catalog", first, last, false, name + ": last frame before first frame");
      return {};
    }
    if (first < expected_next_) {
      add("catalog", first, last, false,
          fmt::format("{}: overlaps frames up to {} held by an earlier chunk", name,
                      expected_next_ - 1));
      return {};
    }
    if (first > expected_next_) {
      const std::string cause = fmt::format("no chunk holds frames {}..{}", expected_next_, first - 1);
      add("catalog", expected_next_, first - 1, true, cause);
      lose_from(expected_next_, cause);
      REEL_RETURN_IF_ERROR(keyframe_after(first - 1));  // an intact keyframe bridges the hole
    }
    expected_next_ = last + 1;
    auto opened = quick_ ? blob_.check(sealed, BlobKind::kDeltaChunk)
                         : blob_.open(sealed, BlobKind::kDeltaChunk, payload_);
    if (!opened.ok()) {
      const std::string cause = name + ": " + opened.status().message();
      add("chunk", first, last, true, cause);
      lose_from(first, cause);
    } else if (quick_) {
      // Checked, not decoded.
    } else if (valid_ && can_decode_) {
      decode_chunk(first, last, first_time, last_time, name);
    } else if (valid_) {
      lose_from(first, "the session's settings are unreadable");
    }
    if (valid_ && observer_) {
      // The decoded times, not the catalog's (which may lie).
      REEL_RETURN_IF_ERROR(
          observer_->chunk(first, last, decoded_first_time_, state_.time, sealed, state_));
    }
    REEL_RETURN_IF_ERROR(take_observer_status());
    return keyframe_after(last);
  }

  Status take_observer_status() {
    Status s = std::move(observer_status_);
    observer_status_ = {};
    return s;
  }

  void decode_chunk(FrameIndex first, FrameIndex last, double first_time, double last_time,
                    const std::string& name) {
    ChunkReader reader(payload_, first, history_, codec_, name);
    Status s = reader.init();
    if (s.ok() && reader.frame_count() != static_cast<uint64_t>(last - first + 1)) {
      s = Status::corruption("{}: payload holds {} frames", name, reader.frame_count());
    }
    FrameIndex f = first;
    for (; s.ok() && f <= last; ++f) {
      s = reader.next(state_, nullptr);
      if (!s.ok()) break;
      ++verdict_.frames_decoded;
      if (f == first) decoded_first_time_ = state_.time;
      if (f == first && !same_time(state_.time, first_time)) {
        add("catalog", f, f, false,
            fmt::format("{}: the catalog says frame {} is at {} s, its payload says {} s", name,
                        f, first_time, state_.time));
      }
      if (f == last && !same_time(state_.time, last_time)) {
        add("catalog", f, f, false,
            fmt::format("{}: the catalog says frame {} is at {} s, its payload says {} s", name,
                        f, last_time, state_.time));
      }
    }
    if (!s.ok()) {
      const std::string cause = s.message();
      add("chunk", f, last, true, cause);
      // The observer loses the whole chunk: its blob cannot be copied in part.
      if (observer_ && valid_) observer_status_ = observer_->lost(first);
      valid_ = false;
      lose_from(f, cause);
    }
  }

  // At the end of a chunk: the keyframe row there (if the interval puts one there) is checked
  // against the state the deltas reached, or restarts the walk after lost frames.
  Status keyframe_after(FrameIndex last) {
    const bool expected = can_decode_ && codec_.is_keyframe(last);
    const bool present = keyframe_rows_.erase(last) > 0;
    if (!present) {
      if (expected) {
        add("keyframe", last, last, false, fmt::format("keyframe row at frame {} is missing", last));
        if (valid_ && observer_) return observer_->keyframe(last, state_, false);
      }
      return {};
    }
    ++verdict_.keyframes;
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store_.prepare("SELECT data FROM keyframes WHERE session_id = ? AND "
                                         "frame = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, row_.id));
    REEL_RETURN_IF_ERROR(st->bind(2, last));
    auto row = st->step();
    if (!row.ok()) {
      st->reset();
      return row.status();
    }
    Status s;
    if (*row) {
      auto sealed = st->column_blob(0);
      verdict_.stored_bytes += static_cast<int64_t>(sealed.size());
      report_.blob_bytes += static_cast<int64_t>(sealed.size());
      auto opened = quick_ ? blob_.check(sealed, BlobKind::kKeyframe)
                           : blob_.open(sealed, BlobKind::kKeyframe, payload_);
      s = opened.status();
    }
    st->reset();
    const std::string name = fmt::format("keyframe frame {}", last);
    if (s.ok() && can_decode_ && !quick_) {
      s = decode_keyframe(payload_, keyframe_state_, "session " + std::to_string(row_.id),
                          codec_.type_ids);
      if (s.ok() && keyframe_state_.frame != last) {
        s = Status::corruption("{}: payload holds frame {}", name, keyframe_state_.frame);
      }
    }
    if (!s.ok()) {
      add("keyframe", last, last, false,
          fmt::format("{}: {}{}", name, s.message(),
                      valid_ ? " (its frames are read from an earlier keyframe)" : ""));
      if (valid_ && observer_ && expected) return observer_->keyframe(last, state_, false);
      return {};
    }
    if (!can_decode_) return {};
    if (quick_) {
      if (!valid_ && expected) {
        valid_ = true;
        close_lost(last - 1);
      }
      return {};
    }
    if (valid_) {
      if (!(keyframe_state_ == state_)) {
        add("keyframe", last, last, false,
            fmt::format("{}: differs from the state the deltas reach", name));
      }
      if (observer_ && expected) return observer_->keyframe(last, state_, false);
    } else if (expected) {
      std::swap(state_, keyframe_state_);
      history_.clear();
      valid_ = true;
      ++verdict_.frames_decoded;  // reconstructed from its keyframe
      close_lost(last - 1);
      if (observer_) return observer_->keyframe(last, state_, true);
    }
    return {};
  }

  Status check_catalog_counts() {
    if (expected_next_ < row_.frame_count) {
      const std::string cause =
          fmt::format("the catalog says {} frames, the chunks hold {}", row_.frame_count,
                      expected_next_);
      add("catalog", expected_next_, row_.frame_count - 1, true, cause);
      lose_from(expected_next_, cause);
      REEL_RETURN_IF_ERROR(take_observer_status());
    } else if (expected_next_ > row_.frame_count) {
      add("catalog", row_.frame_count, expected_next_ - 1, false,
          fmt::format("the catalog says {} frames, the chunks hold {}", row_.frame_count,
                      expected_next_));
    }
    if (verdict_.chunks != row_.chunk_count) {
      add("catalog", -1, -1, false,
          fmt::format("the catalog says {} chunks, there are {}", row_.chunk_count,
                      verdict_.chunks));
    }
    const int64_t keyframe_rows = verdict_.keyframes + static_cast<int64_t>(keyframe_rows_.size());
    if (keyframe_rows != row_.keyframe_count) {
      add("catalog", -1, -1, false,
          fmt::format("the catalog says {} keyframes, there are {}", row_.keyframe_count,
                      keyframe_rows));
    }
    for (FrameIndex k : keyframe_rows_) {
      add("catalog", k, k, false, fmt::format("keyframe row at frame {} where no chunk ends", k));
    }
    const bool decoded_to_end = !quick_ && valid_ && state_.frame == row_.frame_count - 1 &&
                                row_.frame_count > 0;
    if (decoded_to_end && !same_time(state_.time, row_.last_time)) {
      add("catalog", -1, -1, false,
          fmt::format("the catalog's last time is {} s, the last frame's is {} s", row_.last_time,
                      state_.time));
    }
    if (decoded_to_end && state_.tick != row_.last_tick) {
      add("catalog", -1, -1, false,
          fmt::format("the catalog's last tick is {}, the last frame's is {}", row_.last_tick,
                      state_.tick));
    }
    return {};
  }

  Status check_events() {
    REEL_ASSIGN_OR_RETURN(Statement * st, store_.prepare("SELECT frame, seq, args FROM events "
                                                         "WHERE session_id = ? ORDER BY frame, "
                                                         "seq"));
    REEL_RETURN_IF_ERROR(st->bind(1, row_.id));
    Status status;
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        status = row.status();
        break;
      }
      if (!*row) break;
      ++verdict_.events;
      const FrameIndex frame = st->column_int64(0);
      const int64_t seq = st->column_int64(1);
      auto sealed = st->column_blob(2);
      verdict_.stored_bytes += static_cast<int64_t>(sealed.size());
      report_.blob_bytes += static_cast<int64_t>(sealed.size());
      auto args = schema::open_variant(sealed, fmt::format("event frame {} seq {}", frame, seq),
                                       row_.type_ids);
      if (!args.ok()) add("events", frame, frame, false, args.status().message());
      if (frame < 0 || frame >= std::max(row_.frame_count, expected_next_)) {
        add("events", frame, frame, false,
            fmt::format("event frame {} seq {} lies outside the session's frames", frame, seq));
      }
    }
    st->reset();
    return status;
  }

  Store& store_;
  const schema::SessionRow& row_;
  VerifyReport& report_;
  bool quick_;
  VerifyObserver* observer_;
  Status observer_status_;  // a failure of observer_->lost(), returned at the next chance
  SessionVerdict verdict_;
  CodecOptions codec_;
  bool can_decode_ = false;
  BlobCodec blob_;
  RawBytes payload_;
  WorldState state_, keyframe_state_;
  DeltaHistory history_;
  // The state is the exact state of frame expected_next_ - 1 (from frame 0 on: the empty state).
  bool valid_ = true;
  FrameIndex expected_next_ = 0;
  double decoded_first_time_ = 0;  // the time of the decoded chunk's first frame
  FrameIndex lost_from_ = -1;
  std::string lost_cause_;
  std::set<FrameIndex> keyframe_rows_;  // not yet matched with a chunk end
};

void check_sqlite(Store& store, const VerifyOptions& options, VerifyReport& report) {
  auto st = store.prepare("PRAGMA integrity_check");
  if (!st.ok()) {
    report.damage.push_back(Damage{0, "", "sqlite", -1, -1, false, st.status().message()});
    return;
  }
  int listed = 0;
  for (;;) {
    auto row = (*st)->step();
    if (!row.ok()) {
      report.damage.push_back(Damage{0, "", "sqlite", -1, -1, false, row.status().message()});
      break;
    }
    if (!*row) break;
    std::string message((*st)->column_text(0));
    if (message == "ok") continue;
    if (listed++ < options.max_sqlite_messages) {
      report.damage.push_back(Damage{0, "", "sqlite", -1, -1, false, std::move(message)});
    }
  }
  (*st)->reset();
}

}  // namespace

Result<VerifyReport> verify_database(const std::string& path, std::string_view session_key,
                                     const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  report.path = path;
  report.file_bytes = file_size(path);
  StoreOptions store_options = options.store;
  store_options.read_only = true;
  store_options.create = false;
  auto opened = Store::open(path, store_options);
  if (!opened.ok() && opened.status().code() == StatusCode::kCorruption) {
    // SQLite refuses the file itself (a damaged header page, a truncated file): all is lost to
    // readers, which is the report.
    report.damage.push_back(Damage{0, "", "sqlite", -1, -1, false,
                                   "the file cannot be opened: " + opened.status().message()});
    return report;
  }
  if (!opened.ok()) return opened.status();
  auto store = std::move(*opened);
  if (options.sqlite_check) check_sqlite(*store, options, report);
  auto version = schema::check_schema(*store);
  if (!version.ok()) {
    if (version.status().code() != StatusCode::kCorruption &&
        version.status().code() != StatusCode::kUnsupported && report.damage.empty()) {
      return version.status();  // not a Reel database at all: bad input, not damage
    }
    report.damage.push_back(Damage{0, "", "schema", -1, -1, false, version.status().message()});
    return report;
  }
  auto sessions = schema::list_sessions(*store);
  if (!sessions.ok()) {
    report.damage.push_back(Damage{0, "", "catalog", -1, -1, false,
                                   "the session catalog is unreadable: " +
                                       sessions.status().message()});
    return report;
  }
  bool found = session_key.empty();
  for (const auto& row : *sessions) {
    if (!session_key.empty() && row.name != session_key &&
        std::to_string(row.id) != session_key) {
      continue;
    }
    found = true;
    SessionVerifier verifier(*store, row, report, options);
    Status s = verifier.run();
    if (!s.ok()) {
      // SQLite could not read the session's rows: the b-trees themselves are damaged.
      report.damage.push_back(Damage{row.id, row.name, "sqlite", -1, -1, false, s.message()});
    }
  }
  if (!found) return Status::not_found("{}: no session named '{}'", path, session_key);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace reel
