// The logical content of one recorded frame and of the world state it acts on.
//
// These are the in-memory forms shared by the recorder (which builds Frames), the frame codec
// (which turns them into bytes, see FORMAT.md section 6) and the replayer (which applies them to a
// WorldState).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "reel/variant/variant.h"

namespace reel {

using EntityId = int64_t;
// A property path ("position", "head:transform") interned once per session; ids start at 0 and
// are dense.
using PropertyId = uint32_t;
// Frames are numbered 0, 1, 2 ... in recording order; the game's own tick number is kept beside.
using FrameIndex = int64_t;

struct PropertyChange {
  EntityId entity = 0;
  PropertyId property = 0;
  Variant value;
};

struct Spawn {
  EntityId entity = 0;
  std::string class_name;  // a class or scene path; may be empty
};

// A player action or other discrete happening: a name and Variant arguments.
struct Event {
  std::string name;
  EntityId entity = -1;  // -1 when not tied to an entity
  Variant args;
};

struct Frame {
  FrameIndex index = 0;
  int64_t tick = 0;
  double time = 0;  // seconds since the session started
  // Applied in this order: spawns, then changes, then despawns.
  std::vector<Spawn> spawns;
  std::vector<PropertyChange> changes;
  std::vector<EntityId> despawns;
  std::vector<Event> events;
  // Frames folded into this one by the recorder's drop policy (their intermediate values are
  // lost; their spawns, despawns, events and final values are kept here). 0 normally.
  int32_t coalesced = 0;

  void clear() {
    coalesced = 0;
    spawns.clear();
    changes.clear();
    despawns.clear();
    events.clear();
  }
};

struct EntityState {
  std::string class_name;
  FrameIndex spawn_frame = 0;
  // Sorted by PropertyId; small (an entity has a handful of properties).
  std::vector<std::pair<PropertyId, Variant>> properties;

  const Variant* find(PropertyId id) const;
  // Returns the slot for `id`, inserting a NIL value in order when absent.
  Variant& slot(PropertyId id);
};

// Every live entity and its properties at one frame.
struct WorldState {
  FrameIndex frame = -1;  // the frame this state is the result of (-1: before the first frame)
  int64_t tick = 0;
  double time = 0;
  std::unordered_map<EntityId, EntityState> entities;

  // Applies `frame` (spawns, changes, despawns) and advances frame/tick/time. A change for an
  // entity that was never spawned spawns it implicitly with an empty class name.
  void apply(const Frame& frame);
  friend bool operator==(const WorldState& a, const WorldState& b);
};

// One reversible edit of a WorldState, in swap form: swap_edit() exchanges the state's side with
// the edit's, so the same edit undoes a frame and then redoes it. A frame's edits are undone in
// reverse order and redone in order.
struct StateEdit {
  enum Kind : uint8_t { kEntity, kSlot };
  Kind kind = kSlot;
  bool present = false;  // kSlot: `value` holds a present property
  PropertyId property = 0;
  EntityId entity = 0;
  Variant value;                       // kSlot
  std::unique_ptr<EntityState> whole;  // kEntity: null = the entity is absent on this side
};
// REQUIRES for kSlot: the entity exists in `state` (edits are applied in log order).
void swap_edit(WorldState& state, StateEdit& edit);

}  // namespace reel
