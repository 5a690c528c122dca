// "crowd": a deterministic workload of a multiplayer VR session (see samples/README.md).
//
// 100 VR players (tracked head and hands at the tick rate, an animation name, an inventory) and
// 400 physics props of which ~10% move at any time; players join and leave; "jump" and "grab"
// events. Same options (seed included) => the same frames, bit for bit, on every machine.
//
// Example:
//   reel::samples::CrowdGenerator crowd({.seed = 7});
//   reel::Frame frame;
//   for (int i = 0; i < 600; ++i) {
//     crowd.next(frame);       // frame 0 spawns everyone; later frames carry deltas
//     ...                      // frame.changes[k].property indexes crowd.property_paths()
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/variant/variant.h"

namespace reel::samples {

struct CrowdOptions {
  int players = 100;  // players online at once (churn keeps the count near this)
  int props = 400;
  double moving_fraction = 0.1;  // share of props in motion at any time, in [0, 1)
  double tick_rate = 60;         // frames per second
  uint64_t seed = 1;
  double position_jitter_m = 1e-4;    // Gaussian sigma per axis of tracked positions
  double rotation_jitter_deg = 0.05;  // Gaussian sigma per axis of tracked rotations
  bool churn = true;                  // players join and leave over time

  [[nodiscard]] Status validate() const;
};

// Property ids of the crowd session: PropertyId i is property_paths()[i].
enum CrowdProperty : PropertyId {
  kHeadTransform = 0,
  kLeftHandTransform = 1,
  kRightHandTransform = 2,
  kAnimation = 3,
  kInventory = 4,
  kPropTransform = 5,
};

inline constexpr const char* kPlayerClass = "res://player.tscn";
inline constexpr const char* kPropClass = "res://prop.tscn";

class CrowdGenerator {
 public:
  // REQUIRES: options.validate().ok() (invalid options are clamped to something sane).
  explicit CrowdGenerator(const CrowdOptions& options);
  ~CrowdGenerator();
  CrowdGenerator(CrowdGenerator&&) noexcept;
  CrowdGenerator& operator=(CrowdGenerator&&) noexcept;

  const CrowdOptions& options() const;
  // "head:transform", "left_hand:transform", "right_hand:transform", "animation", "inventory",
  // "transform" (indexes: CrowdProperty).
  const std::vector<std::string>& property_paths() const;

  // Replaces `frame`'s content with the next frame (index, tick, time, spawns, changes, despawns,
  // events). Reuses the frame's vectors: pass the same Frame every time to avoid allocation.
  void next(Frame& frame);
  // Frames produced so far.
  FrameIndex frames_generated() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace reel::samples
