#include "reel/capture/capture_decoder.h"

#include <cmath>

#include "reel/format/format_constants.h"

namespace reel {
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

std::string optional_text(const Dictionary& d, const char* key) {
  const Variant* v = field(d, key);
  return v && text_of(*v) ? *text_of(*v) : std::string();
}

}  // namespace

std::optional<GodotDialect> capture_dialect_of(std::span<const uint8_t> value) {
  if (value.size() < 4) return std::nullopt;
  if (value[0] == kDictionaryIdGodot3) return GodotDialect::kGodot3;
  if (value[0] == kDictionaryIdGodot4) return GodotDialect::kGodot4;
  return std::nullopt;
}

Result<Dictionary> CaptureDecoder::decode(std::span<const uint8_t> value) const {
  GodotDialect dialect = header_.dialect;
  if (!has_header_) dialect = capture_dialect_of(value).value_or(GodotDialect::kGodot4);
  auto decoded = decode_variant(value, {.dialect = dialect, .allow_objects = false});
  if (!decoded.ok()) return Status::corruption("does not decode: {}", decoded.status().message());
  if (decoded->bytes_read != value.size()) {
    return Status::corruption("has {} bytes after its value", value.size() - decoded->bytes_read);
  }
  if (!decoded->value.is<Dictionary>()) return Status::corruption("is not a Dictionary");
  return std::move(decoded->value.get<Dictionary>());
}

Status CaptureDecoder::accept_header(const Dictionary& d, GodotDialect decoded_as) {
  if (has_header_) return Status::corruption("a second header record (a stream has one)");
  const Variant* version = field(d, "reel_capture");
  if (!version || !version->is<int64_t>()) {
    return Status::corruption("not a Reel capture (no 'reel_capture' in its header)");
  }
  CaptureHeader header;
  header.version = static_cast<int>(version->get<int64_t>());
  if (header.version < 1 || header.version > format::kCaptureVersion) {
    return Status::unsupported("capture version {} (this reel reads 1..{})", header.version,
                               format::kCaptureVersion);
  }
  const Variant* godot = field(d, "godot");
  if (!godot || !godot->is<int64_t>() ||
      (godot->get<int64_t>() != 3 && godot->get<int64_t>() != 4)) {
    return Status::corruption("header: 'godot' must be 3 or 4 (the dialect of its bytes)");
  }
  // `godot` must name the dialect the header's own bytes are in (their Dictionary type id).
  const int want = static_cast<int>(decoded_as);
  if (godot->get<int64_t>() != want) {
    return Status::corruption("header: 'godot' must be {} (the dialect of its bytes)", want);
  }
  header.dialect = decoded_as;
  header.name = optional_text(d, "name");
  if (const Variant* rate = field(d, "tick_rate");
      rate && (rate->is<double>() || rate->is<int64_t>())) {
    header.tick_rate =
        rate->is<double>() ? rate->get<double>() : static_cast<double>(rate->get<int64_t>());
  }
  if (!(header.tick_rate > 0) || !std::isfinite(header.tick_rate)) {
    return Status::corruption("header: tick_rate must be a positive number");
  }
  if (const Variant* meta = field(d, "metadata"); meta && meta->is<Dictionary>()) {
    header.metadata = meta->get<Dictionary>();
  }
  header.token = optional_text(d, "token");
  header.stream = optional_text(d, "stream");
  header_ = std::move(header);
  has_header_ = true;
  return {};
}

PropertyId CaptureDecoder::intern(const std::string& path) {
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i] == path) return static_cast<PropertyId>(i);
  }
  paths_.push_back(path);
  return static_cast<PropertyId>(paths_.size() - 1);
}

std::optional<int64_t> CaptureDecoder::frame_number(const Dictionary& record) {
  const Variant* number = field(record, "frame");
  if (!number || !number->is<int64_t>()) return std::nullopt;
  return number->get<int64_t>();
}

Result<bool> CaptureDecoder::accept(std::span<const uint8_t> value, Frame& frame) {
  REEL_ASSIGN_OR_RETURN(Dictionary record, decode(value));
  if (!has_header_) {
    REEL_RETURN_IF_ERROR(
        accept_header(record, capture_dialect_of(value).value_or(GodotDialect::kGodot4)));
    return false;
  }
  REEL_RETURN_IF_ERROR(accept_frame(record, frame));
  return true;
}

Status CaptureDecoder::accept_frame(const Dictionary& d, Frame& frame) {
  if (!has_header_) return Status::corruption("a frame record before the header record");
  const size_t paths_before = paths_.size();
  Status status = read_frame(d, frame);
  if (!status.ok()) {
    paths_.resize(paths_before);  // a refused record leaves the decoder as it was
    frame.clear();
    return status;
  }
  last_tick_ = frame.tick;
  ++frames_accepted_;
  return {};
}

Status CaptureDecoder::read_frame(const Dictionary& d, Frame& frame) {
  frame.clear();
  const auto number = frame_number(d);
  REEL_RETURN_IF_ERROR(need(number.has_value(), "no 'frame' number"));
  if (*number != frames_accepted_) {
    return Status::corruption("says it is frame {} (records lost or reordered)", *number);
  }
  const Variant* tick = field(d, "tick");
  REEL_RETURN_IF_ERROR(need(tick && tick->is<int64_t>(), "no 'tick' (int)"));
  if (frames_accepted_ > 0 && tick->get<int64_t>() <= last_tick_) {
    return Status::corruption("tick {} does not follow tick {}", tick->get<int64_t>(), last_tick_);
  }
  const Variant* time = field(d, "time");
  REEL_RETURN_IF_ERROR(need(time && time->is<double>() && std::isfinite(time->get<double>()),
                            "no 'time' (a finite float)"));
  frame.index = frames_accepted_;
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

}  // namespace reel
