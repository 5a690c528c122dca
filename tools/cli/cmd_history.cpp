// `reel history DB [SESSION] --entity ID --property PATH [--from POS] [--to POS]`: one property
// of one entity over time, one line per frame where it changed.
#include <cstdio>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "json_out.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct HistoryArgs {
  SessionArgs session;
  EntityId entity = 0;
  std::string property;
  std::string from, to;
  bool skip_damaged = false;
};

void print_text(const HistoryArgs& args, const FrameRange& range,
                const std::vector<PropertySample>& samples) {
  fmt::print("entity {} {}, frames {}..{}: {} samples\n", args.entity, args.property, range.from,
             range.to, samples.size());
  fmt::print("{:>8}  {:>12}  {}\n", "FRAME", "TIME", "VALUE");
  for (const auto& s : samples) {
    fmt::print("{:>8}  {:>12}  {}\n", s.frame, format_time(s.time),
               s.present ? to_text(s.value) : "(absent)");
  }
}

void print_json_history(const HistoryArgs& args, const Replayer& replayer, const FrameRange& range,
                        const std::vector<PropertySample>& samples) {
  Json list = Json::array();
  for (const auto& s : samples) {
    list.push_back({{"frame", s.frame},
                    {"time", s.time},
                    {"present", s.present},
                    {"value", s.present ? variant_json(s.value) : Json(nullptr)}});
  }
  print_json({{"session", replayer.session().name},
              {"entity", args.entity},
              {"property", args.property},
              {"from", range.from},
              {"to", range.to},
              {"samples", std::move(list)}});
}

// Throws unless the entity is alive at some frame of the range (an id never spawned there is a
// mistake, not a history of absence).
void require_entity_in_range(const HistoryArgs& args, const Replayer& replayer,
                             const FrameRange& range) {
  const auto& session = replayer.session();
  auto lives = entity_lives(args.session, session.id, args.entity);
  std::vector<std::string> spans;
  for (const auto& life : lives) {
    const FrameIndex last = life.despawn < 0 ? replayer.frame_count() - 1 : life.despawn - 1;
    if (life.spawn <= range.to && last >= range.from) return;
    spans.push_back(fmt::format("{}..{}", life.spawn, last));
  }
  if (spans.empty()) {
    throw CliError(kExitBadInput, fmt::format("--entity {}: session '{}' has no entity {}",
                                              args.entity, session.name, args.entity));
  }
  throw CliError(kExitBadInput,
                 fmt::format("--entity {}: entity {} is not alive in frames {}..{} of session "
                             "'{}' (it lives in frames {})",
                             args.entity, args.entity, range.from, range.to, session.name,
                             fmt::join(spans, ", ")));
}

void run_history(const HistoryArgs& args) {
  auto replayer = open_session(args.session);
  PropertyId property = resolve_property(*replayer, args.property, "--property");
  FrameRange range = resolve_range(*replayer, args.from, args.to);
  require_entity_in_range(args, *replayer, range);
  DamageSkipper skipper(args.session.db);
  SkipHandler on_skip;
  if (args.skip_damaged) {
    on_skip = [&](const SkippedRange& skipped) -> Status {
      skipper.report(skipped);
      return {};
    };
  }
  auto samples =
      value_or_throw(replayer->history(args.entity, property, range.from, range.to, on_skip));
  if (args.session.json) {
    print_json_history(args, *replayer, range, samples);
  } else {
    print_text(args, range, samples);
  }
  std::fflush(stdout);
  skipper.finish();
}

}  // namespace

void register_history(CLI::App& app) {
  auto* cmd = app.add_subcommand("history", "Print one property of one entity over time");
  auto args = std::make_shared<HistoryArgs>();
  add_session_args(*cmd, args->session);
  cmd->add_option("--entity", args->entity, "Entity id")->required()->type_name("ID");
  cmd->add_option("--property", args->property, "Property path (e.g. position)")->required();
  cmd->add_flag("--skip-damaged", args->skip_damaged,
                "Report damaged frame ranges on stderr and go on from the next intact keyframe "
                "(exit 3 at the end)");
  cmd->add_option("--from", args->from, "First frame or time (default: the first frame)")
      ->type_name("POS");
  cmd->add_option("--to", args->to, "Last frame or time (default: the last frame)")
      ->type_name("POS");
  cmd->footer(
      "One line per frame where the value changed (the first line is the value at --from);\n"
      "(absent) while the entity does not exist or lacks the property. An entity that is not\n"
      "alive at any frame of the range is an error (exit 2).\n\n"
      "Examples:\n"
      "  reel history match.reel --entity 17 --property position\n"
      "  reel history match.reel match-1 --entity 17 --property health --from 1:00 --to 1:05\n"
      "  reel history match.reel --entity 17 --property position --from 600 --json");
  cmd->callback([args] { run_history(*args); });
}

}  // namespace reel::cli
