// `reel info DB [SESSION]`: a session's summary from the catalog and indexes only (no frame is
// decoded, so it is instant on any session length).
#include <ctime>

#include <fmt/format.h>

#include "cli_errors.h"
#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "reel/store/liveness.h"
#include "json_out.h"
#include "reel/store/tags.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct Gap {
  FrameIndex frame = 0;
  int64_t coalesced = 0;
};

struct SessionInfoView {
  schema::SessionRow row;
  int64_t entities = 0;
  std::vector<std::string> properties;
  std::vector<std::pair<std::string, int64_t>> events;  // by name, ascending name
  std::vector<Gap> gaps;                                // ascending frame
  std::vector<schema::Tag> tags;                        // by frame, then name
};

// Runs `sql` with the session id bound to ?1 and calls on_row for each row.
template <class Fn>
void query_rows(Store& store, std::string_view sql, int64_t session_id, Fn on_row) {
  Statement* st = value_or_throw(store.prepare(sql));
  throw_if_error(st->bind(1, session_id));
  while (value_or_throw(st->step())) on_row(*st);
  st->reset();
}

SessionInfoView load_info(const SessionArgs& args) {
  auto store = open_database(args);
  SessionInfoView v;
  v.row = find_session_row(*store, args);
  const int64_t id = v.row.id;
  if (!v.row.damage.empty()) {
    throw CliError(kExitDamage, fmt::format("{}: {}", args.db, plain_message(v.row.damage)));
  }
  std::vector<PropertyId> missing;
  v.properties = value_or_throw(schema::load_properties(*store, id, &missing));
  if (!missing.empty()) {
    print_notice(args.db, Status::corruption("session {}: {} property row(s) lost (first: id {})",
                                             id, missing.size(), missing.front()));
  }
  query_rows(*store, "SELECT count(DISTINCT entity_id) FROM entities WHERE session_id = ?1", id,
             [&](Statement& st) { v.entities = st.column_int64(0); });
  query_rows(*store,
             "SELECT name, count(*) FROM events WHERE session_id = ?1 GROUP BY name ORDER BY name",
             id, [&](Statement& st) {
               v.events.emplace_back(std::string(st.column_text(0)), st.column_int64(1));
             });
  query_rows(*store, "SELECT frame, coalesced FROM gaps WHERE session_id = ?1 ORDER BY frame", id,
             [&](Statement& st) {
               v.gaps.push_back({st.column_int64(0), st.column_int64(1)});
             });
  v.tags = value_or_throw(schema::list_tags(*store, id));
  return v;
}

std::string utc_time(int64_t epoch_us) {
  std::time_t t = static_cast<std::time_t>(epoch_us / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double bytes_per_frame(const schema::SessionRow& row) {
  return row.frame_count > 0 ? static_cast<double>(row.stored_bytes) / row.frame_count : 0.0;
}

// Keys print as their String (or text form for other key types); a later duplicate of the same
// printed key replaces the earlier one.
Json dictionary_json(const Dictionary& d) {
  Json out = Json::object();
  for (size_t i = 0; i < d.size(); ++i) {
    const Variant& k = d.keys()[i];
    const std::string* s = k.get_if<std::string>();
    out[s ? *s : to_text(k)] = variant_json(d.values()[i]);
  }
  return out;
}

void print_info_json(const SessionInfoView& v) {
  const auto& r = v.row;
  Json events = Json::object();
  for (const auto& [name, count] : v.events) events[name] = count;
  Json tags = Json::array();
  for (const auto& t : v.tags) tags.push_back({{"frame", t.frame}, {"name", t.name}});
  Json gaps = Json::array();
  for (const auto& g : v.gaps) gaps.push_back({{"frame", g.frame}, {"coalesced", g.coalesced}});
  print_json({{"id", r.id},
              {"name", r.name},
              {"status", session_status_name(r.status)},
              {"end_reason", r.end_reason},
              {"frames_handed_over", r.frames_handed_over},
              {"resumes", r.resumes},
              {"owner",
               {{"host", r.owner.host}, {"pid", r.owner.pid}, {"heartbeat_us", r.heartbeat_us}}},
              {"dialect", static_cast<int64_t>(r.dialect)},
              {"start_time", utc_time(r.start_time_us)},
              {"start_time_us", r.start_time_us},
              {"duration", session_duration(r)},
              {"last_frame_time", r.last_time},
              {"tick_rate", r.tick_rate},
              {"frames", r.frame_count},
              {"first_tick", r.first_tick},
              {"last_tick", r.last_tick},
              {"keyframes", r.keyframe_count},
              {"chunks", r.chunk_count},
              {"stored_bytes", r.stored_bytes},
              {"bytes_per_frame", bytes_per_frame(r)},
              {"entities", v.entities},
              {"properties", v.properties},
              {"events", std::move(events)},
              {"metadata", dictionary_json(r.metadata)},
              {"settings", dictionary_json(r.settings)},
              {"dropped_frames", r.dropped_frames},
              {"gaps", std::move(gaps)},
              {"tags", std::move(tags)}});
}

void print_dictionary_text(const char* title, const Dictionary& d) {
  fmt::print("{}:{}\n", title, d.empty() ? " (none)" : "");
  for (size_t i = 0; i < d.size(); ++i) {
    const Variant& k = d.keys()[i];
    const std::string* s = k.get_if<std::string>();
    fmt::print("  {} = {}\n", s ? *s : to_text(k), to_text(d.values()[i]));
  }
}

constexpr size_t kGapsShown = 10;

void print_info_text(const SessionInfoView& v) {
  const auto& r = v.row;
  fmt::print("session      {} (id {}), {}, Godot {} dialect\n", r.name, r.id,
             schema::session_ending(r), static_cast<int>(r.dialect));
  if (!r.owner.host.empty()) {
    fmt::print("recorder     process {} on host '{}', last heartbeat {}{}\n", r.owner.pid,
               r.owner.host, utc_time(r.heartbeat_us),
               r.resumes > 0 ? fmt::format(", resumed {} times", r.resumes) : "");
  }
  fmt::print("started      {}\n", utc_time(r.start_time_us));
  fmt::print("duration     {} ({:.3f} s; last frame at {})\n", format_time(session_duration(r)),
             session_duration(r), format_time(r.last_time));
  fmt::print("tick rate    {} /s (ticks {}..{})\n", r.tick_rate, r.first_tick, r.last_tick);
  fmt::print("frames       {} ({} keyframes, {} chunks), committed of {} handed over\n",
             r.frame_count, r.keyframe_count, r.chunk_count, r.frames_handed_over);
  fmt::print("stored       {} ({:.1f} bytes/frame)\n", human_bytes(r.stored_bytes),
             bytes_per_frame(r));
  fmt::print("entities     {}\n", v.entities);
  fmt::print("properties   {}", v.properties.size());
  if (!v.properties.empty()) fmt::print(": {}", fmt::join(v.properties, ", "));
  fmt::print("\n");
  int64_t total_events = 0;
  for (const auto& e : v.events) total_events += e.second;
  fmt::print("events       {}\n", total_events);
  for (const auto& [name, count] : v.events) fmt::print("  {:<20} {}\n", name, count);
  fmt::print("dropped      {} frames in {} gaps\n", r.dropped_frames, v.gaps.size());
  for (size_t i = 0; i < v.gaps.size() && i < kGapsShown; ++i) {
    fmt::print("  frame {} (folds {} frames)\n", v.gaps[i].frame, v.gaps[i].coalesced);
  }
  if (v.gaps.size() > kGapsShown) fmt::print("  ... {} more\n", v.gaps.size() - kGapsShown);
  fmt::print("tags         {}\n", v.tags.size());
  for (const auto& t : v.tags) fmt::print("  frame {:<8} {}\n", t.frame, t.name);
  print_dictionary_text("metadata", r.metadata);
  print_dictionary_text("settings", r.settings);
}

}  // namespace

void register_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Summarise a session (catalog and indexes, no scan)");
  auto args = std::make_shared<SessionArgs>();
  add_session_args(*cmd, *args);
  cmd->footer(
      "Shows duration, tick rate, frame/keyframe/chunk counts, bytes per frame, entity and\n"
      "property counts, events by name, dropped frames and gaps, tags (reel tag), metadata and\n"
      "codec settings.\n\n"
      "Examples:\n"
      "  reel info match.reel              # the only session\n"
      "  reel info match.reel match-1\n"
      "  reel info match.reel 3 --json");
  cmd->callback([args] {
    auto view = load_info(*args);
    if (args->json) {
      print_info_json(view);
    } else {
      print_info_text(view);
    }
  });
}

}  // namespace reel::cli
