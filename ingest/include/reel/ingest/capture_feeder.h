// Hands validated capture frames (reel/capture) to a Recorder, mapping the capture's property ids
// (indexes of its decoder's paths) to the recorder's, interned on first use.
#pragma once

#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/recorder/recorder.h"

namespace reel {

class CaptureFeeder {
 public:
  // `paths`: the capture's property paths (CaptureDecoder::paths()); must outlive the feeder.
  CaptureFeeder(Recorder& recorder, const std::vector<std::string>& paths)
      : recorder_(recorder), paths_(paths) {}
  // Records `frame` (its values are moved out) and returns end_frame's status.
  [[nodiscard]] Status feed(Frame& frame);

 private:
  PropertyId property(PropertyId capture_id);
  Recorder& recorder_;
  const std::vector<std::string>& paths_;
  std::vector<PropertyId> ids_;
};

}  // namespace reel
