// Records three frames of one entity into argv[1], replays frame 2 and prints its position.
#include <cstdio>

#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto rec = reel::Recorder::open(argv[1], {.name = "consumer", .tick_rate = 60});
  if (!rec.ok()) return 1;
  for (int i = 0; i < 3; ++i) {
    (*rec)->begin_frame(i, i / 60.0);
    if (i == 0) (*rec)->spawn(1, "Ball");
    (*rec)->set(1, "position", reel::Vector3{static_cast<float>(i), 0, 0});
    if (!(*rec)->end_frame().ok()) return 1;
  }
  if (!(*rec)->close().ok()) return 1;
  auto replayer = reel::Replayer::open(argv[1], "consumer");
  if (!replayer.ok()) return 1;
  auto state = (*replayer)->seek(2);
  auto property = (*replayer)->property_id("position");
  if (!state.ok() || !property.ok()) return 1;
  const reel::Variant* v = (*state)->entities.at(1).find(*property);
  std::printf("frame 2 position x = %g\n", v ? v->get<reel::Vector3>().x : -1.0f);
  return 0;
}
