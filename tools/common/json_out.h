// The `--json` output of the inspecting subcommands, built with nlohmann::json.
//
// Documents keep their keys in insertion order (ordered_json) and are printed compact, one per
// run, followed by a newline. Strings that are not valid UTF-8 (names and values are recorded as
// the game gave them) are printed with each invalid byte replaced by U+FFFD, so the document is
// always valid JSON (nlohmann's error_handler_t::replace).
//
// A Variant is an object (see README, "JSON output"):
//   {"type": "Vector3", "text": "Vector3(1, 2, 3)", "value": [1, 2, 3]}
// `type` is Godot's type name (reel::type_name), `text` is Godot's text form (reel::to_text, one
// line). "value" is the JSON equivalent where there is one:
//   bool, int, float, String   the value itself (5, 2.5, "coin"); a float that is not finite has
//                              no "value"
//   math types                 the numeric components in the order `text` lists them:
//                              Vector2/3/4(i), Color, Quaternion, Plane as [x, y, ...];
//                              Rect2(i) and AABB as position then size; Transform2D as its columns
//                              x, y, origin; Basis row by row; Transform3D as the basis rows then
//                              the origin; Projection column by column. Float components are
//                              float32 printed as the shortest decimal that reads back to the same
//                              float ([0.1], not [0.10000000149011612]); a non-finite component is
//                              null.
#pragma once

#include <nlohmann/json.hpp>

#include "reel/variant/variant.h"

namespace reel::cli {

using Json = nlohmann::ordered_json;

// The object described above.
Json variant_json(const Variant& v);
// `v` or null.
Json variant_json_or_null(const Variant* v);

// A Dictionary as a JSON object, recursively (plain keys: a String key as itself, any other key
// in Godot's text form), every other value as variant_json(): how `reel recover --format json`
// and `reel serve` give a state Dictionary (FORMAT.md 8).
Json dictionary_tree_json(const Variant& value);

// The text of `doc` as printed (compact, invalid UTF-8 replaced), without a newline.
std::string json_text(const Json& doc);
// Prints json_text(doc) and a newline on stdout.
void print_json(const Json& doc);

}  // namespace reel::cli
