// libFuzzer target: the chunk reader and the keyframe decoder (FORMAT.md 6, 7) on arbitrary
// payloads, as a damaged or hostile file would hand them over after its checksum passed.
// Input: byte 0 = mode (bit 0: a keyframe alone; else bit 1: keyframe interval 4 instead of 1000,
// bit 2: lossy), then for a keyframe its payload; for a chunk a u16 (little-endian) keyframe
// length, that keyframe (the state the chunk starts from, empty when 0 bytes) and the chunk
// payload. Errors must be Status values naming the context (kCorruption or kUnsupported);
// whatever a keyframe decodes to must re-encode and decode back to an equal state, and a frame's
// undo log must lead back to the state before it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "reel/codec/frame_codec.h"

namespace {

using namespace reel;

[[noreturn]] void fail(const char* what, const Status& status) {
  std::fprintf(stderr, "fuzz_frame_decode: %s: %s\n", what, status.to_string().c_str());
  std::abort();
}

void check_error(const Status& status) {
  if (status.ok()) return;
  if (status.code() != StatusCode::kCorruption && status.code() != StatusCode::kUnsupported) {
    fail("unexpected status code", status);
  }
  if (status.message().find("fuzz") == std::string::npos) fail("error without context", status);
}

void check_chunk(std::span<const uint8_t> input, const CodecOptions& options) {
  if (input.size() < 2) return;
  const size_t keyframe_size = std::min<size_t>(input[0] | input[1] << 8, input.size() - 2);
  WorldState state;
  if (keyframe_size > 0 && !decode_keyframe(input.subspan(2, keyframe_size), state, "fuzz").ok()) {
    return;
  }
  const std::span<const uint8_t> payload = input.subspan(2 + keyframe_size);
  DeltaHistory history;
  ChunkReader reader(payload, state.frame + 1, history, options, "fuzz");
  Status status = reader.init();
  Frame frame;
  std::vector<StateEdit> undo;
  while (status.ok() && !reader.done()) {
    undo.clear();
    status = reader.next(state, &frame, &undo);
    if (status.ok()) {
      // Undo, then redo: the state is the frame's again (and before it in between).
      const WorldState after = state;
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) swap_edit(state, *it);
      for (StateEdit& edit : undo) swap_edit(state, edit);
      state.frame = after.frame;
      if (!(state == after)) fail("undo then redo changed the state", Status::internal("undo"));
    }
  }
  check_error(status);
}

void check_keyframe(std::span<const uint8_t> payload) {
  WorldState state;
  const Status status = decode_keyframe(payload, state, "fuzz");
  check_error(status);
  if (!status.ok()) return;
  std::vector<uint8_t> again;
  encode_keyframe(state, again);
  WorldState back;
  const Status redecoded = decode_keyframe(again, back, "fuzz again");
  if (!redecoded.ok()) fail("a decoded keyframe does not re-encode", redecoded);
  if (!(back == state)) fail("re-decoded keyframe differs", Status::internal("state"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::span<const uint8_t> payload(data + 1, size - 1);
  if (mode & 1) {
    check_keyframe(payload);
  } else {
    CodecOptions options;
    options.keyframe_interval = mode & 2 ? 4 : 1000;
    options.lossy.enabled = (mode & 4) != 0;
    check_chunk(payload, options);
  }
  return 0;
}
