// The C++ half of `reel bench compare`'s MCAP row: turns crowd frames into MCAP messages and
// hands them to the Node process of tools/bench/mcap/mcap_bench.mjs, which writes them with
// @mcap/core (the record format is described at the top of that script).
//
// One MCAP message is one entity's full state on a frame where anything of it changed: the
// var_to_bytes of a Dictionary {property path: value} holding all of the entity's properties, on
// the entity's own channel ("/player/17", "/prop/230"; the schema names the class). That is what
// an MCAP user publishes (a topic per tracked thing, each message self-contained, so a player
// shows the latest message per topic); a despawn is an empty message on the entity's channel;
// events are var_to_bytes([name, args]) on "/events". Channels carry their spawn time as
// metadata "spawn_ns", so a reader knows which entities exist at a time.
#pragma once

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "reel/codec/frame.h"
#include "reel/format/status.h"

namespace reel::bench {

// Where the Node side lives and how to run it.
struct NodeSide {
  std::string node = "node";  // the executable (PATH is searched)
  std::string script_dir;     // holds mcap_bench.mjs and its node_modules
};

// Writes the record stream of mcap_bench.mjs for a sequence of frames.
class McapMessageEncoder {
 public:
  // `out` receives the records; not owned. `property_paths[i]` names PropertyId i.
  McapMessageEncoder(std::FILE* out, const std::vector<std::string>& property_paths);

  [[nodiscard]] Status add(const Frame& frame);
  // Writes the end record and flushes.
  [[nodiscard]] Status finish();

 private:
  struct Entity {
    uint32_t channel = 0;
    EntityState state;
    bool dirty = false;
  };
  Status channel(uint32_t id, const std::string& topic, const std::string& schema, int64_t ns);
  Status message(uint32_t channel, int64_t ns, const std::vector<uint8_t>& payload);
  Status check_write(size_t wrote, size_t wanted);

  std::FILE* out_;
  std::vector<Variant> path_keys_;
  std::unordered_map<EntityId, Entity> entities_;
  std::vector<EntityId> dirty_;  // entities changed this frame, in first-change order
  uint32_t next_channel_ = 0;
  uint32_t events_channel_ = 0;
  std::vector<uint8_t> payload_;
};

// Runs `node mcap_bench.mjs ARGS...`; `feed` writes its stdin (may be empty: stdin is closed at
// once). Returns the JSON line it prints (kInternal with its error when it says ok: false or
// does not print one).
Result<nlohmann::json> run_node(const NodeSide& side, const std::vector<std::string>& args,
                                const std::function<Status(std::FILE* stdin_of_node)>& feed);

}  // namespace reel::bench
