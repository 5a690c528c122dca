// The C API (capi/include/reel/reel.h) over reel::Recorder and reel::Replayer. Every entry point
// catches what the C++ side may throw (std::bad_alloc, ...) so that nothing crosses the C
// boundary, and turns a Status into a reel_status plus this thread's last-error message.
#include "reel/reel.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>

#include "reel/recorder/recorder.h"
#include "reel/replay/replayer.h"
#include "reel/variant/variant_binary.h"

struct reel_recorder {
  std::unique_ptr<reel::Recorder> recorder;
};

struct reel_replayer {
  std::unique_ptr<reel::Replayer> replayer;
};

namespace {

thread_local std::string last_error;

reel_status fail(reel_status status, std::string message) {
  last_error = std::move(message);
  return status;
}

reel_status from(const reel::Status& status) {
  if (status.ok()) return REEL_OK;
  // reel_status mirrors reel::StatusCode value for value (both "never renumber").
  return fail(static_cast<reel_status>(status.code()), status.message());
}

// Runs `body`, turning an escaping exception into REEL_INTERNAL.
template <class Fn>
reel_status guarded(const char* what, Fn&& body) {
  try {
    last_error.clear();
    return body();
  } catch (const std::bad_alloc&) {
    return fail(REEL_INTERNAL, std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return fail(REEL_INTERNAL, std::string(what) + ": " + e.what());
  }
}

reel_status null_argument(const char* what, const char* name) {
  return fail(REEL_INVALID_ARGUMENT, std::string(what) + ": " + name + " is NULL");
}

// Decodes a caller's var_to_bytes buffer; kCorruption names the byte offset.
reel::Result<reel::Variant> decode_argument(const char* what, const uint8_t* data, size_t size) {
  if (data == nullptr && size > 0) {
    return reel::Status::invalid_argument("{}: value is NULL with size {}", what, size);
  }
  auto decoded = reel::decode_variant(std::span<const uint8_t>(data, size));
  if (!decoded.ok()) {
    return reel::Status(decoded.status().code(),
                        std::string(what) + ": value: " + decoded.status().message());
  }
  return std::move(decoded->value);
}

reel_status give_bytes(const reel::Variant& value, reel_bytes* out) {
  std::vector<uint8_t> bytes;
  if (reel::Status s = reel::encode_variant(value, bytes); !s.ok()) return from(s);
  out->data = static_cast<uint8_t*>(std::malloc(std::max<size_t>(bytes.size(), 1)));
  if (out->data == nullptr) return fail(REEL_INTERNAL, "out of memory");
  std::memcpy(out->data, bytes.data(), bytes.size());
  out->size = bytes.size();
  return REEL_OK;
}

const reel::WorldState* cursor_state(const reel_replayer* r, const char* what, reel_status& st) {
  const reel::WorldState* state = r->replayer->current();
  if (state == nullptr) st = fail(REEL_OUT_OF_RANGE, std::string(what) + ": no frame yet (seek)");
  return state;
}

template <class Move>
reel_status move_cursor(reel_replayer* r, const char* what, Move&& move) {
  return guarded(what, [&] {
    if (r == nullptr) return null_argument(what, "replayer");
    auto state = move(*r->replayer);
    return state.ok() ? REEL_OK : from(state.status());
  });
}

// The entity at the cursor, or a REEL_NOT_FOUND naming it and the frame.
const reel::EntityState* find_entity(const reel_replayer* r, const char* what, int64_t entity,
                                     reel_status& st) {
  const reel::WorldState* state = cursor_state(r, what, st);
  if (state == nullptr) return nullptr;
  auto it = state->entities.find(entity);
  if (it == state->entities.end()) {
    st = fail(REEL_NOT_FOUND, std::string(what) + ": entity " + std::to_string(entity) +
                                  " is not alive at frame " + std::to_string(state->frame));
    return nullptr;
  }
  return &it->second;
}
}  // namespace

extern "C" {

int reel_api_version(void) {
  return REEL_C_API_VERSION;
}

const char* reel_last_error(void) {
  return last_error.c_str();
}

const char* reel_status_name(reel_status status) {
  switch (status) {
    case REEL_OK:
      return "REEL_OK";
    case REEL_INVALID_ARGUMENT:
      return "REEL_INVALID_ARGUMENT";
    case REEL_CORRUPTION:
      return "REEL_CORRUPTION";
    case REEL_NOT_FOUND:
      return "REEL_NOT_FOUND";
    case REEL_OUT_OF_RANGE:
      return "REEL_OUT_OF_RANGE";
    case REEL_UNSUPPORTED:
      return "REEL_UNSUPPORTED";
    case REEL_IO_ERROR:
      return "REEL_IO_ERROR";
    case REEL_BUSY:
      return "REEL_BUSY";
    case REEL_INTERNAL:
      return "REEL_INTERNAL";
  }
  return "REEL_UNKNOWN";
}

void reel_bytes_free(reel_bytes* bytes) {
  if (bytes == nullptr) return;
  std::free(bytes->data);
  bytes->data = nullptr;
  bytes->size = 0;
}

void reel_recorder_options_init(reel_recorder_options* options) {
  if (options == nullptr) return;
  *options = reel_recorder_options{};
  options->struct_size = sizeof(reel_recorder_options);
  options->tick_rate = 60.0;
  options->commit_interval_ms = 100;
  options->keyframe_interval = reel::CodecOptions{}.keyframe_interval;
  options->profile = REEL_PROFILE_LOCAL;
  options->vfs = nullptr;
}

reel_status reel_recorder_open(const char* path, const char* session_name,
                               const reel_recorder_options* options, reel_recorder** out) {
  return guarded("reel_recorder_open", [&] {
    if (path == nullptr) return null_argument("reel_recorder_open", "path");
    if (out == nullptr) return null_argument("reel_recorder_open", "out");
    *out = nullptr;
    reel_recorder_options o;
    reel_recorder_options_init(&o);
    if (options != nullptr) {
      if (options->struct_size < sizeof(reel_recorder_options)) {
        return fail(REEL_INVALID_ARGUMENT,
                    "reel_recorder_open: options->struct_size is not sizeof(reel_recorder_options) "
                    "(call reel_recorder_options_init)");
      }
      o = *options;
    }
    reel::RecorderOptions ro;
    ro.commit_interval = std::chrono::milliseconds(o.commit_interval_ms);
    ro.codec.keyframe_interval = o.keyframe_interval;
    ro.store.profile = o.profile == REEL_PROFILE_MVSQLITE ? reel::StorageProfile::kMvsqlite
                                                          : reel::StorageProfile::kLocal;
    if (o.vfs != nullptr) ro.store.vfs = o.vfs;
    reel::SessionInfo info{.name = session_name ? session_name : "", .tick_rate = o.tick_rate};
    auto rec = reel::Recorder::open(path, info, ro);
    if (!rec.ok()) return from(rec.status());
    *out = new reel_recorder{std::move(*rec)};
    return REEL_OK;
  });
}

reel_status reel_recorder_intern_property(reel_recorder* r, const char* path, uint32_t* out_id) {
  return guarded("reel_recorder_intern_property", [&] {
    if (r == nullptr) return null_argument("reel_recorder_intern_property", "recorder");
    if (path == nullptr || out_id == nullptr) {
      return null_argument("reel_recorder_intern_property", path ? "out_id" : "path");
    }
    *out_id = r->recorder->intern_property(path);
    return REEL_OK;
  });
}

reel_status reel_recorder_begin_frame(reel_recorder* r, int64_t tick, double time_seconds) {
  return guarded("reel_recorder_begin_frame", [&] {
    if (r == nullptr) return null_argument("reel_recorder_begin_frame", "recorder");
    r->recorder->begin_frame(tick, time_seconds);
    return REEL_OK;
  });
}

reel_status reel_recorder_spawn(reel_recorder* r, int64_t entity, const char* class_name) {
  return guarded("reel_recorder_spawn", [&] {
    if (r == nullptr) return null_argument("reel_recorder_spawn", "recorder");
    r->recorder->spawn(entity, class_name ? class_name : "");
    return REEL_OK;
  });
}

reel_status reel_recorder_despawn(reel_recorder* r, int64_t entity) {
  return guarded("reel_recorder_despawn", [&] {
    if (r == nullptr) return null_argument("reel_recorder_despawn", "recorder");
    r->recorder->despawn(entity);
    return REEL_OK;
  });
}

reel_status reel_recorder_set(reel_recorder* r, int64_t entity, uint32_t property,
                              const uint8_t* value, size_t size) {
  return guarded("reel_recorder_set", [&] {
    if (r == nullptr) return null_argument("reel_recorder_set", "recorder");
    auto v = decode_argument("reel_recorder_set", value, size);
    if (!v.ok()) return from(v.status());
    r->recorder->set(entity, property, std::move(*v));
    return REEL_OK;
  });
}

reel_status reel_recorder_event(reel_recorder* r, const char* name, const uint8_t* args,
                                size_t size, int64_t entity) {
  return guarded("reel_recorder_event", [&] {
    if (r == nullptr) return null_argument("reel_recorder_event", "recorder");
    if (name == nullptr) return null_argument("reel_recorder_event", "name");
    reel::Variant a;
    if (size > 0) {
      auto v = decode_argument("reel_recorder_event", args, size);
      if (!v.ok()) return from(v.status());
      a = std::move(*v);
    }
    r->recorder->event(name, std::move(a), entity);
    return REEL_OK;
  });
}

reel_status reel_recorder_end_frame(reel_recorder* r) {
  return guarded("reel_recorder_end_frame", [&] {
    if (r == nullptr) return null_argument("reel_recorder_end_frame", "recorder");
    return from(r->recorder->end_frame());
  });
}

reel_status reel_recorder_flush(reel_recorder* r) {
  return guarded("reel_recorder_flush", [&] {
    if (r == nullptr) return null_argument("reel_recorder_flush", "recorder");
    return from(r->recorder->flush());
  });
}

reel_status reel_recorder_stats_get(const reel_recorder* r, reel_recorder_stats* out) {
  return guarded("reel_recorder_stats_get", [&] {
    if (r == nullptr || out == nullptr) {
      return null_argument("reel_recorder_stats_get", r ? "out" : "recorder");
    }
    const reel::RecorderStats s = r->recorder->stats();
    *out = reel_recorder_stats{.struct_size = sizeof(reel_recorder_stats),
                               .frames_submitted = s.frames_submitted,
                               .frames_committed = s.frames_committed,
                               .frames_dropped = s.frames_dropped,
                               .commits = s.commits,
                               .stored_bytes = s.stored_bytes};
    return REEL_OK;
  });
}

reel_status reel_recorder_close(reel_recorder* r) {
  if (r == nullptr) return REEL_OK;
  std::unique_ptr<reel_recorder> owned(r);
  return guarded("reel_recorder_close", [&] { return from(owned->recorder->close()); });
}

reel_status reel_replayer_open(const char* path, const char* session_key, reel_replayer** out) {
  return guarded("reel_replayer_open", [&] {
    if (path == nullptr) return null_argument("reel_replayer_open", "path");
    if (out == nullptr) return null_argument("reel_replayer_open", "out");
    *out = nullptr;
    auto rep = reel::Replayer::open(path, session_key ? session_key : "");
    if (!rep.ok()) return from(rep.status());
    *out = new reel_replayer{std::move(*rep)};
    return REEL_OK;
  });
}

reel_status reel_replayer_info(const reel_replayer* r, reel_session_info* out) {
  return guarded("reel_replayer_info", [&] {
    if (r == nullptr || out == nullptr) {
      return null_argument("reel_replayer_info", r ? "out" : "replayer");
    }
    const auto& s = r->replayer->session();
    *out = reel_session_info{
        .struct_size = sizeof(reel_session_info),
        .session_id = s.id,
        .frame_count = r->replayer->frame_count(),
        .tick_rate = s.tick_rate,
        .property_count = static_cast<int32_t>(r->replayer->property_paths().size())};
    return REEL_OK;
  });
}

reel_status reel_replayer_refresh(reel_replayer* r, int64_t* new_frames) {
  return guarded("reel_replayer_refresh", [&] {
    if (r == nullptr) return null_argument("reel_replayer_refresh", "replayer");
    auto n = r->replayer->refresh();
    if (!n.ok()) return from(n.status());
    if (new_frames != nullptr) *new_frames = *n;
    return REEL_OK;
  });
}

reel_status reel_replayer_property_path(const reel_replayer* r, uint32_t id,
                                        const char** out_path) {
  return guarded("reel_replayer_property_path", [&] {
    if (r == nullptr || out_path == nullptr) {
      return null_argument("reel_replayer_property_path", r ? "out_path" : "replayer");
    }
    const auto& paths = r->replayer->property_paths();
    if (id >= paths.size()) {
      return fail(REEL_NOT_FOUND, "reel_replayer_property_path: no property id " +
                                      std::to_string(id) + " (the session has " +
                                      std::to_string(paths.size()) + ")");
    }
    *out_path = paths[id].c_str();
    return REEL_OK;
  });
}

reel_status reel_replayer_seek(reel_replayer* r, int64_t frame) {
  return move_cursor(r, "reel_replayer_seek", [&](reel::Replayer& p) { return p.seek(frame); });
}

reel_status reel_replayer_step_forward(reel_replayer* r) {
  return move_cursor(r, "reel_replayer_step_forward",
                     [](reel::Replayer& p) { return p.step_forward(); });
}

reel_status reel_replayer_step_back(reel_replayer* r) {
  return move_cursor(r, "reel_replayer_step_back", [](reel::Replayer& p) { return p.step_back(); });
}

reel_status reel_replayer_position(const reel_replayer* r, int64_t* frame, int64_t* tick,
                                   double* time_seconds) {
  return guarded("reel_replayer_position", [&] {
    if (r == nullptr) return null_argument("reel_replayer_position", "replayer");
    reel_status st = REEL_OK;
    const reel::WorldState* state = cursor_state(r, "reel_replayer_position", st);
    if (state == nullptr) return st;
    if (frame) *frame = state->frame;
    if (tick) *tick = state->tick;
    if (time_seconds) *time_seconds = state->time;
    return REEL_OK;
  });
}

reel_status reel_replayer_entities(const reel_replayer* r, reel_bytes* out) {
  return guarded("reel_replayer_entities", [&] {
    if (r == nullptr || out == nullptr) {
      return null_argument("reel_replayer_entities", r ? "out" : "replayer");
    }
    *out = reel_bytes{};
    reel_status st = REEL_OK;
    const reel::WorldState* state = cursor_state(r, "reel_replayer_entities", st);
    if (state == nullptr) return st;
    reel::PackedInt64Array ids;
    ids.reserve(state->entities.size());
    for (const auto& [id, entity] : state->entities) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    return give_bytes(reel::Variant(std::move(ids)), out);
  });
}

reel_status reel_replayer_get(const reel_replayer* r, int64_t entity, const char* path,
                              reel_bytes* out) {
  return guarded("reel_replayer_get", [&] {
    if (r == nullptr || path == nullptr || out == nullptr) {
      return null_argument("reel_replayer_get", r == nullptr ? "replayer" : path ? "out" : "path");
    }
    *out = reel_bytes{};
    auto id = r->replayer->property_id(path);
    if (!id.ok()) return from(id.status());
    reel_status st = REEL_OK;
    const reel::EntityState* e = find_entity(r, "reel_replayer_get", entity, st);
    if (e == nullptr) return st;
    const reel::Variant* value = e->find(*id);
    if (value == nullptr) {
      return fail(REEL_NOT_FOUND, "reel_replayer_get: entity " + std::to_string(entity) +
                                      " has no '" + path + "' at frame " +
                                      std::to_string(r->replayer->current()->frame));
    }
    return give_bytes(*value, out);
  });
}

reel_status reel_replayer_entity(const reel_replayer* r, int64_t entity, reel_bytes* out) {
  return guarded("reel_replayer_entity", [&] {
    if (r == nullptr || out == nullptr) {
      return null_argument("reel_replayer_entity", r ? "out" : "replayer");
    }
    *out = reel_bytes{};
    reel_status st = REEL_OK;
    const reel::EntityState* e = find_entity(r, "reel_replayer_entity", entity, st);
    if (e == nullptr) return st;
    const auto& paths = r->replayer->property_paths();
    reel::Dictionary properties;
    for (const auto& [id, value] : e->properties) properties.set(paths.at(id), value);
    reel::Dictionary d;
    d.set("id", entity);
    d.set("class", e->class_name);
    d.set("spawn_frame", e->spawn_frame);
    d.set("properties", std::move(properties));
    return give_bytes(reel::Variant(std::move(d)), out);
  });
}

void reel_replayer_close(reel_replayer* r) {
  delete r;
}

}  // extern "C"
