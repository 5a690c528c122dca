#include "reel/codec/frame.h"

#include <algorithm>
#include <cstring>

namespace reel {

const Variant* EntityState::find(PropertyId id) const {
  auto it = std::lower_bound(properties.begin(), properties.end(), id,
                             [](const auto& p, PropertyId v) { return p.first < v; });
  return it != properties.end() && it->first == id ? &it->second : nullptr;
}

Variant& EntityState::slot(PropertyId id) {
  auto it = std::lower_bound(properties.begin(), properties.end(), id,
                             [](const auto& p, PropertyId v) { return p.first < v; });
  if (it == properties.end() || it->first != id) it = properties.emplace(it, id, Variant{});
  return it->second;
}

void WorldState::apply(const Frame& f) {
  for (const Spawn& s : f.spawns) {
    EntityState& e = entities[s.entity];
    e = EntityState{};
    e.class_name = s.class_name;
    e.spawn_frame = f.index;
  }
  for (const PropertyChange& c : f.changes) {
    auto [it, inserted] = entities.try_emplace(c.entity);
    if (inserted) it->second.spawn_frame = f.index;
    it->second.slot(c.property) = c.value;
  }
  for (EntityId id : f.despawns) entities.erase(id);
  frame = f.index;
  tick = f.tick;
  time = f.time;
}

namespace {

void swap_slot(EntityState& e, StateEdit& edit) {
  auto it = std::lower_bound(e.properties.begin(), e.properties.end(), edit.property,
                             [](const auto& p, PropertyId v) { return p.first < v; });
  const bool here = it != e.properties.end() && it->first == edit.property;
  if (here && edit.present) {
    std::swap(it->second, edit.value);
  } else if (edit.present) {
    e.properties.emplace(it, edit.property, std::move(edit.value));
    edit.value = Variant{};
    edit.present = false;
  } else if (here) {
    edit.value = std::move(it->second);
    e.properties.erase(it);
    edit.present = true;
  }
}

void swap_entity(WorldState& s, StateEdit& edit) {
  auto it = s.entities.find(edit.entity);
  if (it != s.entities.end() && edit.whole) {
    std::swap(it->second, *edit.whole);
  } else if (it != s.entities.end()) {
    edit.whole = std::make_unique<EntityState>(std::move(it->second));
    s.entities.erase(it);
  } else if (edit.whole) {
    s.entities.emplace(edit.entity, std::move(*edit.whole));
    edit.whole.reset();
  }
}

}  // namespace

void swap_edit(WorldState& state, StateEdit& edit) {
  if (edit.kind == StateEdit::kEntity) {
    swap_entity(state, edit);
  } else {
    swap_slot(state.entities.find(edit.entity)->second, edit);
  }
}

bool operator==(const WorldState& a, const WorldState& b) {
  if (a.frame != b.frame || a.tick != b.tick || a.entities.size() != b.entities.size()) {
    return false;
  }
  if (std::memcmp(&a.time, &b.time, sizeof a.time) != 0) return false;
  for (const auto& [id, ea] : a.entities) {
    auto it = b.entities.find(id);
    if (it == b.entities.end()) return false;
    const EntityState& eb = it->second;
    if (ea.class_name != eb.class_name || ea.spawn_frame != eb.spawn_frame ||
        ea.properties.size() != eb.properties.size()) {
      return false;
    }
    for (size_t i = 0; i < ea.properties.size(); ++i) {
      if (ea.properties[i].first != eb.properties[i].first ||
          !(ea.properties[i].second == eb.properties[i].second)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace reel
