// Crash recovery for servers: the complete world state at a session's last committed frame, fast
// (the last keyframe plus the chunks after it: the cost does not grow with the session's length)
// and in the form a restarted Godot server loads with `bytes_to_var`.
//
// Example (a server restarting after a crash):
//   auto recovered = reel::recover_state("match.reel", "match-1");
//   if (!recovered.ok()) ...;
//   std::vector<uint8_t> bytes;
//   (void)reel::encode_variant(Variant(reel::state_dictionary(*recovered)), bytes);
//   // Godot: var state: Dictionary = bytes_to_var(bytes)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/store/liveness.h"
#include "reel/store/schema.h"
#include "reel/format/status.h"
#include "reel/replay/replayer.h"

namespace reel {

struct RecoverOptions {
  ReplayOptions replay;  // storage profile, VFS
  // The frame to recover; absent = the last committed frame.
  std::optional<FrameIndex> at;
  // Before reading, a database this process can write is settled: hot journal rolled back, WAL
  // checkpointed, sessions whose recorder is gone sealed `interrupted` (FORMAT.md 5).
  bool settle = true;
  schema::LivenessOptions liveness;
};

struct RecoveredState {
  schema::SessionRow session;               // as read after settling (status, end_reason, counts)
  std::vector<std::string> property_paths;  // by PropertyId
  WorldState state;                         // state.frame: the recovered frame
  int sessions_sealed = 0;  // sessions of the database sealed interrupted by this call
  std::string notice;       // how the file was opened, when worth saying (Store::notice)
};

// kNotFound / kInvalidArgument for an unknown session, kOutOfRange when it holds no frame (or
// `at` is outside it), kCorruption when a blob needed is damaged.
[[nodiscard]] Result<RecoveredState> recover_state(const std::string& path,
                                                   std::string_view session,
                                                   const RecoverOptions& options = {});

// What a recorder needs to continue a session after its last committed frame (Recorder::resume):
// the last keyframe's state at or before that frame, the frames after it, the property paths.
struct KeyframeSegment {
  WorldState keyframe_state;
  std::vector<Frame> frames_after_keyframe;  // up to and including the last committed frame
  std::vector<std::string> property_paths;
};
[[nodiscard]] Result<KeyframeSegment> last_keyframe_segment(const std::string& path,
                                                            std::string_view session,
                                                            const RecoverOptions& options = {});

// The state as one Godot Dictionary (FORMAT.md 8, "Recovered state"):
//   {"format": "reel-state", "version": 1, "session": String, "session_id": int,
//    "status": String, "end_reason": String, "frame": int, "tick": int, "time": float,
//    "frame_count": int, "frames_handed_over": int,
//    "entities": {id(int): {"class": String, "spawn_frame": int,
//                           "properties": {path(String): value}}}}
// Entities in ascending id order, properties in PropertyId order.
Dictionary state_dictionary(const RecoveredState& recovered);
// The same Dictionary for a state read by a Replayer (no copy of the state): `session` gives the
// session keys, `paths` the property paths by id.
Dictionary state_dictionary(const schema::SessionRow& session,
                            const std::vector<std::string>& paths, const WorldState& state);

// One entity of a state as a Godot Dictionary (FORMAT.md 8, "One entity"): what a server that
// takes an entity over (hibernation, transfer) spawns it from.
//   {"format": "reel-entity", "version": 1, "session": String, "session_id": int,
//    "frame": int, "tick": int, "time": float, "entity": int, "class": String,
//    "spawn_frame": int, "properties": {path(String): value}}
// kNotFound naming the entity and frame when it is not alive in `state`.
[[nodiscard]] Result<Dictionary> entity_dictionary(const schema::SessionRow& session,
                                                   const std::vector<std::string>& paths,
                                                   const WorldState& state, EntityId entity);

}  // namespace reel
