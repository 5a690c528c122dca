// RecorderFeeder: hands generated Frames to a Recorder through its public game-thread API.
#pragma once

#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/recorder/recorder.h"

namespace reel::samples {

class RecorderFeeder {
 public:
  // Interns every path once; a Frame's PropertyId i then maps to the recorder's id of
  // property_paths[i]. `recorder` must outlive the feeder; one game thread uses both.
  RecorderFeeder(Recorder& recorder, const std::vector<std::string>& property_paths);

  // begin_frame(tick, time), spawns, changes, despawns, events, end_frame. Returns end_frame's
  // Status. REQUIRES: every change's property < property_paths.size().
  [[nodiscard]] Status feed(const Frame& frame);

 private:
  Recorder& recorder_;
  std::vector<PropertyId> ids_;
};

}  // namespace reel::samples
