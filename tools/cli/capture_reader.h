// Reads a ReelRecorder capture file (format/FORMAT.md 9, "capture"): a header record, then one
// frame record per physics frame, each a store_var record (u32 LE length + var_to_bytes of a
// Dictionary). Every record is validated completely before it is handed out, so a caller never
// sees part of a damaged frame.
//
// Memory is bounded: a record's length is checked against the bytes left in the file before
// anything is allocated, and the decoder caps what one record may allocate.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"

namespace reel::cli {

struct CaptureHeader {
  int version = 0;
  GodotDialect dialect = GodotDialect::kGodot4;
  std::string name;
  double tick_rate = 60.0;
  Dictionary metadata;
};

// One frame of a capture, with its property paths (the Frame's property ids index `paths` of the
// reader, interned in order of first use).
class CaptureReader {
 public:
  // Opens the file and reads its header. Errors name the file and the byte offset.
  [[nodiscard]] static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);

  const CaptureHeader& header() const { return header_; }
  const std::vector<std::string>& paths() const { return paths_; }
  // Byte offset of the next record (where a failure of next() happened).
  int64_t offset() const { return offset_; }
  // Frames read so far (the frame number a failure of next() is about).
  int64_t frames_read() const { return frames_read_; }

  // The next frame into `frame`; std::nullopt-like false at the clean end of the file.
  // kCorruption naming the byte offset and the frame when the record is truncated or invalid.
  [[nodiscard]] Result<bool> next(Frame& frame);

 private:
  CaptureReader(std::string path, std::ifstream in, int64_t size);
  // Reads the record at offset_: its Variant, advancing offset_ only on success.
  [[nodiscard]] Result<Variant> read_record(const char* what);
  [[nodiscard]] Status read_header();
  [[nodiscard]] Status to_frame(const Dictionary& record, Frame& frame);
  PropertyId intern(const std::string& path);

  std::string path_;
  std::ifstream in_;
  int64_t size_ = 0;
  int64_t offset_ = 0;
  int64_t frames_read_ = 0;
  int64_t last_tick_ = 0;
  CaptureHeader header_;
  std::vector<std::string> paths_;
  std::vector<uint8_t> buffer_;
};

}  // namespace reel::cli
