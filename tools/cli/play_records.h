// The frame records shared by `reel play` (tools/cli/PLAY.md) and `reel export --format varstream`
// (FORMAT.md 9): the events of a frame and a writer of store_var-framed records (u32 LE length + var_to_bytes).
//
// CLI edge only: failures throw CliError.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"
#include "reel/replay/replayer.h"
#include "reel/replay/varstream.h"

namespace reel::cli {

// frame_record() and full_state_frame() live in the replay library (reel/replay/varstream.h).

// The events recorded at `frame`.
std::vector<Event> events_of(Replayer& replayer, FrameIndex frame);

// Writes store_var records to a file (or stdout when `path` is empty). A Godot 3 consumer gets
// what Godot 3 lacks converted first (FORMAT.md 1, "Godot 3 output"). The file is owned.
class StoreVarWriter {
 public:
  StoreVarWriter(const std::string& path, GodotDialect dialect, bool flush_each);
  ~StoreVarWriter();
  StoreVarWriter(const StoreVarWriter&) = delete;
  StoreVarWriter& operator=(const StoreVarWriter&) = delete;

  // Writes one record; `what` names it in errors ("frame 12"). Returns the byte offset at which
  // the record (its length field) starts.
  int64_t write(const Variant& record, const std::string& what);
  // Writes raw bytes as they are (a record framed by the caller).
  void write_raw(const std::vector<uint8_t>& bytes, const std::string& what);
  // Bytes written so far.
  int64_t position() const { return position_; }
  void finish();

 private:
  std::string path_;
  bool flush_each_;
  EncodeOptions options_;
  FILE* file_ = nullptr;
  bool owned_ = false;
  int64_t position_ = 0;
  std::vector<uint8_t> buffer_;
};

}  // namespace reel::cli
