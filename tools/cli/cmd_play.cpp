// `reel play DB [SESSION]`: streams frames as Godot store_var records (tools/cli/PLAY.md), paced in
// real time (or --rate), for a Godot process to consume.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
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
};

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

// PLAY.md "Record": the Dictionary of one frame.
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

// The whole state at a frame as one frame's worth of spawns and changes (entities by id): the
// first record of a pass, so that a consumer can start from nothing. No events.
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

class RecordSink {
 public:
  RecordSink(const std::string& path, GodotDialect dialect, bool flush_each)
      : path_(path.empty() ? "stdout" : path), flush_each_(flush_each) {
    options_.dialect = dialect;
    if (path.empty()) {
      file_ = stdout;
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (!file_) {
        const int err = errno;
        throw CliError(
            kExitBadInput,
            fmt::format("--out {}: {}", path,
                        err == ENOENT ? "cannot create it: no such directory" : errno_text(err)));
      }
      owned_ = true;
    }
  }
  ~RecordSink() {
    if (owned_) std::fclose(file_);
  }
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;

  // Writes u32 LE length + encoding, as Godot's File.store_var / get_var.
  void write(const Dictionary& record, FrameIndex frame) {
    buffer_.assign(4, 0);
    // A Godot 3 consumer gets what Godot 3 lacks converted (FORMAT.md 1, "Godot 3 output").
    const Status encoded = options_.dialect == GodotDialect::kGodot3
                               ? encode_variant(to_godot3(record), buffer_, options_)
                               : encode_variant(record, buffer_, options_);
    throw_if_error(encoded, fmt::format("frame {}", frame));
    auto n = static_cast<uint32_t>(buffer_.size() - 4);
    for (int i = 0; i < 4; ++i) buffer_[i] = static_cast<uint8_t>(n >> (8 * i));
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size() ||
        (flush_each_ && std::fflush(file_) != 0)) {
      throw CliError(kExitInternal, fmt::format("{}: write failed at frame {}", path_, frame));
    }
  }
  void finish() {
    if (std::fflush(file_) != 0) throw CliError(kExitInternal, path_ + ": write failed");
  }

 private:
  std::string path_;
  bool flush_each_;
  EncodeOptions options_;
  FILE* file_ = nullptr;
  bool owned_ = false;
  std::vector<uint8_t> buffer_;
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

std::vector<Event> events_of(Replayer& replayer, FrameIndex frame) {
  std::vector<Event> out;
  for (auto& r : value_or_throw(replayer.events(frame, frame))) {
    out.push_back({std::move(r.name), r.entity, std::move(r.args)});
  }
  return out;
}

void play_once(Replayer& replayer, const FrameRange& range, double rate, const EntityFilter& only,
               RecordSink& sink) {
  const auto& paths = replayer.property_paths();
  const WorldState& first = *value_or_throw(replayer.seek(range.from));
  Pacer pacer(rate, first.time);
  Frame opening = full_state_frame(first);
  opening.events = events_of(replayer, range.from);
  if (only.active()) keep_only(opening, only);
  sink.write(frame_record(opening, paths, /*reset=*/true), range.from);
  if (range.to == range.from) return;
  Frame kept;
  throw_if_error(replayer.for_each_frame(
      range.from + 1, range.to, [&](const Frame& frame, const WorldState&) -> Status {
        pacer.wait_for(frame.time);
        if (!only.active()) {
          sink.write(frame_record(frame, paths, false), frame.index);
          return {};
        }
        kept = frame;
        keep_only(kept, only);
        sink.write(frame_record(kept, paths, false), frame.index);
        return {};
      }));
}

void run_play(const PlayArgs& args) {
  if (args.rate < 0) throw CliError(kExitBadInput, "--rate must be >= 0 (0: as fast as possible)");
  // As zstd does: binary on a screen is never what was meant.
  if (args.out.empty() && isatty(STDOUT_FILENO)) {
    throw CliError(kExitBadInput,
                   "refusing to write binary to a terminal; use --out FILE or redirect");
  }
  auto replayer = open_session(args.session);
  require_known_entities(args.session.db, *replayer, args.entities);
  FrameRange range = resolve_range(*replayer, args.from, args.to);
  GodotDialect dialect = args.godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  RecordSink sink(args.out, dialect, /*flush_each=*/args.rate > 0);
  do {
    play_once(*replayer, range, args.rate, args.entities, sink);
  } while (args.loop);
  sink.finish();
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
