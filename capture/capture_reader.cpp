#include "reel/capture/capture_reader.h"

#include <fmt/core.h>

namespace reel {

CaptureReader::CaptureReader(std::string path, std::ifstream in, int64_t size)
    : path_(std::move(path)), in_(std::move(in)), size_(size) {}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::not_found("{}: cannot open it", path);
  const auto size = static_cast<int64_t>(in.tellg());
  std::unique_ptr<CaptureReader> reader(new CaptureReader(path, std::move(in), size));
  REEL_RETURN_IF_ERROR(reader->read_header());
  return reader;
}

Result<Dictionary> CaptureReader::read_record(const std::string& what) {
  const int64_t left = size_ - offset_;
  if (left < 4) {
    return Status::corruption("{}: byte {}: {} truncated: {} of the 4 length bytes", path_, offset_,
                              what, left);
  }
  uint8_t len_bytes[4];
  in_.seekg(offset_);
  in_.read(reinterpret_cast<char*>(len_bytes), 4);
  const uint32_t n = len_bytes[0] | (len_bytes[1] << 8) | (len_bytes[2] << 16) |
                     (static_cast<uint32_t>(len_bytes[3]) << 24);
  if (static_cast<int64_t>(n) > left - 4) {
    return Status::corruption("{}: byte {}: {} truncated: its length says {} bytes, {} left", path_,
                              offset_, what, n, left - 4);
  }
  buffer_.resize(n);
  in_.read(reinterpret_cast<char*>(buffer_.data()), n);
  if (!in_) return Status::io_error("{}: byte {}: read failed", path_, offset_);
  auto record = decoder_.decode(buffer_);
  if (!record.ok()) {
    return Status::corruption("{}: byte {}: {} {}", path_, offset_, what,
                              record.status().message());
  }
  return record;
}

Status CaptureReader::read_header() {
  if (size_ == 0) return Status::corruption("{}: empty file (not a Reel capture)", path_);
  REEL_ASSIGN_OR_RETURN(Dictionary record, read_record("header record"));
  const auto dialect = capture_dialect_of(buffer_).value_or(GodotDialect::kGodot4);
  const Status header = decoder_.accept_header(record, dialect);
  if (!header.ok()) return header.with_context(path_);
  offset_ += 4 + static_cast<int64_t>(buffer_.size());
  return {};
}

Result<bool> CaptureReader::next(Frame& frame) {
  if (offset_ == size_) return false;
  const std::string what = fmt::format("frame {}", decoder_.frames_accepted());
  REEL_ASSIGN_OR_RETURN(Dictionary record, read_record(what));
  const Status valid = decoder_.accept_frame(record, frame);
  if (!valid.ok()) {
    return Status::corruption("{}: byte {}: {}: {}", path_, offset_, what, valid.message());
  }
  offset_ += 4 + static_cast<int64_t>(buffer_.size());
  return true;
}

}  // namespace reel
