// Internal to reel_codec: entity lookups of one frame's changes (writer and reader), and the undo
// log entry of an entity replaced or removed whole.
#pragma once

#include <memory>
#include <vector>

#include "reel/codec/frame_codec.h"

namespace reel::codec_internal {

// Entity lookups of one frame's changes, which come sorted by entity: consecutive changes of the
// same entity share one hash lookup. A change of an unknown entity spawns it implicitly
// (WorldState::apply does the same). Valid only while no entity is erased.
class EntityCursor {
 public:
  // An implicit spawn is logged to `undo` (when given) as "absent before".
  EntityCursor(WorldState& state, FrameIndex frame, std::vector<StateEdit>* undo = nullptr)
      : state_(state), frame_(frame), undo_(undo) {}
  EntityState& at(EntityId id) {
    if (current_ == nullptr || id != id_) {
      auto [it, inserted] = state_.entities.try_emplace(id);
      if (inserted) {
        it->second.spawn_frame = frame_;
        if (undo_) undo_->push_back(StateEdit{.kind = StateEdit::kEntity, .entity = id});
      }
      current_ = &it->second;
      id_ = id;
    }
    return *current_;
  }
  // The entity when it exists, without creating it.
  EntityState* find(EntityId id) {
    if (current_ != nullptr && id == id_) return current_;
    auto it = state_.entities.find(id);
    if (it == state_.entities.end()) return nullptr;
    current_ = &it->second;
    id_ = id;
    return current_;
  }

 private:
  WorldState& state_;
  FrameIndex frame_;
  std::vector<StateEdit>* undo_;
  EntityState* current_ = nullptr;
  EntityId id_ = 0;
};

// Logs an entity about to be replaced or removed whole (its state moves into the log).
inline void log_whole_entity(std::vector<StateEdit>& undo, EntityId id, EntityState& entity) {
  undo.push_back(StateEdit{.kind = StateEdit::kEntity,
                           .entity = id,
                           .whole = std::make_unique<EntityState>(std::move(entity))});
}

}  // namespace reel::codec_internal
