// What the writer and the reader of a session share: the codec options, the time prediction, the
// per-slot history of values (DeltaHistory) and the growable byte sink.
#include <algorithm>
#include <cstring>

#include "lanes.h"
#include "reel/codec/frame_codec.h"

namespace reel {

using namespace codec_internal;

// The time of the n-th frame of a chunk (0-based) is predicted as 0 for the first frame, the
// previous time for the second, and linearly from the two before it after that (FORMAT.md 6):
// regular ticks then cost a byte or two instead of a double's worth.
uint64_t predict_time(uint64_t n, uint64_t prev, uint64_t prev_prev) {
  if (n == 0) return 0;
  if (n == 1) return prev;
  return 2 * prev - prev_prev;
}

// ---------------------------------------------------------------------------------------------
// Options

Status CodecOptions::validate() const {
  if (keyframe_interval < 1 || keyframe_interval > 1'000'000) {
    return Status::invalid_argument("keyframe interval must be 1..1000000 frames, got {}",
                                    keyframe_interval);
  }
  if (zstd_level < -7 || zstd_level > 22) {
    return Status::invalid_argument("zstd level must be -7..22, got {}", zstd_level);
  }
  if (lossy.enabled && !(lossy.position_step > 0 && lossy.rotation_step_degrees > 0)) {
    return Status::invalid_argument("lossy steps must be positive (position {}, rotation {})",
                                    lossy.position_step, lossy.rotation_step_degrees);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// DeltaHistory

void DeltaHistory::clear() {
  std::fill(index_.begin(), index_.end(), IndexEntry{0, 0, 0});
  entries_.clear();
}

uint32_t DeltaHistory::position_of(EntityId entity, PropertyId property) const {
  if (index_.empty()) return 0;
  const size_t mask = index_.size() - 1;
  for (size_t i = hash(entity, property) & mask;; i = (i + 1) & mask) {
    const IndexEntry& e = index_[i];
    if (e.position_plus_one == 0 || (e.entity == entity && e.property == property)) {
      return e.position_plus_one;
    }
  }
}

DeltaHistory::Previous& DeltaHistory::slot(EntityId entity, PropertyId property) {
  // Load factor <= 1/2 keeps probe sequences short.
  if (2 * (entries_.size() + 1) > index_.size()) grow();
  const size_t mask = index_.size() - 1;
  for (size_t i = hash(entity, property) & mask;; i = (i + 1) & mask) {
    IndexEntry& e = index_[i];
    if (e.position_plus_one == 0) {
      entries_.emplace_back();
      e = IndexEntry{entity, property, static_cast<uint32_t>(entries_.size())};
      return entries_.back();
    }
    if (e.entity == entity && e.property == property) return entries_[e.position_plus_one - 1];
  }
}

void DeltaHistory::grow() {
  std::vector<IndexEntry> old = std::move(index_);
  index_.assign(std::max<size_t>(64, old.size() * 2), IndexEntry{0, 0, 0});
  const size_t mask = index_.size() - 1;
  for (const IndexEntry& e : old) {
    if (e.position_plus_one == 0) continue;
    size_t i = hash(e.entity, e.property) & mask;
    while (index_[i].position_plus_one != 0) i = (i + 1) & mask;
    index_[i] = e;
  }
}

void DeltaHistory::forget_entity(EntityId entity, const EntityState& state) {
  if (entries_.empty()) return;
  for (const auto& [prop, value] : state.properties) {
    if (const uint32_t at = position_of(entity, prop)) entries_[at - 1].type = Type::NIL;
  }
}

namespace detail {

void ByteSink::grow(size_t n) {
  const size_t capacity = std::max({size_t{4096}, capacity_ * 2, size_ + n});
  auto bigger = std::make_unique_for_overwrite<uint8_t[]>(capacity);
  if (size_ > 0) std::memcpy(bigger.get(), buf_.get(), size_);
  buf_ = std::move(bigger);
  capacity_ = capacity;
}

void ByteSink::append(const uint8_t* p, size_t n) {
  if (n == 0) return;
  std::memcpy(reserve(n), p, n);
  size_ += n;
}

}  // namespace detail

}  // namespace reel
