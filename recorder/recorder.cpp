#include "reel/recorder/recorder.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "reel/blob/blob.h"
#include "reel/store/liveness.h"
#include "reel/store/schema.h"

namespace reel {
namespace {

using Clock = std::chrono::steady_clock;

// One frame in flight from the game thread to the writer, with the property paths first interned
// during it (the writer inserts them before the frame's chunk).
struct QueuedFrame {
  Frame frame;
  std::vector<std::pair<PropertyId, std::string>> new_properties;
};

// Everything written by one commit. The transaction body replays it from here, so a BUSY retry
// (mvsqlite) re-inserts exactly the same rows: nothing lost, nothing duplicated.
struct Batch {
  struct Chunk {
    ChunkPayload meta;  // bytes cleared; sealed below
    std::vector<uint8_t> sealed;
  };
  struct Keyframe {
    FrameIndex frame;
    std::vector<uint8_t> sealed;
  };
  struct EventRow {
    FrameIndex frame;
    int64_t seq;
    std::string name;
    EntityId entity;
    std::vector<uint8_t> sealed_args;
    double time;  // the frame's
  };
  struct EntityRow {
    EntityId entity;
    FrameIndex spawn_frame;
    std::string class_name;
  };
  struct Despawn {
    EntityId entity;
    FrameIndex frame;
  };
  std::vector<std::pair<PropertyId, std::string>> properties;
  std::vector<Chunk> chunks;
  std::vector<Keyframe> keyframes;
  std::vector<EventRow> events;
  std::vector<EntityRow> spawns;
  std::vector<Despawn> despawns;
  std::vector<std::pair<FrameIndex, int32_t>> gaps;
  FrameIndex last_frame = -1;
  int64_t last_tick = 0;
  double last_time = 0;
  int64_t frames = 0, stored_bytes = 0, dropped = 0;
  int64_t handed_over = 0;  // frames the game had handed over when the commit began

  bool empty() const { return frames == 0 && properties.empty(); }
  size_t bytes() const {
    size_t n = 0;
    for (const auto& c : chunks) n += c.sealed.size();
    for (const auto& k : keyframes) n += k.sealed.size();
    return n;
  }
};

// A batch that cannot be committed (disk full, read-only) is kept and retried at the next commit
// opportunity; past this size the recorder stops accepting frames rather than grow without bound.
constexpr size_t kMaxUncommittedBytes = 256u << 20;

}  // namespace

Status RecorderOptions::validate() const {
  REEL_RETURN_IF_ERROR(store.validate());
  REEL_RETURN_IF_ERROR(codec.validate());
  if (commit_interval.count() < 0) {
    return Status::invalid_argument("commit interval must be >= 0 ms, got {}",
                                    commit_interval.count());
  }
  if (max_frames_per_chunk < 1 || max_frames_per_chunk > 4096) {
    return Status::invalid_argument("max frames per chunk must be 1..4096, got {}",
                                    max_frames_per_chunk);
  }
  if (queue_frames < 1 || queue_frames > 1'000'000) {
    return Status::invalid_argument("queue must hold 1..1000000 frames, got {}", queue_frames);
  }
  if (heartbeat_interval.count() < 1) {
    return Status::invalid_argument("heartbeat interval must be >= 1 ms, got {}",
                                    heartbeat_interval.count());
  }
  return {};
}

class Recorder::Impl {
 public:
  Impl(std::unique_ptr<Store> store, int64_t session_id, std::string owner_token,
       const RecorderOptions& options, ResumePoint* resume = nullptr)
      : options_(options),
        store_(std::move(store)),
        session_id_(session_id),
        owner_token_(std::move(owner_token)),
        writer_(options.codec) {
    if (resume) continue_from(*resume);
    current_ = acquire();
    thread_ = std::thread([this] { writer_loop(); });
  }

  ~Impl() { (void)close({}); }

  int64_t session_id() const { return session_id_; }

  // ---- game thread --------------------------------------------------------------------------
  PropertyId intern(std::string_view path) {
    auto it = property_ids_.find(std::string(path));
    if (it != property_ids_.end()) return it->second;
    const auto id = static_cast<PropertyId>(property_ids_.size());
    property_ids_.emplace(std::string(path), id);
    current_->new_properties.emplace_back(id, std::string(path));
    return id;
  }

  void begin_frame(int64_t tick, double time) {
    Frame& f = current_->frame;
    if (carrying_) {
      carrying_ = false;  // the frame dropped last time continues in this one
    } else {
      f.clear();
      f.index = next_index_;
    }
    f.tick = tick;
    f.time = time;
  }

  template <class V>
  void set(EntityId e, PropertyId p, V&& v) {
    if (current_->frame.coalesced > 0) [[unlikely]]
      settle_conflict(e);
    // In place, one copy or move of the value (no parenthesized aggregate init: clang 14).
    PropertyChange& c = current_->frame.changes.emplace_back();
    c.entity = e;
    c.property = p;
    c.value = std::forward<V>(v);
  }
  void spawn(EntityId e, std::string_view cls) {
    if (current_->frame.coalesced > 0) settle_conflict(e);
    current_->frame.spawns.push_back(Spawn{e, std::string(cls)});
  }
  void despawn(EntityId e) { current_->frame.despawns.push_back(e); }
  void event(std::string_view name, Variant args, EntityId e) {
    current_->frame.events.push_back(Event{std::string(name), e, std::move(args)});
  }

  Status end_frame() {
    ++submitted_;
    std::unique_lock lock(mu_);
    if (queue_.size() >= static_cast<size_t>(options_.queue_frames)) {
      if (options_.backpressure == BackpressurePolicy::kDrop) {
        // Fold this frame into the next one: final values, spawns, despawns and events survive;
        // only the intermediate values of this frame are lost. Counted and marked as a gap.
        ++current_->frame.coalesced;
        ++dropped_;
        carrying_ = true;
        return current_error();
      }
      space_.wait(lock, [&] { return queue_.size() < size_t(options_.queue_frames) || stopping_; });
    }
    push_locked();
    return current_error();
  }

  Status flush() {
    std::unique_lock lock(mu_);
    if (carrying_) {
      // The frame folded last is handed over as itself after all: it is not dropped.
      carrying_ = false;
      --current_->frame.coalesced;
      --dropped_;
      space_.wait(lock, [&] { return queue_.size() < size_t(options_.queue_frames) || stopping_; });
      push_locked();
    }
    const int64_t target = pushed_;
    const int64_t failures_before = failed_commits_;
    flush_requested_ = true;
    work_.notify_one();
    // Returns once everything handed over is committed, or a commit attempt after this request
    // failed (the batch is kept and retried; the error is returned).
    done_.wait(lock, [&] {
      return committed_frames_ >= target || failed_commits_ > failures_before || writer_failed_ ||
             writer_exited_;
    });
    return current_error();
  }

  Status close(std::string_view reason) {
    if (closed_) return close_status_;
    closed_ = true;
    Status flushed = flush();
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      work_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
    Status marked = mark_ended(reason);
    close_status_ = !flushed.ok() ? flushed : marked;
    return close_status_;
  }

  RecorderStats stats() const {
    std::lock_guard lock(mu_);
    RecorderStats s = stats_;
    s.frames_submitted = submitted_;
    s.frames_dropped = dropped_;
    return s;
  }

 private:
  std::unique_ptr<QueuedFrame> acquire() {
    std::lock_guard lock(pool_mu_);
    if (pool_.empty()) return std::make_unique<QueuedFrame>();
    auto f = std::move(pool_.back());
    pool_.pop_back();
    return f;
  }
  void release(std::unique_ptr<QueuedFrame> f) {
    f->frame.clear();
    f->new_properties.clear();
    std::lock_guard lock(pool_mu_);
    // Every frame the queue can hold is worth keeping: reused frames keep their vectors'
    // capacity, so the game thread's set() does not allocate (or fault in fresh pages).
    if (pool_.size() < static_cast<size_t>(options_.queue_frames) + 2) {
      pool_.push_back(std::move(f));
    }
  }

  // A carried (coalesced) frame must not reorder a despawn before a later spawn/set of the same
  // entity: hand the carried frame over as it is (blocking) before continuing.
  void settle_conflict(EntityId e) {
    auto& d = current_->frame.despawns;
    if (std::find(d.begin(), d.end(), e) == d.end()) return;
    const int64_t tick = current_->frame.tick;
    const double time = current_->frame.time;
    {
      std::unique_lock lock(mu_);
      space_.wait(lock, [&] { return queue_.size() < size_t(options_.queue_frames) || stopping_; });
      push_locked();
    }
    Frame& f = current_->frame;
    f.clear();
    f.index = next_index_;
    f.tick = tick;
    f.time = time;
  }

  // REQUIRES: mu_ held.
  void push_locked() {
    current_->frame.index = next_index_++;
    queue_.push_back(std::move(current_));
    ++pushed_;
    // The writer wakes on its own timer (poll_interval); the game thread pays for a wake-up
    // (a futex syscall) only when the queue is half full or every frame must commit at once.
    if (queue_.size() >= wake_threshold()) work_.notify_one();
    current_ = acquire();
  }

  // Rebuilds the writer's state and prediction history from the session's last keyframe and the
  // frames committed after it (encoded again into a chunk that is thrown away), and numbers the
  // next frame after them. Constructor only (before the writer thread starts).
  void continue_from(ResumePoint& point) {
    writer_.start_after_keyframe(std::move(point.keyframe_state));
    for (Frame& f : point.frames_after_keyframe) writer_.add_frame(f);
    if (writer_.frame_count() > 0) writer_.take_chunk(chunk_scratch_);
    next_index_ = writer_.state().frame + 1;
    first_index_ = next_index_;
    for (size_t id = 0; id < point.property_paths.size(); ++id) {
      property_ids_.emplace(point.property_paths[id], static_cast<PropertyId>(id));
    }
  }

  // ---- writer thread ------------------------------------------------------------------------
  size_t wake_threshold() const {
    if (options_.commit_interval.count() == 0) return 1;
    return std::max<size_t>(1, static_cast<size_t>(options_.queue_frames) / 2);
  }
  // How long the writer sleeps at most while frames may be waiting: a quarter of the commit
  // interval spreads the encoding over it; 20 ms when every frame commits (it is woken per frame).
  Clock::duration poll_interval() const {
    if (options_.commit_interval.count() == 0) return std::chrono::milliseconds(20);
    return std::max<Clock::duration>(std::chrono::milliseconds(1), options_.commit_interval / 4);
  }

  void writer_loop() {
    auto last_commit = Clock::now();
    std::deque<std::unique_ptr<QueuedFrame>> taken;
    for (;;) {
      bool flush_now = false, stop = false;
      {
        std::unique_lock lock(mu_);
        auto wake = Clock::now() + poll_interval();
        if (!batch_.empty()) wake = std::min(wake, last_commit + options_.commit_interval);
        work_.wait_until(lock, wake, [&] {
          return queue_.size() >= wake_threshold() || flush_requested_ || stopping_;
        });
        // Everything queued so far, and the flush request that may cover it (flush() sets its
        // flag after pushing, so the frames it waits for are in `taken`).
        taken.swap(queue_);
        if (!taken.empty()) space_.notify_all();
        flush_now = std::exchange(flush_requested_, false);
        stop = stopping_;
      }
      for (auto& item : taken) {
        encode(*item);
        release(std::move(item));
      }
      taken.clear();
      const bool due = Clock::now() - last_commit >= options_.commit_interval;
      if ((due || flush_now || stop) && !batch_.empty()) {
        commit();
        last_commit = Clock::now();
      } else if (!stop && Clock::now() - last_commit >= options_.heartbeat_interval) {
        // Idle: only the heartbeat, so that the session is not taken for dead.
        (void)store_->write_transaction([this] { return write_heartbeat(); });
        last_commit = Clock::now();
      } else if (flush_now || stop) {
        std::lock_guard lock(mu_);
        done_.notify_all();
      }
      if (stop) {
        std::lock_guard lock(mu_);
        if (queue_.empty()) {
          writer_exited_ = true;
          done_.notify_all();
          return;
        }
      }
    }
  }

  void encode(QueuedFrame& q) {
    Frame& f = q.frame;
    for (auto& p : q.new_properties) batch_.properties.push_back(std::move(p));
    for (const Spawn& s : f.spawns) batch_.spawns.push_back({s.entity, f.index, s.class_name});
    for (const PropertyChange& c : f.changes) {
      if (!writer_.state().entities.contains(c.entity) && !spawned_in(f, c.entity) &&
          implicit_.insert(c.entity).second) {
        batch_.spawns.push_back({c.entity, f.index, std::string()});
      }
    }
    for (EntityId e : f.despawns) {
      batch_.despawns.push_back({e, f.index});
      implicit_.erase(e);
    }
    int64_t seq = 0;
    for (Event& e : f.events) {
      Batch::EventRow row{f.index, seq++, std::move(e.name), e.entity, {}, f.time};
      if (Status s = schema::seal_variant(e.args, row.sealed_args); !s.ok()) {
        set_data_error(s.with_context(fmt::format("frame {} event '{}'", f.index, row.name)));
        continue;
      }
      batch_.events.push_back(std::move(row));
    }
    if (f.coalesced > 0) batch_.gaps.emplace_back(f.index, f.coalesced);
    batch_.dropped += f.coalesced;
    batch_.last_frame = f.index;
    batch_.last_tick = f.tick;
    batch_.last_time = f.time;
    ++batch_.frames;
    const FrameIndex index = f.index;
    const bool keyframe = writer_.add_frame(std::move(f));
    if (keyframe) {
      encode_keyframe(writer_.state(), keyframe_scratch_, options_.codec.lossy);
      Batch::Keyframe k{index, {}};
      seal(BlobKind::kKeyframe, keyframe_scratch_, k.sealed);
      batch_.keyframes.push_back(std::move(k));
    }
    if (keyframe || writer_.frame_count() >= options_.max_frames_per_chunk ||
        options_.commit_interval.count() == 0) {
      cut_chunk();
    }
  }

  static bool spawned_in(const Frame& f, EntityId e) {
    for (const Spawn& s : f.spawns) {
      if (s.entity == e) return true;
    }
    return false;
  }

  // `block_ends`: a chunk's sections (ChunkPayload::section_ends), each its own zstd block.
  // Seals into a reused buffer first (sealing sizes its output for the worst case), then copies
  // the blob out at its own size: the batch's blobs are freed at every commit.
  void seal(BlobKind kind, const std::vector<uint8_t>& raw, std::vector<uint8_t>& out,
            std::span<const size_t> block_ends = {}) {
    Status s = codec_.seal(
        kind, raw, SealOptions{.zstd_level = options_.codec.zstd_level, .block_ends = block_ends},
        seal_scratch_);
    if (s.ok()) {
      out.assign(seal_scratch_.begin(), seal_scratch_.end());
    } else {
      set_data_error(s.with_context(fmt::format("sealing the {} blob of frames up to {}",
                                                kind == BlobKind::kKeyframe ? "keyframe" : "chunk",
                                                batch_.last_frame)));
    }
    std::lock_guard lock(mu_);
    stats_.raw_bytes += static_cast<int64_t>(raw.size());
  }

  void cut_chunk() {
    if (writer_.frame_count() == 0) return;
    writer_.take_chunk(chunk_scratch_);
    Batch::Chunk c;
    seal(BlobKind::kDeltaChunk, chunk_scratch_.bytes, c.sealed, chunk_scratch_.section_ends);
    c.meta = ChunkPayload{.first_frame = chunk_scratch_.first_frame,
                          .last_frame = chunk_scratch_.last_frame,
                          .first_time = chunk_scratch_.first_time,
                          .last_time = chunk_scratch_.last_time,
                          .first_tick = chunk_scratch_.first_tick,
                          .last_tick = chunk_scratch_.last_tick};
    batch_.chunks.push_back(std::move(c));
  }

  void commit() {
    cut_chunk();
    batch_.stored_bytes = static_cast<int64_t>(batch_.bytes());
    {
      std::lock_guard lock(mu_);
      batch_.handed_over = pushed_ + dropped_ + first_index_;
    }
    Status s = store_->write_transaction([this] { return write_batch(); });
    if (!s.ok()) {
      std::lock_guard lock(mu_);
      stats_.commit_retries = static_cast<int64_t>(store_->commit_retries());
      commit_error_ = s.with_context(
          fmt::format("{}: commit of frames up to {}", store_->path(), batch_.last_frame));
      if (batch_.bytes() > kMaxUncommittedBytes) writer_failed_ = true;
      ++failed_commits_;
      done_.notify_all();
      return;
    }
    {
      // Only counters under the lock the game thread's end_frame takes: the committed batch
      // (blobs of a whole commit interval) is freed after it is released.
      std::lock_guard lock(mu_);
      stats_.commit_retries = static_cast<int64_t>(store_->commit_retries());
      commit_error_ = {};
      stats_.frames_committed += batch_.frames;
      stats_.commits += 1;
      stats_.stored_bytes += batch_.stored_bytes;
      stats_.keyframes += static_cast<int64_t>(batch_.keyframes.size());
      committed_frames_ = stats_.frames_committed;
      done_.notify_all();
    }
    batch_ = Batch{};  // the writer thread's own
  }

  // The transaction body: re-runnable, reads only batch_.
  Status write_batch() {
    Store& db = *store_;
    for (const auto& [id, path] : batch_.properties) {
      REEL_ASSIGN_OR_RETURN(Statement * st, db.prepare("INSERT INTO properties(session_id, "
                                                       "property_id, path) VALUES(?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, int64_t{id}));
      REEL_RETURN_IF_ERROR(st->bind(3, path));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& s : batch_.spawns) {
      REEL_ASSIGN_OR_RETURN(
          Statement * st,
          db.prepare("INSERT OR REPLACE INTO entities(session_id, entity_id, "
                     "spawn_frame, class, despawn_frame) VALUES(?, ?, ?, ?, NULL)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, s.entity));
      REEL_RETURN_IF_ERROR(st->bind(3, s.spawn_frame));
      REEL_RETURN_IF_ERROR(st->bind(4, s.class_name));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& d : batch_.despawns) {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            db.prepare("UPDATE entities SET despawn_frame = ? WHERE session_id = ? "
                                       "AND entity_id = ? AND despawn_frame IS NULL"));
      REEL_RETURN_IF_ERROR(st->bind(1, d.frame));
      REEL_RETURN_IF_ERROR(st->bind(2, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(3, d.entity));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& c : batch_.chunks) {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            db.prepare("INSERT INTO chunks(session_id, first_frame, last_frame, "
                                       "first_time, last_time, data) VALUES(?, ?, ?, ?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, c.meta.first_frame));
      REEL_RETURN_IF_ERROR(st->bind(3, c.meta.last_frame));
      REEL_RETURN_IF_ERROR(st->bind(4, c.meta.first_time));
      REEL_RETURN_IF_ERROR(st->bind(5, c.meta.last_time));
      REEL_RETURN_IF_ERROR(st->bind(6, std::span<const uint8_t>(c.sealed)));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& k : batch_.keyframes) {
      REEL_ASSIGN_OR_RETURN(Statement * st, db.prepare("INSERT INTO keyframes(session_id, frame, "
                                                       "data) VALUES(?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, k.frame));
      REEL_RETURN_IF_ERROR(st->bind(3, std::span<const uint8_t>(k.sealed)));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& e : batch_.events) {
      REEL_ASSIGN_OR_RETURN(Statement * st,
                            db.prepare("INSERT INTO events(session_id, frame, seq, name, "
                                       "entity_id, args, time) VALUES(?, ?, ?, ?, ?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, e.frame));
      REEL_RETURN_IF_ERROR(st->bind(3, e.seq));
      REEL_RETURN_IF_ERROR(st->bind(4, e.name));
      if (e.entity >= 0) {
        REEL_RETURN_IF_ERROR(st->bind(5, e.entity));
      } else {
        REEL_RETURN_IF_ERROR(st->bind_null(5));
      }
      REEL_RETURN_IF_ERROR(st->bind(6, std::span<const uint8_t>(e.sealed_args)));
      REEL_RETURN_IF_ERROR(st->bind(7, e.time));
      REEL_RETURN_IF_ERROR(st->run());
    }
    for (const auto& [frame, count] : batch_.gaps) {
      REEL_ASSIGN_OR_RETURN(Statement * st, db.prepare("INSERT INTO gaps(session_id, frame, "
                                                       "coalesced) VALUES(?, ?, ?)"));
      REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
      REEL_RETURN_IF_ERROR(st->bind(2, frame));
      REEL_RETURN_IF_ERROR(st->bind(3, int64_t{count}));
      REEL_RETURN_IF_ERROR(st->run());
    }
    if (batch_.frames == 0) return write_heartbeat();
    REEL_ASSIGN_OR_RETURN(
        Statement * st,
        db.prepare("UPDATE sessions SET frame_count = ?, last_tick = ?, last_time = ?, "
                   "keyframe_count = keyframe_count + ?, chunk_count = chunk_count + ?, "
                   "dropped_frames = dropped_frames + ?, stored_bytes = stored_bytes + ?, "
                   "frames_handed_over = ?, heartbeat_us = ? WHERE session_id = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, batch_.last_frame + 1));
    REEL_RETURN_IF_ERROR(st->bind(2, batch_.last_tick));
    REEL_RETURN_IF_ERROR(st->bind(3, batch_.last_time));
    REEL_RETURN_IF_ERROR(st->bind(4, static_cast<int64_t>(batch_.keyframes.size())));
    REEL_RETURN_IF_ERROR(st->bind(5, static_cast<int64_t>(batch_.chunks.size())));
    REEL_RETURN_IF_ERROR(st->bind(6, batch_.dropped));
    REEL_RETURN_IF_ERROR(st->bind(7, batch_.stored_bytes));
    REEL_RETURN_IF_ERROR(st->bind(8, std::max(batch_.handed_over, batch_.last_frame + 1)));
    REEL_RETURN_IF_ERROR(st->bind(9, schema::unix_now_us()));
    REEL_RETURN_IF_ERROR(st->bind(10, session_id_));
    return st->run();
  }

  // The liveness heartbeat (FORMAT.md 5): the time, and what the game has handed over so far.
  Status write_heartbeat() {
    int64_t handed_over = 0;
    {
      std::lock_guard lock(mu_);
      handed_over = pushed_ + dropped_ + first_index_;
    }
    REEL_ASSIGN_OR_RETURN(
        Statement * st,
        store_->prepare("UPDATE sessions SET heartbeat_us = ?, frames_handed_over = "
                        "max(frames_handed_over, ?) WHERE session_id = ? AND owner_token = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, schema::unix_now_us()));
    REEL_RETURN_IF_ERROR(st->bind(2, handed_over));
    REEL_RETURN_IF_ERROR(st->bind(3, session_id_));
    REEL_RETURN_IF_ERROR(st->bind(4, owner_token_));
    return st->run();
  }

  // Ends the session: closed (with the caller's reason), or failed when frames handed over could
  // not be committed (`flushed` holds the storage error). On a full disk this last write may fail
  // too; the session then stays `recording` until an opener finds this process gone and seals it
  // interrupted.
  Status mark_ended(std::string_view reason) {
    int64_t handed_over = 0;
    Status storage_error;
    {
      std::lock_guard lock(mu_);
      handed_over = pushed_ + dropped_ + first_index_;
      storage_error = commit_error_;
    }
    format::SessionStatus status = format::SessionStatus::kClosed;
    std::string why(reason);
    if (!storage_error.ok()) {
      status = format::SessionStatus::kFailed;
      why = is_disk_full(storage_error) ? "disk full" : storage_error.message();
    }
    return schema::end_session(*store_, session_id_, owner_token_, status, why, handed_over);
  }

  // Something handed over could not be stored (an event whose args do not encode, a blob that
  // could not be sealed): reported from now on, whatever later commits do.
  void set_data_error(const Status& s) {
    std::lock_guard lock(mu_);
    if (data_error_.ok()) data_error_ = s;
  }
  // REQUIRES: mu_ held.
  Status current_error() const { return !data_error_.ok() ? data_error_ : commit_error_; }

  const RecorderOptions options_;
  std::unique_ptr<Store> store_;  // writer thread only (and close() after the join)
  const int64_t session_id_;
  const std::string owner_token_;  // this recorder's SessionOwner::token
  // Frames the session held before this recorder (resume): handed-over counts start there.
  int64_t first_index_ = 0;

  // Game thread only.
  std::unordered_map<std::string, PropertyId> property_ids_;
  std::unique_ptr<QueuedFrame> current_;
  FrameIndex next_index_ = 0;
  bool carrying_ = false;
  int64_t submitted_ = 0;
  bool closed_ = false;
  Status close_status_;

  // Writer thread only.
  ChunkWriter writer_;
  BlobCodec codec_;
  // Writer-thread buffers reused for every chunk and keyframe (their pages stay mapped).
  ChunkPayload chunk_scratch_;
  std::vector<uint8_t> keyframe_scratch_, seal_scratch_;
  Batch batch_;
  std::unordered_set<EntityId> implicit_;

  // Shared, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable work_, space_, done_;
  std::deque<std::unique_ptr<QueuedFrame>> queue_;
  int64_t pushed_ = 0, dropped_ = 0, committed_frames_ = 0, failed_commits_ = 0;
  bool flush_requested_ = false, stopping_ = false, writer_failed_ = false, writer_exited_ = false;
  // The last commit's storage error (cleared by the next successful commit), and the first loss
  // of handed-over data (never cleared); end_frame, flush and close return the latter first.
  Status commit_error_, data_error_;
  RecorderStats stats_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<QueuedFrame>> pool_;
  std::thread thread_;
};

Result<std::unique_ptr<Recorder>> Recorder::open(const std::string& path,
                                                 const SessionInfo& session,
                                                 const RecorderOptions& options) {
  REEL_RETURN_IF_ERROR(options.validate());
  if (!(session.tick_rate > 0 && session.tick_rate <= 100000)) {
    return Status::invalid_argument("tick rate must be in (0, 100000], got {}", session.tick_rate);
  }
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(path, options.store));
  REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
  REEL_RETURN_IF_ERROR(schema::seal_dead_sessions(*store).status());
  schema::SessionRow row;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  row.start_time_us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  row.name = session.name.empty() ? fmt::format("session-{}", row.start_time_us) : session.name;
  row.tick_rate = session.tick_rate;
  row.dialect = session.dialect;
  row.metadata = session.metadata;
  Dictionary extra;
  extra.set("commit_interval_ms", int64_t{options.commit_interval.count()});
  extra.set("profile", storage_profile_name(options.store.profile));
  row.settings = schema::settings_dictionary(options.codec, extra);
  int64_t id = 0;
  const schema::SessionOwner owner = schema::this_process_owner();
  REEL_RETURN_IF_ERROR(store->write_transaction([&]() -> Status {
    REEL_ASSIGN_OR_RETURN(id, schema::insert_session(*store, row));
    return schema::claim_session(*store, id, owner, /*resuming=*/false);
  }));
  return std::unique_ptr<Recorder>(
      new Recorder(std::make_unique<Impl>(std::move(store), id, owner.token, options)));
}

Result<std::unique_ptr<Recorder>> Recorder::resume(const std::string& path,
                                                   std::string_view session_name, ResumePoint point,
                                                   const RecorderOptions& options) {
  REEL_RETURN_IF_ERROR(options.validate());
  if (session_name.empty()) {
    return Status::invalid_argument("resuming needs the name of the session to continue");
  }
  StoreOptions store_options = options.store;
  store_options.create = false;
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(path, store_options));
  REEL_RETURN_IF_ERROR(schema::ensure_schema(*store));
  REEL_RETURN_IF_ERROR(schema::seal_dead_sessions(*store).status());
  REEL_ASSIGN_OR_RETURN(schema::SessionRow row, schema::find_session(*store, session_name));
  if (row.status == format::SessionStatus::kRecording) {
    return Status::invalid_argument(
        "{}: session '{}' is being recorded by process {} on host '{}'; it can be resumed once "
        "that recorder has ended",
        path, row.name, row.owner.pid, row.owner.host);
  }
  REEL_ASSIGN_OR_RETURN(CodecOptions stored_codec, schema::codec_options_of(row));
  RecorderOptions resumed = options;
  resumed.codec.keyframe_interval = stored_codec.keyframe_interval;
  resumed.codec.lossy = stored_codec.lossy;
  const FrameIndex last = point.frames_after_keyframe.empty()
                              ? point.keyframe_state.frame
                              : point.frames_after_keyframe.back().index;
  if (row.frame_count == 0 || last != row.frame_count - 1 ||
      !resumed.codec.is_keyframe(point.keyframe_state.frame)) {
    return Status::invalid_argument(
        "{}: session '{}' cannot be resumed from this point (it ends at frame {}, the point at "
        "frame {})",
        path, row.name, row.frame_count - 1, last);
  }
  const schema::SessionOwner owner = schema::this_process_owner();
  REEL_RETURN_IF_ERROR(store->write_transaction(
      [&] { return schema::claim_session(*store, row.id, owner, /*resuming=*/true); }));
  auto impl = std::make_unique<Impl>(std::move(store), row.id, owner.token, resumed, &point);
  return std::unique_ptr<Recorder>(new Recorder(std::move(impl)));
}

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recorder::~Recorder() = default;
int64_t Recorder::session_id() const {
  return impl_->session_id();
}
PropertyId Recorder::intern_property(std::string_view path) {
  return impl_->intern(path);
}
void Recorder::begin_frame(int64_t tick, double time) {
  impl_->begin_frame(tick, time);
}
void Recorder::set(EntityId entity, PropertyId property, const Variant& value) {
  impl_->set(entity, property, value);
}
void Recorder::set(EntityId entity, PropertyId property, Variant&& value) {
  impl_->set(entity, property, std::move(value));
}
void Recorder::set(EntityId entity, std::string_view path, Variant value) {
  impl_->set(entity, impl_->intern(path), std::move(value));
}
void Recorder::spawn(EntityId entity, std::string_view class_name) {
  impl_->spawn(entity, class_name);
}
void Recorder::despawn(EntityId entity) {
  impl_->despawn(entity);
}
void Recorder::event(std::string_view name, Variant args, EntityId entity) {
  impl_->event(name, std::move(args), entity);
}
Status Recorder::end_frame() {
  return impl_->end_frame();
}
Status Recorder::flush() {
  return impl_->flush();
}
Status Recorder::close(std::string_view reason) {
  return impl_->close(reason);
}
RecorderStats Recorder::stats() const {
  return impl_->stats();
}

}  // namespace reel
