// Reads a ReelRecorder capture file (format/FORMAT.md 10): store_var records (u32 LE length +
// var_to_bytes of a Dictionary), checked by a CaptureDecoder. Errors name the file, the byte
// offset of the bad record and its frame number.
//
// Memory is bounded: a record's length is checked against the bytes left in the file before
// anything is allocated.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "reel/capture/capture_decoder.h"

namespace reel {

class CaptureReader {
 public:
  // Opens the file and reads its header. Errors name the file and the byte offset.
  [[nodiscard]] static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);

  const CaptureHeader& header() const { return decoder_.header(); }
  const std::vector<std::string>& paths() const { return decoder_.paths(); }
  // Byte offset of the next record (where a failure of next() happened).
  int64_t offset() const { return offset_; }
  // Frames read so far (the frame number a failure of next() is about).
  int64_t frames_read() const { return decoder_.frames_accepted(); }

  // The next frame into `frame`; false at the clean end of the file. kCorruption naming the byte
  // offset and the frame when the record is truncated or invalid (it is not consumed).
  [[nodiscard]] Result<bool> next(Frame& frame);

 private:
  CaptureReader(std::string path, std::ifstream in, int64_t size);
  // Reads and decodes the record at offset_ (not consuming it).
  [[nodiscard]] Result<Dictionary> read_record(const std::string& what);
  [[nodiscard]] Status read_header();

  std::string path_;
  std::ifstream in_;
  int64_t size_ = 0;
  int64_t offset_ = 0;
  CaptureDecoder decoder_;
  std::vector<uint8_t> buffer_;
};

}  // namespace reel
