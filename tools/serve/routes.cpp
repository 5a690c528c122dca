// The endpoints of reel/serve/server.h. Every handler answers from a leased Replayer (or the
// catalog) and turns a failed Status into a JSON error (serve_context.h): a damaged frame fails
// that request only.
#include <charconv>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "json_out.h"
#include "reel/replay/recover.h"
#include "reel/replay/varstream.h"
#include "reel/store/liveness.h"
#include "reel/store/schema.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
#include "serve_context.h"

namespace reel::serve {
namespace {

using cli::Json;
constexpr const char* kSession = "/v1/sessions/([^/]+)";
constexpr const char* kBinary = "application/octet-stream";
constexpr const char* kJson = "application/json";

// A request parameter as a non-negative integer; `fallback` when absent.
Result<int64_t> int_param(const httplib::Request& req, const char* name, int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::invalid_argument("parameter {}={}: expected a whole number >= 0", name, text);
  }
  return value;
}

struct Encoding {
  bool json = false;
  GodotDialect dialect = GodotDialect::kGodot4;
};

Result<Encoding> encoding_params(const httplib::Request& req) {
  Encoding e;
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "var";
  if (format != "var" && format != "json") {
    return Status::invalid_argument("parameter format={}: expected var or json", format);
  }
  e.json = format == "json";
  const std::string godot = req.has_param("godot") ? req.get_param_value("godot") : "4";
  if (godot != "4" && godot != "3") {
    return Status::invalid_argument("parameter godot={}: expected 4 or 3", godot);
  }
  e.dialect = godot == "3" ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  return e;
}

// The Dictionary as var_to_bytes (for bytes_to_var) or as JSON (FORMAT.md 8).
Status reply_dictionary(httplib::Response& res, Dictionary&& d, const Encoding& e) {
  const Variant value(std::move(d));
  if (e.json) {
    res.set_content(cli::json_text(cli::dictionary_tree_json(value)), kJson);
    return {};
  }
  std::vector<uint8_t> bytes;
  bytes.reserve(64u << 10);
  EncodeOptions options;
  options.dialect = e.dialect;
  REEL_RETURN_IF_ERROR(e.dialect == GodotDialect::kGodot3
                           ? encode_variant(to_godot3(value), bytes, options)
                           : encode_variant(value, bytes, options));
  res.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), kBinary);
  return {};
}

// Frame F of the request path: a number or `last` (the last committed frame, read fresh).
Result<FrameIndex> frame_param(const std::string& text, Replayer& replayer) {
  if (text == "last") {
    REEL_RETURN_IF_ERROR(replayer.refresh().status());
    if (replayer.frame_count() == 0) {
      return Status::out_of_range("session '{}' holds no frame yet", replayer.session().name);
    }
    return replayer.frame_count() - 1;
  }
  int64_t frame = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), frame);
  if (ec != std::errc() || end != text.data() + text.size() || frame < 0) {
    return Status::invalid_argument("frame '{}': expected a frame number or last", text);
  }
  // A session still being recorded may have committed it since this replayer last looked.
  if (frame >= replayer.frame_count()) REEL_RETURN_IF_ERROR(replayer.refresh().status());
  if (frame >= replayer.frame_count()) {
    return Status::out_of_range("frame {} is outside session '{}' (frames 0..{})", frame,
                                replayer.session().name, replayer.frame_count() - 1);
  }
  return frame;
}

// Runs `body` with a leased Replayer of the path's session; failures become JSON errors.
template <class Body>
void with_session(ServeContext& ctx, const httplib::Request& req, httplib::Response& res,
                  Body body) {
  const std::string name = req.matches[1];
  auto pool = ctx.sessions.find(name);
  if (!pool.ok()) return reply_status(res, pool.status(), name);
  auto lease = (*pool)->lease();
  if (!lease.ok()) return reply_status(res, lease.status(), name);
  std::optional<int64_t> frame;
  Status s = body(**lease, frame);
  if (!s.ok()) reply_status(res, s, name, frame);
}

Json session_json(const schema::SessionRow& r) {
  return {{"name", r.name},
          {"id", r.id},
          {"status", schema::session_status_name(r.status)},
          {"end_reason", r.end_reason},
          {"frame_count", r.frame_count},
          {"tick_rate", r.tick_rate},
          {"first_tick", r.first_tick},
          {"last_tick", r.last_tick},
          {"duration", r.last_time},
          {"start_time_us", r.start_time_us},
          {"godot", static_cast<int>(r.dialect)}};
}

void get_sessions(ServeContext& ctx, httplib::Response& res) {
  auto rows = ctx.sessions.list();
  if (!rows.ok()) return reply_status(res, rows.status());
  Json list = Json::array();
  for (const auto& r : *rows) list.push_back(session_json(r));
  res.set_content(cli::json_text(Json{{"sessions", std::move(list)}}), kJson);
}

void get_session(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>&) -> Status {
    REEL_RETURN_IF_ERROR(r.refresh().status());
    Json doc = session_json(r.session());
    doc["properties"] = r.property_paths();
    REEL_ASSIGN_OR_RETURN(auto counts, r.event_counts());
    Json events = Json::object();
    for (const auto& [name, n] : counts) events[name] = n;
    doc["events"] = std::move(events);
    REEL_ASSIGN_OR_RETURN(auto keyframes, r.keyframe_frames());
    doc["keyframes"] = keyframes.size();
    res.set_content(cli::json_text(doc), kJson);
    return {};
  });
}

void get_events(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>&) -> Status {
    REEL_RETURN_IF_ERROR(r.refresh().status());
    const int64_t last = r.frame_count() - 1;
    REEL_ASSIGN_OR_RETURN(int64_t from, int_param(req, "from", 0));
    REEL_ASSIGN_OR_RETURN(int64_t to, int_param(req, "to", std::max<int64_t>(last, 0)));
    if (last < 0 || from > to || to > last) {
      return Status::out_of_range("frames {}..{} are outside session '{}' (frames 0..{})", from, to,
                                  r.session().name, last);
    }
    const std::string name = req.has_param("name") ? req.get_param_value("name") : "";
    REEL_ASSIGN_OR_RETURN(auto events, r.events(from, to, name));
    if (events.size() > static_cast<size_t>(ctx.options.max_frames_per_response) * 10) {
      return Status::out_of_range("{} events in frames {}..{}: ask for a shorter range",
                                  events.size(), from, to);
    }
    Json list = Json::array();
    for (const auto& e : events) {
      list.push_back({{"frame", e.frame},
                      {"seq", e.seq},
                      {"name", e.name},
                      {"entity", e.entity},
                      {"time", e.time ? Json(*e.time) : Json(nullptr)},
                      {"args", cli::variant_json(e.args)}});
    }
    res.set_content(cli::json_text(Json{{"session", r.session().name},
                                        {"from", from},
                                        {"to", to},
                                        {"events", std::move(list)}}),
                    kJson);
    return {};
  });
}

void get_state(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>& at) -> Status {
    REEL_ASSIGN_OR_RETURN(Encoding e, encoding_params(req));
    REEL_ASSIGN_OR_RETURN(FrameIndex frame, frame_param(req.matches[2], r));
    at = frame;
    REEL_ASSIGN_OR_RETURN(const WorldState* state, r.seek(frame));
    return reply_dictionary(res, state_dictionary(r.session(), r.property_paths(), *state), e);
  });
}

void get_entity(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>& at) -> Status {
    REEL_ASSIGN_OR_RETURN(Encoding e, encoding_params(req));
    const std::string id_text = req.matches[3];
    int64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size()) {
      return Status::invalid_argument("entity '{}': expected an entity id", id_text);
    }
    REEL_ASSIGN_OR_RETURN(FrameIndex frame, frame_param(req.matches[2], r));
    at = frame;
    REEL_ASSIGN_OR_RETURN(const WorldState* state, r.seek(frame));
    REEL_ASSIGN_OR_RETURN(Dictionary d,
                          entity_dictionary(r.session(), r.property_paths(), *state, id));
    return reply_dictionary(res, std::move(d), e);
  });
}

// The frame range [from, to] of a request, defaulting to the whole session, bounded.
Result<std::pair<FrameIndex, FrameIndex>> range_params(const ServeContext& ctx,
                                                       const httplib::Request& req, Replayer& r) {
  REEL_RETURN_IF_ERROR(r.refresh().status());
  const int64_t last = r.frame_count() - 1;
  REEL_ASSIGN_OR_RETURN(int64_t from, int_param(req, "from", 0));
  REEL_ASSIGN_OR_RETURN(int64_t to, int_param(req, "to", std::max<int64_t>(last, 0)));
  if (last < 0 || from > to || to > last) {
    return Status::out_of_range("frames {}..{} are outside session '{}' (frames 0..{})", from, to,
                                r.session().name, last);
  }
  if (to - from + 1 > ctx.options.max_frames_per_response) {
    return Status::out_of_range("frames {}..{} are {} frames, more than the {} one response holds",
                                from, to, to - from + 1, ctx.options.max_frames_per_response);
  }
  return std::make_pair(from, to);
}

// A sink into a response body that refuses to grow past the response limit.
ByteSink body_sink(const ServeContext& ctx, std::string& body) {
  return [&ctx, &body](const uint8_t* data, size_t size) -> Status {
    if (body.size() + size > ctx.options.max_response_bytes) {
      return Status::out_of_range("the response would exceed {} bytes: ask for fewer frames",
                                  ctx.options.max_response_bytes);
    }
    body.append(reinterpret_cast<const char*>(data), size);
    return {};
  };
}

// Holds one of `slots` for a scope; busy() when none was free.
class SlotGuard {
 public:
  explicit SlotGuard(Slots& slots) : slots_(slots), held_(slots.try_acquire()) {}
  ~SlotGuard() {
    if (held_) slots_.release();
  }
  bool busy() const { return !held_; }

 private:
  Slots& slots_;
  bool held_;
};

void get_varstream(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  SlotGuard slot(ctx.streams);
  if (slot.busy()) return reply_status(res, Status::busy("too many streams being built; retry"));
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>&) -> Status {
    REEL_ASSIGN_OR_RETURN(Encoding e, encoding_params(req));
    REEL_ASSIGN_OR_RETURN(auto range, range_params(ctx, req, r));
    VarstreamOptions options;
    options.dialect = e.dialect;
    REEL_ASSIGN_OR_RETURN(options.reset_interval, int_param(req, "reset_interval", 60));
    std::string body;
    REEL_RETURN_IF_ERROR(
        write_varstream(r, range.first, range.second, options, body_sink(ctx, body)).status());
    res.set_content(std::move(body), kBinary);
    return {};
  });
}

// PLAY.md records of frames [from, to] appended to `body` (store_var framing); with `full`, the
// first is the complete state after `from` (reset = true) rather than its changes.
Status append_records(Replayer& r, FrameIndex from, FrameIndex to, bool full, GodotDialect dialect,
                      const ByteSink& sink) {
  std::vector<uint8_t> buffer;
  return r.for_each_frame(from, to, [&](const Frame& frame, const WorldState& state) -> Status {
    buffer.clear();
    if (full && frame.index == from) {
      Frame opening = full_state_frame(state);
      opening.events = frame.events;
      REEL_RETURN_IF_ERROR(
          append_store_var(frame_record(opening, r.property_paths(), true), dialect, buffer));
    } else {
      REEL_RETURN_IF_ERROR(
          append_store_var(frame_record(frame, r.property_paths(), false), dialect, buffer));
    }
    return sink(buffer.data(), buffer.size());
  });
}

void set_follow_headers(httplib::Response& res, Replayer& r, FrameIndex next) {
  res.set_header("X-Reel-Next-Frame", std::to_string(next));
  res.set_header("X-Reel-Frame-Count", std::to_string(r.frame_count()));
  res.set_header("X-Reel-Status", schema::session_status_name(r.session().status));
}

bool recording(Replayer& r) {
  return r.session().status == format::SessionStatus::kRecording;
}

void get_follow(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  // A long poll holds a worker while it waits: followers share the live streams' slots.
  SlotGuard slot(ctx.live_streams);
  if (slot.busy()) return reply_status(res, Status::busy("too many followers; retry"));
  with_session(ctx, req, res, [&](Replayer& r, std::optional<int64_t>& at) -> Status {
    REEL_ASSIGN_OR_RETURN(Encoding e, encoding_params(req));
    REEL_ASSIGN_OR_RETURN(int64_t from, int_param(req, "from", 0));
    REEL_ASSIGN_OR_RETURN(int64_t wait_ms, int_param(req, "wait_ms", 10000));
    const bool full = req.has_param("full") && req.get_param_value("full") == "1";
    at = from;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::min<int64_t>(
                              wait_ms, static_cast<int64_t>(ctx.options.max_wait_s * 1000)));
    REEL_RETURN_IF_ERROR(r.refresh().status());
    // Waits for frame `from` to commit, while the session is being recorded.
    while (r.frame_count() <= from && recording(r) && !ctx.stopping &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      REEL_RETURN_IF_ERROR(r.refresh().status());
    }
    if (r.frame_count() <= from) {
      set_follow_headers(res, r, from);
      res.status = 204;  // nothing new (yet, or ever: see X-Reel-Status)
      return {};
    }
    const FrameIndex to =
        std::min(r.frame_count() - 1, from + ctx.options.max_frames_per_response - 1);
    std::string body;
    REEL_RETURN_IF_ERROR(append_records(r, from, to, full, e.dialect, body_sink(ctx, body)));
    set_follow_headers(res, r, to + 1);
    res.set_content(std::move(body), kBinary);
    return {};
  });
}

// /live: one chunked response that sends each frame's record as it commits (the first, from
// `from`, as a full state) until the session ends, the client leaves or max_live_s passes.
void get_live(ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto slot = std::make_shared<SlotGuard>(ctx.live_streams);
  if (slot->busy()) return reply_status(res, Status::busy("too many live streams; retry"));
  const std::string name = req.matches[1];
  auto pool = ctx.sessions.find(name);
  if (!pool.ok()) return reply_status(res, pool.status(), name);
  auto lease = (*pool)->lease();
  if (!lease.ok()) return reply_status(res, lease.status(), name);
  auto encoding = encoding_params(req);
  auto from = int_param(req, "from", 0);
  if (!encoding.ok() || !from.ok()) {
    return reply_status(res, encoding.ok() ? from.status() : encoding.status(), name);
  }
  struct LiveState {
    Lease lease;
    FrameIndex next;
    GodotDialect dialect;
    std::chrono::steady_clock::time_point deadline;
  };
  auto live = std::make_shared<LiveState>(LiveState{
      std::move(lease).value(), *from, encoding->dialect,
      std::chrono::steady_clock::now() +
          std::chrono::milliseconds(static_cast<int64_t>(ctx.options.max_live_s * 1000))});
  const FrameIndex first = *from;
  res.set_chunked_content_provider(
      kBinary, [&ctx, live, slot, first, name](size_t, httplib::DataSink& sink) -> bool {
        Replayer& r = *live->lease;
        while (!ctx.stopping && std::chrono::steady_clock::now() < live->deadline) {
          if (!r.refresh().ok()) return false;
          if (r.frame_count() > live->next) {
            const FrameIndex to =
                std::min(r.frame_count() - 1, live->next + ctx.options.max_frames_per_response - 1);
            Status s = append_records(r, live->next, to, live->next == first, live->dialect,
                                      [&](const uint8_t* data, size_t size) -> Status {
                                        if (!sink.write(reinterpret_cast<const char*>(data), size))
                                          return Status::io_error("the client left");
                                        return {};
                                      });
            if (!s.ok()) {
              if (s.code() != StatusCode::kIoError) {
                ctx.log(fmt::format("serve: live stream of '{}' stopped at frame {}: {}", name,
                                    live->next, s.message()));
              }
              return false;  // the client sees the stream cut short
            }
            live->next = to + 1;
            return true;
          }
          if (!recording(r)) break;  // ended, and every frame sent
          if (!sink.is_writable()) return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        sink.done();
        return true;
      });
}

}  // namespace

void add_routes(httplib::Server& server, ServeContext& ctx) {
  using httplib::Request;
  using httplib::Response;
  const std::string session = kSession;
  server.Get("/v1/sessions", [&ctx](const Request&, Response& res) { get_sessions(ctx, res); });
  server.Get(session, [&ctx](const Request& req, Response& res) { get_session(ctx, req, res); });
  server.Get(session + "/events",
             [&ctx](const Request& req, Response& res) { get_events(ctx, req, res); });
  server.Get(session + "/frames/([^/]+)/state",
             [&ctx](const Request& req, Response& res) { get_state(ctx, req, res); });
  server.Get(session + "/frames/([^/]+)/entities/([^/]+)",
             [&ctx](const Request& req, Response& res) { get_entity(ctx, req, res); });
  server.Get(session + "/varstream",
             [&ctx](const Request& req, Response& res) { get_varstream(ctx, req, res); });
  server.Get(session + "/follow",
             [&ctx](const Request& req, Response& res) { get_follow(ctx, req, res); });
  server.Get(session + "/live",
             [&ctx](const Request& req, Response& res) { get_live(ctx, req, res); });
}

}  // namespace reel::serve
