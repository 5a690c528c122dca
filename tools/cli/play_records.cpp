#include "play_records.h"

#include <algorithm>
#include <cerrno>

#include <fmt/core.h>

#include "cli_util.h"
#include "file_checks.h"
#include "reel/variant/godot3_convert.h"

namespace reel::cli {
namespace {

Array pair(Variant a, Variant b) {
  Array arr;
  arr.items.push_back(std::move(a));
  arr.items.push_back(std::move(b));
  return arr;
}

Array events_array(const std::vector<Event>& events) {
  Array out;
  for (const auto& e : events) {
    Array item = pair(e.name, int64_t{e.entity});
    item.items.push_back(e.args);
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace

Dictionary frame_record(const Frame& frame, const std::vector<std::string>& paths, bool reset) {
  Array changes, spawns, despawns;
  for (const auto& s : frame.spawns) spawns.items.push_back(pair(int64_t{s.entity}, s.class_name));
  for (const auto& c : frame.changes) {
    Array item = pair(int64_t{c.entity}, c.property < paths.size() ? paths[c.property] : "");
    item.items.push_back(c.value);
    changes.items.push_back(std::move(item));
  }
  for (EntityId id : frame.despawns) despawns.items.push_back(int64_t{id});
  Dictionary d;
  d.set("frame", int64_t{frame.index});
  d.set("tick", frame.tick);
  d.set("time", frame.time);
  d.set("changes", std::move(changes));
  d.set("spawns", std::move(spawns));
  d.set("despawns", std::move(despawns));
  d.set("events", events_array(frame.events));
  d.set("reset", reset);
  return d;
}

Frame full_state_frame(const WorldState& state) {
  Frame f;
  f.index = state.frame;
  f.tick = state.tick;
  f.time = state.time;
  std::vector<EntityId> ids;
  for (const auto& [id, e] : state.entities) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    f.spawns.push_back({id, e.class_name});
    for (const auto& [pid, value] : e.properties) f.changes.push_back({id, pid, value});
  }
  return f;
}

std::vector<Event> events_of(Replayer& replayer, FrameIndex frame) {
  std::vector<Event> out;
  for (auto& r : value_or_throw(replayer.events(frame, frame))) {
    out.push_back({std::move(r.name), r.entity, std::move(r.args)});
  }
  return out;
}

StoreVarWriter::StoreVarWriter(const std::string& path, GodotDialect dialect, bool flush_each)
    : path_(path.empty() ? "stdout" : path), flush_each_(flush_each) {
  options_.dialect = dialect;
  if (path.empty()) {
    file_ = stdout;
    return;
  }
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) {
    const int err = errno;
    throw CliError(kExitBadInput, fmt::format("--out {}: {}", path,
                                              err == ENOENT ? "cannot create it: no such directory"
                                                            : errno_text(err)));
  }
  owned_ = true;
}

StoreVarWriter::~StoreVarWriter() {
  if (owned_) std::fclose(file_);
}

int64_t StoreVarWriter::write(const Variant& record, const std::string& what) {
  buffer_.assign(4, 0);
  const Status encoded = options_.dialect == GodotDialect::kGodot3
                             ? encode_variant(to_godot3(record), buffer_, options_)
                             : encode_variant(record, buffer_, options_);
  throw_if_error(encoded, what);
  auto n = static_cast<uint32_t>(buffer_.size() - 4);
  for (int i = 0; i < 4; ++i) buffer_[i] = static_cast<uint8_t>(n >> (8 * i));
  const int64_t at = position_;
  write_raw(buffer_, what);
  return at;
}

void StoreVarWriter::write_raw(const std::vector<uint8_t>& bytes, const std::string& what) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() ||
      (flush_each_ && std::fflush(file_) != 0)) {
    throw CliError(kExitInternal, fmt::format("{}: write failed at {}", path_, what));
  }
  position_ += static_cast<int64_t>(bytes.size());
}

void StoreVarWriter::finish() {
  if (std::fflush(file_) != 0) throw CliError(kExitInternal, path_ + ": write failed");
}

}  // namespace reel::cli
