#include "source.h"

namespace reel::replay {
namespace {

constexpr uint8_t kChunkKey = static_cast<uint8_t>(BlobKind::kDeltaChunk);
constexpr uint8_t kKeyframeKey = static_cast<uint8_t>(BlobKind::kKeyframe);
// Per-entry bookkeeping (list node, hash node, control block), for cache accounting.
constexpr size_t kEntryOverhead = 128;
constexpr size_t kMaxSparePayloads = 8;

}  // namespace

Source::Source(Store& store, int64_t session_id, const CodecOptions& codec, size_t budget_bytes,
               std::function<void(const Status&)> on_problem,
               std::function<void(const Status&)> on_bypassed)
    : store_(store),
      session_id_(session_id),
      codec_(codec),
      budget_(budget_bytes),
      on_problem_(std::move(on_problem)),
      on_bypassed_(std::move(on_bypassed)) {}

std::string Source::chunk_context(const ChunkInfo& info) const {
  return fmt::format("session {}: chunk frames {}-{}", session_id_, info.first_frame,
                     info.last_frame);
}

Result<FrameIndex> Source::keyframe_at_or_before(FrameIndex frame) {
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store_.prepare("SELECT frame FROM keyframes WHERE session_id = ? AND "
                                       "frame <= ? ORDER BY frame DESC LIMIT 1"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
  REEL_RETURN_IF_ERROR(st->bind(2, frame));
  auto row = st->step();
  const FrameIndex found = row.ok() && *row ? st->column_int64(0) : -1;
  st->reset();
  if (!row.ok()) return row.status();
  return found;
}

Result<FrameIndex> Source::keyframe_at_or_after(FrameIndex frame) {
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store_.prepare("SELECT frame FROM keyframes WHERE session_id = ? AND "
                                       "frame >= ? ORDER BY frame LIMIT 1"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
  REEL_RETURN_IF_ERROR(st->bind(2, frame));
  auto row = st->step();
  const FrameIndex found = row.ok() && *row ? st->column_int64(0) : -1;
  st->reset();
  if (!row.ok()) return row.status();
  return found;
}

Status Source::keyframe(FrameIndex frame, WorldState& out) {
  const Key key{kKeyframeKey, frame};
  const std::string context = fmt::format("session {}: keyframe frame {}", session_id_, frame);
  std::shared_ptr<const RawBytes> payload = std::static_pointer_cast<const RawBytes>(lookup(key));
  if (!payload) {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store_.prepare("SELECT data FROM keyframes WHERE session_id = ? AND "
                                         "frame = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
    REEL_RETURN_IF_ERROR(st->bind(2, frame));
    REEL_ASSIGN_OR_RETURN(payload, load_payload(st, key, context));
    ++stats_.keyframe_loads;
  }
  Status decoded =
      decode_keyframe(*payload, out, fmt::format("session {}", session_id_), codec_.type_ids);
  if (!decoded.ok()) return damaged(key, decoded);
  if (out.frame != frame) {
    return damaged(key, Status::corruption("{}: payload holds frame {}", context, out.frame));
  }
  return {};
}

Result<std::shared_ptr<const RawBytes>> Source::load_payload(Statement* st, const Key& key,
                                                             const std::string& context) {
  auto row = st->step();
  if (!row.ok() || !*row) {
    st->reset();
    if (!row.ok()) return row.status().with_context(context);
    return Status::not_found("{}: no such row", context);
  }
  std::shared_ptr<RawBytes> payload;
  if (spare_payloads_.empty()) {
    payload = std::make_shared<RawBytes>();
  } else {
    payload = std::move(spare_payloads_.back());
    spare_payloads_.pop_back();
  }
  auto opened = blob_codec_.open(st->column_blob(0), BlobKind(key.kind), *payload);
  st->reset();
  if (!opened.ok()) return damaged(key, opened.status().with_context(context));
  insert(key, payload, payload->capacity());
  return std::shared_ptr<const RawBytes>(std::move(payload));
}

Result<ChunkInfo> Source::chunk_info(FrameIndex frame) {
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store_.prepare("SELECT chunk_id, first_frame, last_frame, first_time, "
                                       "last_time FROM chunks WHERE session_id = ? AND "
                                       "last_frame >= ? ORDER BY last_frame LIMIT 1"));
  REEL_RETURN_IF_ERROR(st->bind(1, session_id_));
  REEL_RETURN_IF_ERROR(st->bind(2, frame));
  auto row = st->step();
  ChunkInfo info;
  const bool found = row.ok() && *row;
  if (found) {
    info = ChunkInfo{st->column_int64(0), st->column_int64(1), st->column_int64(2),
                     st->column_double(3), st->column_double(4)};
  }
  st->reset();
  if (!row.ok()) return row.status();
  if (!found || info.first_frame > frame) {
    return Status::not_found("session {}: no chunk holds frame {}", session_id_, frame);
  }
  return info;
}

Result<ChunkData> Source::chunk(FrameIndex frame) {
  REEL_ASSIGN_OR_RETURN(ChunkInfo info, chunk_info(frame));
  const Key key{kChunkKey, info.last_frame};
  if (auto hit = lookup(key)) {
    return ChunkData{info, std::static_pointer_cast<const RawBytes>(hit)};
  }
  REEL_ASSIGN_OR_RETURN(Statement * st,
                        store_.prepare("SELECT data FROM chunks WHERE chunk_id = ?"));
  REEL_RETURN_IF_ERROR(st->bind(1, info.chunk_id));
  REEL_ASSIGN_OR_RETURN(std::shared_ptr<const RawBytes> payload,
                        load_payload(st, key, chunk_context(info)));
  ++stats_.chunk_loads;
  return ChunkData{info, std::move(payload)};
}

Status Source::damaged(const Key& key, Status problem) {
  if (reported_.emplace(key.kind, key.frame).second) {
    if (on_problem_) on_problem_(problem);
    if (key.kind == kKeyframeKey && on_bypassed_) on_bypassed_(problem);
  }
  return problem;
}

std::shared_ptr<const void> Source::lookup(const Key& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.cache_hits;
  return it->second->value;
}

void Source::insert(const Key& key, std::shared_ptr<const void> value, size_t bytes) {
  bytes += kEntryOverhead;
  if (bytes > budget_) return;  // would evict everything for one entry: serve it uncached
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_in_use_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (bytes_in_use_ + bytes > budget_ && !lru_.empty()) {
    Entry& victim = lru_.back();
    bytes_in_use_ -= victim.bytes;
    keep_as_spare(std::move(victim.value));
    index_.erase(victim.key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(value), bytes});
  index_.emplace(key, lru_.begin());
  bytes_in_use_ += bytes;
}

void Source::keep_as_spare(std::shared_ptr<const void> payload) {
  if (payload.use_count() == 1 && spare_payloads_.size() < kMaxSparePayloads) {
    spare_payloads_.push_back(std::const_pointer_cast<RawBytes>(
        std::static_pointer_cast<const RawBytes>(std::move(payload))));
  }
}

void Source::drop_cache() {
  for (Entry& entry : lru_) keep_as_spare(std::move(entry.value));
  lru_.clear();
  index_.clear();
  bytes_in_use_ = 0;
}

Replayer::CacheStats Source::stats() const {
  Replayer::CacheStats s = stats_;
  s.bytes_in_use = bytes_in_use_;
  return s;
}

}  // namespace reel::replay
