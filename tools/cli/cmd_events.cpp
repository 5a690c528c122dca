// `reel events DB [SESSION] [--name NAME ...] [--entity ID ...] [--from POS] [--to POS]`: recorded
// events in frame order.
#include <algorithm>
#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "json_out.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct EventsArgs {
  SessionArgs session;
  std::vector<std::string> names;
  EntityFilter entities;
  std::string from, to;
  bool skip_damaged = false;
};

// Throws for a --name the session never recorded (a typo would otherwise look like "no events").
void require_known_names(Replayer& replayer, const EventsArgs& args) {
  if (args.names.empty()) return;
  std::vector<std::string> known;
  for (const auto& [name, count] : value_or_throw(replayer.event_counts())) known.push_back(name);
  for (const auto& name : args.names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    throw CliError(kExitBadInput,
                   fmt::format("--name {}: no events named '{}' in session '{}' ({})", name, name,
                               replayer.session().name,
                               known.empty() ? "it has no events"
                                             : fmt::format("names: {}", fmt::join(known, ", "))));
  }
}

// The events of the range, each with its time.
std::vector<EventRecord> load_events(Replayer& replayer, const EventsArgs& args,
                                     const FrameRange& range, DamageSkipper& skipper) {
  std::function<void(const Status&)> on_damaged;
  if (args.skip_damaged) on_damaged = [&](const Status& why) { skipper.report_event(why); };
  std::vector<EventRecord> records;
  if (args.names.empty()) {
    records = value_or_throw(replayer.events(range.from, range.to, {}, on_damaged));
  } else {
    for (const auto& name : args.names) {
      auto some = value_or_throw(replayer.events(range.from, range.to, name, on_damaged));
      records.insert(records.end(), std::make_move_iterator(some.begin()),
                     std::make_move_iterator(some.end()));
    }
    std::sort(records.begin(), records.end(), [](const EventRecord& a, const EventRecord& b) {
      return std::tie(a.frame, a.seq) < std::tie(b.frame, b.seq);
    });
  }
  if (args.entities.active()) {
    std::erase_if(records, [&](const EventRecord& r) { return !args.entities.keeps(r.entity); });
  }
  for (auto& r : records) {
    // Stored with the event since format version 2; decoded for older sessions.
    if (!r.time) r.time = value_or_throw(replayer.time_of(r.frame));
  }
  return records;
}

void print_text(const std::vector<EventRecord>& events) {
  fmt::print("{:>8}  {:>12}  {:<16}  {:>8}  {}\n", "FRAME", "TIME", "NAME", "ENTITY", "ARGS");
  for (const auto& r : events) {
    fmt::print("{:>8}  {:>12}  {:<16}  {:>8}  {}\n", r.frame, format_time(*r.time), r.name,
               r.entity < 0 ? std::string("-") : fmt::format("{}", r.entity), to_text(r.args));
  }
}

void print_json_events(const Replayer& replayer, const FrameRange& range,
                       const std::vector<EventRecord>& events) {
  Json list = Json::array();
  for (const auto& r : events) {
    list.push_back({{"frame", r.frame},
                    {"time", *r.time},
                    {"name", r.name},
                    {"entity", r.entity < 0 ? Json(nullptr) : Json(r.entity)},
                    {"args", variant_json(r.args)}});
  }
  print_json({{"session", replayer.session().name},
              {"from", range.from},
              {"to", range.to},
              {"events", std::move(list)}});
}

}  // namespace

void register_events(CLI::App& app) {
  auto* cmd = app.add_subcommand("events", "List recorded events in frame order");
  auto args = std::make_shared<EventsArgs>();
  add_session_args(*cmd, args->session);
  cmd->add_option("--name", args->names, "Only events with this name (repeatable)");
  cmd->add_flag("--skip-damaged", args->skip_damaged,
                "Leave out events whose arguments are damaged, reporting each on stderr (exit 3 "
                "at the end)");
  add_entity_filter(*cmd, args->entities, "Only events of this entity (repeatable)");
  cmd->add_option("--from", args->from, "First frame or time (default: the first frame)")
      ->type_name("POS");
  cmd->add_option("--to", args->to, "Last frame or time (default: the last frame)")
      ->type_name("POS");
  cmd->footer(
      "ENTITY is - for events not tied to an entity; ARGS print in Godot's text form.\n"
      "A --name the session never recorded is an error (exit 2) that lists the names it has;\n"
      "so is an --entity it never had. With --entity, events not tied to an entity are left "
      "out.\n\n"
      "Examples:\n"
      "  reel events match.reel\n"
      "  reel events match.reel match-1 --name jump --name die --from 1:00 --to 2:00\n"
      "  reel events match.reel --entity 17 --entity 18\n"
      "  reel events match.reel --name score --json");
  cmd->callback([args] {
    auto replayer = open_session(args->session);
    require_known_names(*replayer, *args);
    require_known_entities(args->session, *replayer, args->entities);
    FrameRange range = resolve_range(*replayer, args->from, args->to);
    DamageSkipper skipper(args->session.db);
    auto events = load_events(*replayer, *args, range, skipper);
    if (args->session.json) {
      print_json_events(*replayer, range, events);
    } else {
      print_text(events);
    }
    std::fflush(stdout);
    skipper.finish();
  });
}

}  // namespace reel::cli
