// The replayer's storage side: rows of one session by frame (raw layer), verified, decompressed
// and decoded (typed layer), behind a size-bounded LRU cache.
//
// Invariants relied upon (written by the recorder, FORMAT.md 5-7):
// - chunks never span a keyframe; a keyframe frame is the last frame of its chunk; consecutive
//   chunks cover consecutive frames; frame 0 is a keyframe;
// - chunk and keyframe rows are immutable once committed, so cached blobs never go stale;
// - sessions.frame_count is updated in the transaction that adds the chunks: every frame below it
//   has its chunk committed.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "reel/blob/blob.h"
#include "reel/codec/frame.h"
#include "reel/codec/frame_codec.h"
#include "reel/format/status.h"
#include "reel/store/store.h"
#include "reel/replay/replayer.h"

namespace reel::replay {

// One chunk row without its blob.
struct ChunkInfo {
  int64_t chunk_id = 0;
  FrameIndex first_frame = 0, last_frame = -1;
  double first_time = 0, last_time = 0;
};

// A chunk with its verified, decompressed payload (shared with the cache).
struct ChunkData {
  ChunkInfo info;
  std::shared_ptr<const RawBytes> payload;
};

class Source {
 public:
  Source(Store& store, int64_t session_id, const CodecOptions& codec, size_t budget_bytes,
         std::function<void(const Status&)> on_problem,
         std::function<void(const Status&)> on_bypassed = {});

  int64_t session_id() const { return session_id_; }
  const CodecOptions& codec() const { return codec_; }

  // The frame of the nearest keyframe row at or before `frame`, or -1 when there is none.
  Result<FrameIndex> keyframe_at_or_before(FrameIndex frame);
  // The frame of the first keyframe row at or after `frame`, or -1 when there is none.
  Result<FrameIndex> keyframe_at_or_after(FrameIndex frame);
  // Decodes the keyframe at `frame` over `out` (reusing its allocations). The cache holds
  // keyframes as verified, decompressed payloads: a hit costs a decode, an eviction a buffer.
  // kCorruption (reported once) when damaged; `out` is then a partial state.
  Status keyframe(FrameIndex frame, WorldState& out);
  // The chunk holding `frame` (metadata only). kNotFound when no committed chunk holds it.
  Result<ChunkInfo> chunk_info(FrameIndex frame);
  // The chunk holding `frame`, payload verified and decompressed. kCorruption names the chunk.
  Result<ChunkData> chunk(FrameIndex frame);

  // "session 3: chunk frames 120-125"
  std::string chunk_context(const ChunkInfo& info) const;

  // Drops every cached entry (benchmarks measure cold reads with it).
  void drop_cache();
  Replayer::CacheStats stats() const;

 private:
  struct Key {
    uint8_t kind;  // BlobKind
    FrameIndex frame;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<int64_t>()(k.frame * 4 + k.kind); }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const void> value;
    size_t bytes = 0;
  };

  std::shared_ptr<const void> lookup(const Key& key);
  void insert(const Key& key, std::shared_ptr<const void> value, size_t bytes);
  // Keeps an evicted payload's buffer for reuse when nothing else holds it.
  void keep_as_spare(std::shared_ptr<const void> payload);
  // Reports `problem` through on_problem the first time the blob `key` is found damaged.
  Status damaged(const Key& key, Status problem);

  Store& store_;
  int64_t session_id_;
  CodecOptions codec_;
  size_t budget_;
  std::function<void(const Status&)> on_problem_;
  std::function<void(const Status&)> on_bypassed_;  // keyframe damage (walks go around it)
  BlobCodec blob_codec_;
  // Payload buffers (chunks and keyframes) evicted from the cache and no longer shared, kept for
  // reuse: their pages stay mapped, so loading a blob costs no page faults.
  std::vector<std::shared_ptr<RawBytes>> spare_payloads_;
  // Steps `st` (bound, selecting the blob `key`) and returns the blob's verified, decompressed
  // payload, cached. kNotFound when there is no row; kCorruption (reported once) when damaged.
  Result<std::shared_ptr<const RawBytes>> load_payload(Statement* st, const Key& key,
                                                       const std::string& context);

  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  size_t bytes_in_use_ = 0;
  std::set<std::pair<uint8_t, FrameIndex>> reported_;
  Replayer::CacheStats stats_;
};

}  // namespace reel::replay
