// The node paths of `reel export --format anim`: which node of the Godot scene each entity is
// (tools/cli/EXPORT.md, "The node map"). A map file has one rule per line:
//
//   # comment (also after a rule)
//   17 = Hero                          entity 17
//   res://player.tscn = Players/player_{id}   entities of this class (spawn class name)
//   * = entity_{id}                    every other entity (this is the default rule)
//   res://prop.tscn = -                leave these entities out
//
// A pattern is a NodePath relative to the AnimationPlayer's root node; `{id}` becomes the entity
// id and `{class}` the last part of its class name without extension ("player" for
// res://player.tscn). An entity id rule wins over a class rule, which wins over `*`.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "reel/codec/frame.h"

namespace reel::cli {

class NodeMap {
 public:
  // The default map: every entity at `entity_{id}`.
  NodeMap();
  // Parses a map file; throws CliError(2) naming the file and line of a malformed rule.
  static NodeMap load(const std::string& path);

  // The entity's node path, or nullopt when its rule is `-` (left out).
  std::optional<std::string> node_of(EntityId entity, const std::string& class_name) const;

 private:
  std::map<EntityId, std::string> by_id_;
  std::map<std::string, std::string> by_class_;
  std::string fallback_ = "entity_{id}";
};

// The node and property a session property path names on an entity's node `base`: a path with a
// ':' names a child node first ("head:transform" -> node "base/head", property "transform");
// otherwise the property is the node's own ("position" -> node "base", property "position").
struct NodeProperty {
  std::string node;
  std::string property;
};
NodeProperty split_property_path(const std::string& base, const std::string& path);

}  // namespace reel::cli
