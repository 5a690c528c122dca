#include "reel/ingest/capture_feeder.h"

namespace reel {

Status CaptureFeeder::feed(Frame& frame) {
  recorder_.begin_frame(frame.tick, frame.time);
  for (const auto& s : frame.spawns) recorder_.spawn(s.entity, s.class_name);
  for (auto& c : frame.changes) recorder_.set(c.entity, property(c.property), std::move(c.value));
  for (EntityId id : frame.despawns) recorder_.despawn(id);
  for (auto& e : frame.events) recorder_.event(e.name, std::move(e.args), e.entity);
  return recorder_.end_frame();
}

PropertyId CaptureFeeder::property(PropertyId capture_id) {
  while (ids_.size() <= capture_id) {
    ids_.push_back(recorder_.intern_property(paths_[ids_.size()]));
  }
  return ids_[capture_id];
}

}  // namespace reel
