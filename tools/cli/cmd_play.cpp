// `reel play DB [SESSION]`: streams frames as Godot store_var records (tools/cli/PLAY.md), paced in
// real time (or --rate), for a Godot process to consume.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "play_records.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct PlayArgs {
  SessionArgs session;
  EntityFilter entities;
  std::string from, to;
  double rate = 1.0;
  bool loop = false;
  std::string out;
  int godot = 4;
  bool skip_damaged = false;
};

// Sleeps until `frame_time` is due: pass start + (frame_time - base_time) / rate. rate 0: never.
class Pacer {
 public:
  Pacer(double rate, double base_time) : rate_(rate), base_time_(base_time) {}
  void wait_for(double frame_time) const {
    if (rate_ <= 0) return;
    auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>((frame_time - base_time_) / rate_));
    std::this_thread::sleep_until(due);
  }

 private:
  double rate_, base_time_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// `frame` with only what concerns the kept entities (events of other entities, and events of
// no entity, left out).
void keep_only(Frame& frame, const EntityFilter& only) {
  std::erase_if(frame.spawns, [&](const Spawn& s) { return !only.keeps(s.entity); });
  std::erase_if(frame.changes, [&](const PropertyChange& c) { return !only.keeps(c.entity); });
  std::erase_if(frame.despawns, [&](EntityId id) { return !only.keeps(id); });
  std::erase_if(frame.events, [&](const Event& e) { return !only.keeps(e.entity); });
}

// One pass over the range: the first record carries the full state (reset = true), the others
// one frame each, both cut to the kept entities. With a skipper, a damaged stretch is reported
// and the pass goes on with a reset record of the next intact keyframe's full state.
void play_once(Replayer& replayer, const FrameRange& range, double rate, const EntityFilter& only,
               StoreVarWriter& sink, DamageSkipper* skipper) {
  const auto& paths = replayer.property_paths();
  std::optional<Pacer> pacer;
  auto write = [&](Frame frame, bool reset) {
    if (only.active()) keep_only(frame, only);
    sink.write(frame_record(frame, paths, reset), fmt::format("frame {}", frame.index));
  };
  auto write_reset = [&](const WorldState& state, std::vector<Event> events) {
    if (!pacer) pacer.emplace(rate, state.time);
    pacer->wait_for(state.time);
    Frame opening = full_state_frame(state);
    opening.events = std::move(events);
    write(std::move(opening), /*reset=*/true);
  };
  bool opened = false;
  SkipHandler on_skip;
  if (skipper) {
    on_skip = [&](const SkippedRange& skipped) -> Status {
      skipper->report(skipped);
      if (skipped.state) {
        write_reset(*skipped.state, {});
        opened = true;
      }
      return {};
    };
  }
  throw_if_error(replayer.for_each_frame(
      range.from, range.to,
      [&](const Frame& frame, const WorldState& state) -> Status {
        if (!opened) {
          write_reset(state, frame.events);
          opened = true;
          return {};
        }
        pacer->wait_for(frame.time);
        write(frame, /*reset=*/false);
        return {};
      },
      on_skip));
}

void run_play(const PlayArgs& args) {
  if (args.rate < 0) throw CliError(kExitBadInput, "--rate must be >= 0 (0: as fast as possible)");
  // As zstd does: binary on a screen is never what was meant.
  if (args.out.empty() && isatty(STDOUT_FILENO)) {
    throw CliError(kExitBadInput,
                   "refusing to write binary to a terminal; use --out FILE or redirect");
  }
  auto replayer = open_session(args.session);
  require_known_entities(args.session, *replayer, args.entities);
  FrameRange range = resolve_range(*replayer, args.from, args.to);
  GodotDialect dialect = args.godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  StoreVarWriter sink(args.out, dialect, /*flush_each=*/args.rate > 0);
  DamageSkipper skipper(args.session.db);
  do {
    play_once(*replayer, range, args.rate, args.entities, sink,
              args.skip_damaged ? &skipper : nullptr);
  } while (args.loop);
  sink.finish();
  skipper.finish();
}

}  // namespace

void register_play(CLI::App& app) {
  auto* cmd = app.add_subcommand("play", "Stream frames as Godot store_var records (PLAY.md)");
  auto args = std::make_shared<PlayArgs>();
  add_session_args(*cmd, args->session, /*with_session=*/true, /*with_json=*/false);
  cmd->add_option("--from", args->from, "First frame or time (default: the first frame)")
      ->type_name("POS");
  cmd->add_option("--to", args->to, "Last frame or time (default: the last frame)")
      ->type_name("POS");
  cmd->add_option("--rate", args->rate, "Speed: 1 = real time, 2.0 = twice as fast, 0 = no pacing")
      ->capture_default_str();
  add_entity_filter(*cmd, args->entities,
                    "Only this entity's spawns, changes, despawns and events (repeatable)");
  cmd->add_flag("--loop", args->loop, "Start again from --from after --to, forever");
  cmd->add_flag("--skip-damaged", args->skip_damaged,
                "Report damaged frame ranges on stderr and go on from the next intact keyframe "
                "(a reset record), exit 3 at the end");
  cmd->add_option("--out", args->out,
                  "Write to this file (or named pipe) instead of stdout; needed when stdout is a "
                  "terminal");
  cmd->add_option("--godot", args->godot, "Consumer's Godot major version: 4 or 3")
      ->check(CLI::IsMember({3, 4}))
      ->capture_default_str();
  cmd->footer(
      "Each record is a u32 little-endian length followed by var_to_bytes of a Dictionary\n"
      "{frame, tick, time, changes, spawns, despawns, events, reset}: read it in Godot with\n"
      "File.get_var() (3.x) / FileAccess.get_var() (4.x) or StreamPeer.get_var(). The first\n"
      "record of every pass has reset = true and carries the full state. With --entity, every\n"
      "record holds only those entities (events of no entity left out); each frame still has\n"
      "its record. See tools/cli/PLAY.md.\n\n"
      "Examples:\n"
      "  reel play match.reel --rate 0 --out frames.bin\n"
      "  reel play match.reel match-1 --from 1:00 --to 1:30 --rate 2.0 | my_godot_consumer\n"
      "  reel play match.reel --godot 3 --loop --out /tmp/replay.fifo\n"
      "  reel play match.reel --entity 17 --rate 0 --out player17.bin");
  cmd->callback([args] { run_play(*args); });
}

}  // namespace reel::cli
