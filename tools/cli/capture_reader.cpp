#include "capture_reader.h"

#include <cmath>
#include <span>

#include <fmt/core.h>

#include "reel/format/format_constants.h"

namespace reel::cli {
namespace {

// Dictionary's type id in each dialect's Variant header (the first u32 of a record's value).
constexpr uint8_t kDictionaryIdGodot4 = 27;
constexpr uint8_t kDictionaryIdGodot3 = 18;

const Variant* field(const Dictionary& d, const char* key) {
  return d.find(Variant(key));
}

// The characters of a String or StringName value.
const std::string* text_of(const Variant& v) {
  if (v.is<std::string>()) return &v.get<std::string>();
  if (v.is<StringName>()) return &v.get<StringName>().name;
  return nullptr;
}

// An Array item that must be an Array of exactly `n` items.
const std::vector<Variant>* tuple(const Variant& item, size_t n) {
  if (!item.is<Array>() || item.get<Array>().items.size() != n) return nullptr;
  return &item.get<Array>().items;
}

Status need(bool ok, const char* what) {
  return ok ? Status{} : Status::corruption("{}", what);
}

}  // namespace

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

Result<Variant> CaptureReader::read_record(const char* what) {
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
  if (offset_ == 0 && n >= 4) {
    // The header says its dialect, but decoding it needs one: Dictionary's type id tells.
    if (buffer_[0] == kDictionaryIdGodot3) header_.dialect = GodotDialect::kGodot3;
    if (buffer_[0] == kDictionaryIdGodot4) header_.dialect = GodotDialect::kGodot4;
  }
  auto decoded = decode_variant(std::span<const uint8_t>(buffer_.data(), n),
                                {.dialect = header_.dialect, .allow_objects = false});
  if (!decoded.ok()) {
    return Status::corruption("{}: byte {}: {} does not decode: {}", path_, offset_, what,
                              decoded.status().message());
  }
  if (decoded->bytes_read != n) {
    return Status::corruption("{}: byte {}: {} has {} bytes after its value", path_, offset_, what,
                              n - decoded->bytes_read);
  }
  if (!decoded->value.is<Dictionary>()) {
    return Status::corruption("{}: byte {}: {} is not a Dictionary", path_, offset_, what);
  }
  offset_ += 4 + n;
  return std::move(decoded->value);
}

Status CaptureReader::read_header() {
  if (size_ == 0) return Status::corruption("{}: empty file (not a Reel capture)", path_);
  auto record = read_record("header record");
  if (!record.ok()) return record.status();
  const Dictionary& d = record->get<Dictionary>();
  const Variant* version = field(d, "reel_capture");
  if (!version || !version->is<int64_t>()) {
    return Status::corruption("{}: not a Reel capture (no 'reel_capture' in its header)", path_);
  }
  header_.version = static_cast<int>(version->get<int64_t>());
  if (header_.version < 1 || header_.version > format::kCaptureVersion) {
    return Status::unsupported("{}: capture version {} (this reel reads 1..{})", path_,
                               header_.version, format::kCaptureVersion);
  }
  const Variant* godot = field(d, "godot");
  const int want = static_cast<int>(header_.dialect);
  if (!godot || !godot->is<int64_t>() || godot->get<int64_t>() != want) {
    return Status::corruption("{}: header: 'godot' must be {} (the dialect of its bytes)", path_,
                              want);
  }
  if (const Variant* name = field(d, "name"); name && text_of(*name))
    header_.name = *text_of(*name);
  if (const Variant* rate = field(d, "tick_rate");
      rate && (rate->is<double>() || rate->is<int64_t>())) {
    header_.tick_rate =
        rate->is<double>() ? rate->get<double>() : static_cast<double>(rate->get<int64_t>());
  }
  if (!(header_.tick_rate > 0) || !std::isfinite(header_.tick_rate)) {
    return Status::corruption("{}: header: tick_rate must be a positive number", path_);
  }
  if (const Variant* meta = field(d, "metadata"); meta && meta->is<Dictionary>()) {
    header_.metadata = meta->get<Dictionary>();
  }
  return {};
}

PropertyId CaptureReader::intern(const std::string& path) {
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i] == path) return static_cast<PropertyId>(i);
  }
  paths_.push_back(path);
  return static_cast<PropertyId>(paths_.size() - 1);
}

Status CaptureReader::to_frame(const Dictionary& d, Frame& frame) {
  frame.clear();
  const Variant* number = field(d, "frame");
  REEL_RETURN_IF_ERROR(need(number && number->is<int64_t>(), "no 'frame' number"));
  if (number->get<int64_t>() != frames_read_) {
    return Status::corruption("says it is frame {} (records lost or reordered)",
                              number->get<int64_t>());
  }
  const Variant* tick = field(d, "tick");
  REEL_RETURN_IF_ERROR(need(tick && tick->is<int64_t>(), "no 'tick' (int)"));
  if (frames_read_ > 0 && tick->get<int64_t>() <= last_tick_) {
    return Status::corruption("tick {} does not follow tick {}", tick->get<int64_t>(), last_tick_);
  }
  const Variant* time = field(d, "time");
  REEL_RETURN_IF_ERROR(need(time && time->is<double>() && std::isfinite(time->get<double>()),
                            "no 'time' (a finite float)"));
  frame.index = frames_read_;
  frame.tick = tick->get<int64_t>();
  frame.time = time->get<double>();
  const char* lists[] = {"spawns", "changes", "despawns", "events"};
  for (const char* key : lists) {
    const Variant* list = field(d, key);
    if (!list || !list->is<Array>()) return Status::corruption("no '{}' Array", key);
  }
  for (const Variant& item : field(d, "spawns")->get<Array>().items) {
    const auto* t = tuple(item, 2);
    REEL_RETURN_IF_ERROR(
        need(t && (*t)[0].is<int64_t>() && text_of((*t)[1]), "a spawn is not [entity id, class]"));
    frame.spawns.push_back({(*t)[0].get<int64_t>(), *text_of((*t)[1])});
  }
  for (const Variant& item : field(d, "changes")->get<Array>().items) {
    const auto* t = tuple(item, 3);
    REEL_RETURN_IF_ERROR(
        need(t && (*t)[0].is<int64_t>() && text_of((*t)[1]) && !text_of((*t)[1])->empty(),
             "a change is not [entity id, property path, value]"));
    frame.changes.push_back({(*t)[0].get<int64_t>(), intern(*text_of((*t)[1])), (*t)[2]});
  }
  for (const Variant& item : field(d, "despawns")->get<Array>().items) {
    REEL_RETURN_IF_ERROR(need(item.is<int64_t>(), "a despawn is not an entity id"));
    frame.despawns.push_back(item.get<int64_t>());
  }
  for (const Variant& item : field(d, "events")->get<Array>().items) {
    const auto* t = tuple(item, 3);
    REEL_RETURN_IF_ERROR(need(t && text_of((*t)[0]) && (*t)[1].is<int64_t>(),
                              "an event is not [name, entity id, args]"));
    frame.events.push_back({*text_of((*t)[0]), (*t)[1].get<int64_t>(), (*t)[2]});
  }
  return {};
}

Result<bool> CaptureReader::next(Frame& frame) {
  if (offset_ == size_) return false;
  const std::string what = fmt::format("frame {}", frames_read_);
  const int64_t at = offset_;
  auto record = read_record(what.c_str());
  if (!record.ok()) return record.status();
  const Status valid = to_frame(record->get<Dictionary>(), frame);
  if (!valid.ok()) {
    offset_ = at;  // the damaged record is not consumed
    return Status::corruption("{}: byte {}: {}: {}", path_, at, what, valid.message());
  }
  last_tick_ = frame.tick;
  ++frames_read_;
  return true;
}

}  // namespace reel::cli
