#include "reel/replay/replayer.h"

#include <algorithm>

#include "cursor.h"
#include "source.h"

namespace reel {
namespace {

// Events are read for for_each_frame in windows of this many frames (bounded memory).
constexpr FrameIndex kEventWindowFrames = 1024;

}  // namespace

// on_problem and on_bypassed together, for damage that is bypassed.
static std::function<void(const Status&)> both(const ReplayOptions& options) {
  if (!options.on_problem && !options.on_bypassed) return {};
  return [options](const Status& problem) {
    if (options.on_problem) options.on_problem(problem);
    if (options.on_bypassed) options.on_bypassed(problem);
  };
}

class Replayer::Impl {
 public:
  Impl(std::unique_ptr<Store> store, int64_t format_version, schema::SessionRow session,
       CodecOptions codec, std::vector<std::string> paths, const ReplayOptions& options)
      : store_(std::move(store)),
        events_sql_{events_query(format_version, false), events_query(format_version, true)},
        session_(std::move(session)),
        codec_(codec),
        paths_(std::move(paths)),
        on_problem_(both(options)),
        source_(*store_, session_.id, codec_, options.cache_budget_bytes, options.on_problem,
                options.on_bypassed),
        cursor_(std::make_unique<replay::Cursor>(source_)),
        standby_(std::make_unique<replay::Cursor>(source_)),
        scratch_(source_) {}

  const schema::SessionRow& session() const { return session_; }
  const CodecOptions& codec() const { return codec_; }
  const std::vector<std::string>& paths() const { return paths_; }
  FrameIndex frame_count() const { return session_.frame_count; }

  Result<PropertyId> property_id(std::string_view path) const {
    auto it = std::find(paths_.begin(), paths_.end(), path);
    if (it == paths_.end()) {
      return Status::not_found("session {}: no property '{}'", session_.id, path);
    }
    return static_cast<PropertyId>(it - paths_.begin());
  }

  Result<int64_t> refresh() {
    REEL_ASSIGN_OR_RETURN(schema::SessionRow row, schema::load_session(*store_, session_.id));
    const int64_t added = row.frame_count - session_.frame_count;
    session_ = std::move(row);
    REEL_ASSIGN_OR_RETURN(paths_, load_paths(*store_, session_.id, on_problem_));
    REEL_RETURN_IF_ERROR(check_frame_count(*store_, session_, on_problem_));
    return added;
  }

  // The property paths, lost rows as placeholders (reported), so the rest stays readable.
  static Result<std::vector<std::string>> load_paths(
      Store& store, int64_t session_id, const std::function<void(const Status&)>& on_problem) {
    std::vector<PropertyId> missing;
    REEL_ASSIGN_OR_RETURN(auto paths, schema::load_properties(store, session_id, &missing));
    if (!missing.empty() && on_problem) {
      on_problem(Status::corruption("session {}: {} property row(s) lost (first: id {}); their "
                                    "values show under '{}'",
                                    session_id, missing.size(), missing.front(),
                                    schema::missing_property_path(missing.front())));
    }
    return paths;
  }

  // A catalog frame_count beyond the last chunk (a lying row) is cut to the frames that exist and
  // reported. One index lookup.
  static Status check_frame_count(Store& store, schema::SessionRow& session,
                                  const std::function<void(const Status&)>& on_problem) {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store.prepare("SELECT max(last_frame) FROM chunks WHERE session_id = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, session.id));
    auto row = st->step();
    const FrameIndex frames =
        row.ok() && *row && !st->column_is_null(0) ? st->column_int64(0) + 1 : 0;
    st->reset();
    if (!row.ok()) return row.status();
    if (session.frame_count > frames) {
      if (on_problem) {
        on_problem(Status::corruption(
            "session {}: the catalog says {} frames, the chunks hold {}: frames {}..{} are missing",
            session.id, session.frame_count, frames, frames, session.frame_count - 1));
      }
      session.frame_count = frames;
    }
    return {};
  }

  Status check_frame(FrameIndex frame) const {
    if (frame < 0 || frame >= session_.frame_count) {
      return Status::out_of_range("session {}: frame {} is outside 0..{}", session_.id, frame,
                                  session_.frame_count - 1);
    }
    return {};
  }

  Result<const WorldState*> seek(FrameIndex frame) {
    REEL_RETURN_IF_ERROR(check_frame(frame));
    Status s = cursor_->seek(frame);
    if (!s.ok()) return s;
    return &cursor_->state();
  }

  Result<const WorldState*> step_forward() {
    if (!cursor_->valid()) return seek(0);
    return seek(cursor_->state().frame + 1);
  }

  Result<const WorldState*> step_back() {
    if (!cursor_->valid()) {
      return Status::out_of_range("session {}: step back before any seek", session_.id);
    }
    const FrameIndex target = cursor_->state().frame - 1;
    REEL_RETURN_IF_ERROR(check_frame(target));
    if (target < cursor_->base() && standby_->valid() && standby_->state().frame == target) {
      std::swap(cursor_, standby_);
      standby_->invalidate();
      return &cursor_->state();
    }
    REEL_RETURN_IF_ERROR(cursor_->step_back());
    prepare_standby();
    return &cursor_->state();
  }

  // Brings the standby cursor one share closer to the state before the cursor's segment: its
  // keyframe on one call, then enough frames per call to be there when the cursor arrives. Errors
  // are left for the crossing itself to report (it then seeks the ordinary way).
  void prepare_standby() {
    const FrameIndex goal = cursor_->base() - 1;
    if (goal < 0) return;
    if (!standby_->valid() || standby_->state().frame > goal || standby_->base() > goal) {
      if (!standby_->start_segment(goal).ok()) standby_->invalidate();
      return;
    }
    const FrameIndex needed = goal - standby_->state().frame;
    const FrameIndex steps_left = std::max<FrameIndex>(1, cursor_->state().frame - cursor_->base());
    for (FrameIndex i = 0; i < (needed + steps_left - 1) / steps_left; ++i) {
      if (!standby_->decode_forward().ok()) return;  // invalid now; the crossing will seek
    }
  }

  const WorldState* current() const { return cursor_->valid() ? &cursor_->state() : nullptr; }

  Result<double> time_of(FrameIndex frame) {
    REEL_RETURN_IF_ERROR(check_frame(frame));
    REEL_ASSIGN_OR_RETURN(replay::ChunkInfo info, source_.chunk_info(frame));
    if (frame == info.first_frame) return info.first_time;
    if (frame == info.last_frame) return info.last_time;
    if (cursor_->valid() && cursor_->state().frame == frame) return cursor_->state().time;
    REEL_RETURN_IF_ERROR(scratch_.advance_to(frame));
    return scratch_.state().time;
  }

  Result<FrameIndex> frame_at_time(double seconds) {
    if (session_.frame_count == 0) {
      return Status::out_of_range("session {}: holds no frame yet", session_.id);
    }
    // The last frame whose chunk starts at or before `seconds` (times never decrease).
    FrameIndex lo = 0, hi = session_.frame_count - 1;
    REEL_ASSIGN_OR_RETURN(replay::ChunkInfo first, source_.chunk_info(0));
    if (seconds < first.first_time) return FrameIndex{0};
    while (lo < hi) {
      const FrameIndex mid = lo + (hi - lo + 1) / 2;
      REEL_ASSIGN_OR_RETURN(replay::ChunkInfo c, source_.chunk_info(mid));
      if (c.first_time <= seconds) {
        lo = std::min(c.last_frame, hi);  // every frame of c qualifies; lo >= mid
      } else {
        hi = c.first_frame - 1;  // no frame of c qualifies; hi < mid
      }
    }
    // `lo` is in the chunk that holds the answer; decode it when its frames straddle `seconds`.
    REEL_ASSIGN_OR_RETURN(replay::ChunkInfo c, source_.chunk_info(lo));
    if (c.last_time <= seconds) return std::min(c.last_frame, session_.frame_count - 1);
    FrameIndex best = c.first_frame;
    REEL_RETURN_IF_ERROR(scratch_.advance_to(c.first_frame));
    while (scratch_.state().frame < c.last_frame) {
      REEL_RETURN_IF_ERROR(scratch_.next(nullptr));
      if (scratch_.state().time > seconds) break;
      best = scratch_.state().frame;
    }
    return best;
  }

  // After `why` stopped a walk at frame `first`: without a handler (or for other errors) fails
  // with it; else moves the scratch walker to the next intact keyframe <= `to`, tells on_skip and
  // sets `next` to the frame after it (to + 1 when none).
  Status skip_damage(FrameIndex first, FrameIndex to, const Status& why, const SkipHandler& on_skip,
                     FrameIndex& next) {
    if (!on_skip || !replay::is_damage(why)) return why;
    REEL_ASSIGN_OR_RETURN(const FrameIndex resume, scratch_.restart_forward(first, to));
    SkippedRange skipped{first, resume < 0 ? to : resume - 1, resume, why,
                         resume < 0 ? nullptr : &scratch_.state()};
    REEL_RETURN_IF_ERROR(on_skip(skipped));
    next = resume < 0 ? to + 1 : resume + 1;
    return {};
  }

  Status for_each_frame(FrameIndex from, FrameIndex to,
                        const std::function<Status(const Frame&, const WorldState&)>& fn,
                        const SkipHandler& on_skip) {
    REEL_RETURN_IF_ERROR(check_frame(from));
    REEL_RETURN_IF_ERROR(check_frame(to));
    if (from > to) return Status::invalid_argument("frame range {}..{} is reversed", from, to);
    FrameIndex f = from;
    if (Status s = scratch_.advance_to(from - 1); !s.ok()) {
      REEL_RETURN_IF_ERROR(skip_damage(from, to, s, on_skip, f));
    }
    Frame frame;
    std::vector<EventRecord> window;
    size_t next_event = 0;
    FrameIndex window_start = f, window_end = f - 1;
    while (f <= to) {
      if (f > window_end || f < window_start) {
        window_start = f;
        window_end = std::min(to, f + kEventWindowFrames - 1);
        REEL_ASSIGN_OR_RETURN(window, events(f, window_end, {}, {}));
        next_event = 0;
      }
      if (Status s = scratch_.next(&frame); !s.ok()) {
        REEL_RETURN_IF_ERROR(skip_damage(f, to, s, on_skip, f));
        continue;
      }
      while (next_event < window.size() && window[next_event].frame < f) ++next_event;
      for (; next_event < window.size() && window[next_event].frame == f; ++next_event) {
        EventRecord& e = window[next_event];
        frame.events.push_back(Event{std::move(e.name), e.entity, std::move(e.args)});
      }
      REEL_RETURN_IF_ERROR(fn(frame, scratch_.state()));
      ++f;
    }
    return {};
  }

  Result<std::vector<PropertySample>> history(EntityId entity, PropertyId property, FrameIndex from,
                                              FrameIndex to, const SkipHandler& on_skip) {
    REEL_RETURN_IF_ERROR(check_frame(from));
    REEL_RETURN_IF_ERROR(check_frame(to));
    if (from > to) return Status::invalid_argument("frame range {}..{} is reversed", from, to);
    std::vector<PropertySample> samples;
    auto sample = [&](const WorldState& s) {
      PropertySample out{s.frame, s.time, Variant{}, false};
      auto it = s.entities.find(entity);
      if (it != s.entities.end()) {
        if (const Variant* v = it->second.find(property)) {
          out.value = *v;
          out.present = true;
        }
      }
      return out;
    };
    // Adds the scratch state's sample when it differs from the last one (always after a skip).
    auto add_sample = [&](bool always) {
      PropertySample s = sample(scratch_.state());
      if (always || samples.empty() || s.present != samples.back().present ||
          !(s.value == samples.back().value)) {
        samples.push_back(std::move(s));
      }
    };
    FrameIndex next = from;
    if (Status s = scratch_.advance_to(from); !s.ok()) {
      REEL_RETURN_IF_ERROR(skip_damage(from, to, s, on_skip, next));
      if (next > to && !scratch_.valid()) return samples;
    }
    add_sample(true);
    while (scratch_.state().frame < to) {
      const FrameIndex f = scratch_.state().frame + 1;
      if (Status s = scratch_.next(nullptr); !s.ok()) {
        REEL_RETURN_IF_ERROR(skip_damage(f, to, s, on_skip, next));
        if (!scratch_.valid()) break;  // no intact keyframe up to `to`
        add_sample(true);
        continue;
      }
      add_sample(false);
    }
    return samples;
  }

  Result<std::vector<EventRecord>> events(FrameIndex from, FrameIndex to, std::string_view name,
                                         const std::function<void(const Status&)>& on_damaged) {
    const bool by_name = !name.empty();
    REEL_ASSIGN_OR_RETURN(Statement * st, store_->prepare(events_sql_[by_name]));
    int p = 1;
    REEL_RETURN_IF_ERROR(st->bind(p++, session_.id));
    if (by_name) REEL_RETURN_IF_ERROR(st->bind(p++, name));
    REEL_RETURN_IF_ERROR(st->bind(p++, from));
    REEL_RETURN_IF_ERROR(st->bind(p++, to));
    std::vector<EventRecord> out;
    Status status;
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        status = row.status();
        break;
      }
      if (!*row) break;
      EventRecord e;
      e.frame = st->column_int64(0);
      e.seq = st->column_int64(1);
      e.name = std::string(st->column_text(2));
      e.entity = st->column_is_null(3) ? -1 : st->column_int64(3);
      if (!st->column_is_null(5)) e.time = st->column_double(5);
      auto args = schema::open_variant(
          st->column_blob(4),
          fmt::format("session {}: event frame {} seq {}", session_.id, e.frame, e.seq),
          session_.type_ids);
      if (!args.ok() && on_damaged && replay::is_damage(args.status())) {
        on_damaged(args.status());
        continue;
      }
      if (!args.ok()) {
        status = args.status();
        break;
      }
      e.args = std::move(*args);
      out.push_back(std::move(e));
    }
    st->reset();
    if (!status.ok()) return status;
    return out;
  }

  Result<std::vector<std::pair<std::string, int64_t>>> event_counts() {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store_->prepare("SELECT name, count(*) FROM events WHERE session_id = ? "
                                          "GROUP BY name ORDER BY name"));
    REEL_RETURN_IF_ERROR(st->bind(1, session_.id));
    std::vector<std::pair<std::string, int64_t>> out;
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        st->reset();
        return row.status();
      }
      if (!*row) break;
      out.emplace_back(std::string(st->column_text(0)), st->column_int64(1));
    }
    st->reset();
    return out;
  }

  Result<std::vector<FrameIndex>> keyframe_frames() {
    REEL_ASSIGN_OR_RETURN(Statement * st,
                          store_->prepare("SELECT frame FROM keyframes WHERE session_id = ? "
                                          "ORDER BY frame"));
    REEL_RETURN_IF_ERROR(st->bind(1, session_.id));
    std::vector<FrameIndex> out;
    for (;;) {
      auto row = st->step();
      if (!row.ok()) {
        st->reset();
        return row.status();
      }
      if (!*row) break;
      out.push_back(st->column_int64(0));
    }
    st->reset();
    return out;
  }

  CacheStats cache_stats() const {
    CacheStats s = source_.stats();
    s.bytes_in_use += cursor_->log_bytes() + standby_->log_bytes();
    return s;
  }

  void drop_caches() {
    source_.drop_cache();
    cursor_->invalidate();
    standby_->invalidate();
  }

 private:
  // The events of a frame range, all or by name (events.time exists from format version 2 on).
  static std::string events_query(int64_t format_version, bool by_name) {
    return fmt::format(
        "SELECT frame, seq, name, entity_id, args, {} FROM events WHERE session_id = ? {}AND "
        "frame BETWEEN ? AND ? ORDER BY frame, seq",
        format_version >= 2 ? "time" : "NULL", by_name ? "AND name = ? " : "");
  }

  std::unique_ptr<Store> store_;
  const std::string events_sql_[2];  // [by_name]
  schema::SessionRow session_;
  CodecOptions codec_;
  std::vector<std::string> paths_;
  std::function<void(const Status&)> on_problem_;
  replay::Source source_;
  // The cursor, and the previous keyframe segment's log being built a frame or two per step back
  // (swapped in when the cursor steps back across its keyframe): no step back pays for a whole
  // segment's decoding at once.
  std::unique_ptr<replay::Cursor> cursor_;
  std::unique_ptr<replay::Cursor> standby_;
  replay::Walker scratch_;  // for reads that must not move the cursor
};

Result<std::unique_ptr<Replayer>> Replayer::open(const std::string& path,
                                                 std::string_view session_key,
                                                 const ReplayOptions& options) {
  StoreOptions store_options = options.store;
  store_options.read_only = true;
  store_options.create = false;
  REEL_ASSIGN_OR_RETURN(auto store, Store::open(path, store_options));
  REEL_ASSIGN_OR_RETURN(const int64_t format_version, schema::check_schema(*store));
  REEL_ASSIGN_OR_RETURN(schema::SessionRow session, schema::find_session(*store, session_key));
  REEL_ASSIGN_OR_RETURN(CodecOptions codec, schema::codec_options_of(session));
  REEL_ASSIGN_OR_RETURN(auto paths, Impl::load_paths(*store, session.id, both(options)));
  REEL_RETURN_IF_ERROR(Impl::check_frame_count(*store, session, both(options)));
  return std::unique_ptr<Replayer>(new Replayer(std::make_unique<Impl>(
      std::move(store), format_version, std::move(session), codec, std::move(paths), options)));
}

Replayer::Replayer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replayer::~Replayer() = default;

const schema::SessionRow& Replayer::session() const {
  return impl_->session();
}
const CodecOptions& Replayer::codec() const {
  return impl_->codec();
}
const std::vector<std::string>& Replayer::property_paths() const {
  return impl_->paths();
}
Result<PropertyId> Replayer::property_id(std::string_view path) const {
  return impl_->property_id(path);
}
FrameIndex Replayer::frame_count() const {
  return impl_->frame_count();
}
Result<int64_t> Replayer::refresh() {
  return impl_->refresh();
}
Result<const WorldState*> Replayer::seek(FrameIndex frame) {
  return impl_->seek(frame);
}
Result<const WorldState*> Replayer::step_forward() {
  return impl_->step_forward();
}
Result<const WorldState*> Replayer::step_back() {
  return impl_->step_back();
}
const WorldState* Replayer::current() const {
  return impl_->current();
}
Result<FrameIndex> Replayer::frame_at_time(double seconds) {
  return impl_->frame_at_time(seconds);
}
Result<double> Replayer::time_of(FrameIndex frame) {
  return impl_->time_of(frame);
}
Status Replayer::for_each_frame(
    FrameIndex from, FrameIndex to,
    const std::function<Status(const Frame& frame, const WorldState& state)>& fn,
    const SkipHandler& on_skip) {
  return impl_->for_each_frame(from, to, fn, on_skip);
}
Result<std::vector<PropertySample>> Replayer::history(EntityId entity, PropertyId property,
                                                      FrameIndex from, FrameIndex to,
                                                      const SkipHandler& on_skip) {
  return impl_->history(entity, property, from, to, on_skip);
}
Result<std::vector<EventRecord>> Replayer::events(
    FrameIndex from, FrameIndex to, std::string_view name,
    const std::function<void(const Status&)>& on_damaged) {
  return impl_->events(from, to, name, on_damaged);
}
Result<std::vector<std::pair<std::string, int64_t>>> Replayer::event_counts() {
  return impl_->event_counts();
}
Result<std::vector<FrameIndex>> Replayer::keyframe_frames() {
  return impl_->keyframe_frames();
}
Replayer::CacheStats Replayer::cache_stats() const {
  return impl_->cache_stats();
}
void Replayer::drop_caches() {
  impl_->drop_caches();
}

}  // namespace reel
