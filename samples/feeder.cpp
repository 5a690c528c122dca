#include "reel/samples/feeder.h"

#include <cassert>

namespace reel::samples {

RecorderFeeder::RecorderFeeder(Recorder& recorder, const std::vector<std::string>& property_paths)
    : recorder_(recorder) {
  ids_.reserve(property_paths.size());
  for (const std::string& path : property_paths) ids_.push_back(recorder.intern_property(path));
}

Status RecorderFeeder::feed(const Frame& frame) {
  recorder_.begin_frame(frame.tick, frame.time);
  for (const Spawn& spawn : frame.spawns) recorder_.spawn(spawn.entity, spawn.class_name);
  for (const PropertyChange& change : frame.changes) {
    assert(change.property < ids_.size());
    recorder_.set(change.entity, ids_[change.property], change.value);
  }
  for (EntityId entity : frame.despawns) recorder_.despawn(entity);
  for (const Event& event : frame.events) recorder_.event(event.name, event.args, event.entity);
  return recorder_.end_frame();
}

}  // namespace reel::samples
