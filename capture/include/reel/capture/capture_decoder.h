// Decodes one stream of ReelRecorder capture records (format/FORMAT.md 10): a header record, then
// one frame record per captured frame. Whatever carries the records (a file, a TCP connection, a
// batch of an HTTP POST) hands them over one at a time; the decoder checks every rule of the
// stream: the header first and only once, its version and dialect, frame numbers 0, 1, 2 ...
// without a gap, ticks strictly increasing, finite times, the shape of every list item. A record
// that breaks a rule is refused whole (nothing of it is handed out) and the decoder's state is
// unchanged, so a caller never sees part of a damaged frame.
//
// Errors are kCorruption (kUnsupported for a newer capture version) without any location: the
// caller knows where the record came from (file and byte offset, peer) and adds it.
//
// Memory is bounded by the record: decoding allocates in proportion to the record's bytes (the
// Variant decoder caps containers by the bytes left); the caller bounds the record's size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/variant/variant.h"
#include "reel/variant/variant_binary.h"

namespace reel {

// The header record's fields.
struct CaptureHeader {
  int version = 0;
  GodotDialect dialect = GodotDialect::kGodot4;
  std::string name;
  double tick_rate = 60.0;
  Dictionary metadata;
  // Optional fields a network transport reads (FORMAT.md 10, Transport): the ingest token, and
  // the stream id that ties a web game's HTTP batches to one session. Empty when absent.
  std::string token;
  std::string stream;
};

class CaptureDecoder {
 public:
  // Decodes one record's value (the bytes after its u32 length) into its Dictionary. Before the
  // header the dialect is read from the Dictionary's type id in the first byte (27 in Godot 4,
  // 18 in Godot 3); after it, the header's dialect is used. Does not change the decoder.
  [[nodiscard]] Result<Dictionary> decode(std::span<const uint8_t> value) const;

  // Accepts the header record: the stream's first record, once. `decoded_as`: the dialect its
  // bytes were decoded in (capture_dialect_of), which its `godot` field must name.
  [[nodiscard]] Status accept_header(const Dictionary& record, GodotDialect decoded_as);
  // Accepts the next frame record into `frame` (cleared first). Property ids in `frame` index
  // paths(), interned in order of first use.
  [[nodiscard]] Status accept_frame(const Dictionary& record, Frame& frame);

  // decode() + accept_header() for the first record, decode() + accept_frame() after it: true
  // when `frame` holds the next frame, false when the record was the header.
  [[nodiscard]] Result<bool> accept(std::span<const uint8_t> value, Frame& frame);

  bool has_header() const { return has_header_; }
  const CaptureHeader& header() const { return header_; }
  const std::vector<std::string>& paths() const { return paths_; }
  // Frames accepted so far: the number the next frame record must carry.
  int64_t frames_accepted() const { return frames_accepted_; }

  // The `frame` number a record says it is (no other check), for a transport that skips frames
  // it has already recorded (a retried HTTP batch).
  static std::optional<int64_t> frame_number(const Dictionary& record);

 private:
  [[nodiscard]] Status read_frame(const Dictionary& record, Frame& frame);
  PropertyId intern(const std::string& path);

  bool has_header_ = false;
  CaptureHeader header_;
  int64_t frames_accepted_ = 0;
  int64_t last_tick_ = 0;
  std::vector<std::string> paths_;  // a refused frame's new paths are dropped again
};

// The dialect a header record's value is in, from its first byte; nullopt when it is neither.
std::optional<GodotDialect> capture_dialect_of(std::span<const uint8_t> value);

}  // namespace reel
