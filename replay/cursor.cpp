#include "cursor.h"

#include <algorithm>

namespace reel::replay {
namespace {

// The last keyframe frame <= `frame` by the session's keyframe interval (rows may be damaged or,
// for the empty state -1, absent).
FrameIndex nominal_keyframe(const CodecOptions& codec, FrameIndex frame) {
  if (frame < 0) return -1;
  return frame - frame % codec.keyframe_interval;
}

// Times compare by value; two NaNs are equal (the catalog copies the frame's double).
bool same_time(double a, double b) {
  return a == b || (a != a && b != b);
}

}  // namespace

bool is_damage(const Status& status) {
  return status.code() == StatusCode::kCorruption || status.code() == StatusCode::kUnsupported ||
         status.code() == StatusCode::kNotFound;
}


// ---------------------------------------------------------------------------------------------
// Walker

Result<FrameIndex> Walker::restart_forward(FrameIndex frame, FrameIndex limit) {
  valid_ = false;
  reader_.reset();
  chunk_ = ChunkData{};
  history_.clear();
  for (FrameIndex k = frame; k <= limit; ++k) {
    REEL_ASSIGN_OR_RETURN(k, source_.keyframe_at_or_after(k));
    if (k < 0 || k > limit) break;
    const Status keyframe = source_.keyframe(k, state_);
    if (keyframe.ok()) {
      valid_ = true;
      return k;
    }
    if (!is_damage(keyframe)) return keyframe;  // damaged ones are reported by the source
  }
  return FrameIndex{-1};
}

Status Walker::check_catalog_time(FrameIndex frame) const {
  const ChunkInfo& info = chunk_.info;
  const bool first = frame == info.first_frame, last = frame == info.last_frame;
  if (!first && !last) return {};
  const double catalog = first ? info.first_time : info.last_time;
  if (same_time(catalog, state_.time)) return {};
  return Status::corruption("{}: the catalog says frame {} is at {} s, its payload says {} s",
                            source_.chunk_context(info), frame, catalog, state_.time);
}

Result<FrameIndex> Walker::restart(FrameIndex frame) {
  valid_ = false;
  reader_.reset();
  chunk_ = ChunkData{};
  history_.clear();
  FrameIndex k = frame;
  for (;;) {
    REEL_ASSIGN_OR_RETURN(k, source_.keyframe_at_or_before(k));
    if (k < 0) break;
    const Status keyframe = source_.keyframe(k, state_);  // decoded over the state we had
    if (keyframe.ok()) {
      valid_ = true;
      return k;
    }
    if (keyframe.code() != StatusCode::kCorruption && keyframe.code() != StatusCode::kUnsupported) {
      return keyframe;
    }
    --k;  // damaged (already reported): start from an earlier one
  }
  state_ = WorldState{};
  valid_ = true;
  return FrameIndex{-1};
}

Status Walker::advance_to(FrameIndex frame) {
  if (!valid_ || state_.frame > frame || state_.frame < nominal_keyframe(source_.codec(), frame)) {
    REEL_RETURN_IF_ERROR(restart(frame).status());
  }
  while (state_.frame < frame) REEL_RETURN_IF_ERROR(next(nullptr));
  return {};
}

Status Walker::next(Frame* out, std::vector<StateEdit>* undo) {
  if (!valid_) return Status::internal("replay walker used after an error");
  const FrameIndex index = state_.frame + 1;
  if (!reader_ || reader_->done()) {
    reader_.reset();
    auto chunk = source_.chunk(index);
    if (!chunk.ok()) {
      valid_ = false;
      return chunk.status();
    }
    chunk_ = std::move(*chunk);
    const std::string context = source_.chunk_context(chunk_.info);
    if (chunk_.info.first_frame != index) {
      valid_ = false;
      return Status::corruption("{}: expected the chunk to start at frame {}", context, index);
    }
    reader_.emplace(*chunk_.payload, index, history_, source_.codec(), context);
    Status init = reader_->init();
    if (init.ok() &&
        chunk_.info.first_frame + static_cast<FrameIndex>(reader_->frame_count()) - 1 !=
            chunk_.info.last_frame) {
      init = Status::corruption("{}: payload holds {} frames", context, reader_->frame_count());
    }
    if (!init.ok()) {
      valid_ = false;
      reader_.reset();
      return init;
    }
  }
  Status s = reader_->next(state_, out, undo);
  if (s.ok()) s = check_catalog_time(state_.frame);
  if (!s.ok()) {
    valid_ = false;
    reader_.reset();
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Cursor

Cursor::Cursor(Source& source) : source_(source), walker_(source, &state_) {}

FrameIndex Cursor::segment_end() const {
  if (base_ < 0) return 0;  // the empty state's segment ends at frame 0, always a keyframe
  return nominal_keyframe(source_.codec(), base_) + source_.codec().keyframe_interval;
}

void Cursor::reset_log(FrameIndex base) {
  for (size_t i = 0; i < log_len_; ++i) log_[i].ops.clear();
  log_len_ = 0;
  log_bytes_ = 0;
  base_ = base;
}

Status Cursor::seek(FrameIndex frame) {
  if (valid_ && frame >= base_ && frame == segment_end()) {
    // The next keyframe's frame is reached by decoding on (its chunk ends there, and
    // decode_forward starts the next segment) rather than by loading the keyframe: playing
    // forward then never copies a whole world state.
    if (move_within_segment(frame).ok()) return {};
    // A frame before it did not decode (a damaged chunk): load the keyframe instead.
  }
  const bool in_segment = valid_ && frame >= base_ && frame < segment_end();
  if (!in_segment) REEL_RETURN_IF_ERROR(reload(frame));
  return move_within_segment(frame);
}

Status Cursor::move_within_segment(FrameIndex frame) {
  while (state_.frame > frame) undo_one();
  while (state_.frame < frame && state_.frame < frontier()) redo_one();
  while (state_.frame < frame) REEL_RETURN_IF_ERROR(decode_forward());
  return {};
}

Status Cursor::step_back() {
  if (valid_ && state_.frame > base_) {
    undo_one();
    return {};
  }
  return seek(state_.frame - 1);
}

Status Cursor::start_segment(FrameIndex frame) {
  return reload(frame);
}

Status Cursor::reload(FrameIndex frame) {
  valid_ = false;
  reset_log(-1);
  REEL_ASSIGN_OR_RETURN(FrameIndex base, walker_.restart(frame));  // into state_
  reset_log(base);
  valid_ = true;
  return {};
}

Status Cursor::decode_forward() {
  if (log_len_ == log_.size()) log_.emplace_back();
  FrameLog& log = log_[log_len_];
  log.ops.clear();
  log.tick = state_.tick;
  log.time = state_.time;
  Status s = walker_.next(nullptr, &log.ops);
  if (!s.ok()) {
    valid_ = false;
    return s;
  }
  ++log_len_;
  log_bytes_ += sizeof(FrameLog) + log.ops.capacity() * sizeof(StateEdit);
  if (source_.codec().is_keyframe(state_.frame)) reset_log(state_.frame);
  return {};
}

void Cursor::undo_one() {
  FrameLog& log = log_[static_cast<size_t>(state_.frame - base_ - 1)];
  for (auto it = log.ops.rbegin(); it != log.ops.rend(); ++it) swap_edit(state_, *it);
  std::swap(state_.tick, log.tick);
  std::swap(state_.time, log.time);
  --state_.frame;
}

void Cursor::redo_one() {
  FrameLog& log = log_[static_cast<size_t>(state_.frame - base_)];
  for (StateEdit& edit : log.ops) swap_edit(state_, edit);
  std::swap(state_.tick, log.tick);
  std::swap(state_.time, log.time);
  ++state_.frame;
}

}  // namespace reel::replay
