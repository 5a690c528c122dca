// Godot's text form of Variants (var_to_str / str_to_var, the syntax of .tres values).
//
// print: Godot 4 spelling (`Vector3(1, 2, 3)`, `&"name"`, `^"A/B:x"`, `{"a": 1}`, `[1, "x"]`,
// `PackedInt32Array(1, 2)`, `Array[int]([1, 2])`, `inf`, `nan`). Floats print as the shortest
// decimal that parses back to the same bits (float32-shortest for real_t components); NaN payloads
// other than the default quiet NaN and -0.0 print in a form that round-trips (see FORMAT.md).
// parse: accepts what print writes plus Godot's usual alternatives (3.x spellings such as
// `Vector3( 1, 2, 3 )`, `Quat`, `Transform`, `PoolRealArray`, `NodePath("...")`).
#pragma once

#include <string>
#include <string_view>

#include "reel/format/status.h"
#include "reel/variant/variant.h"

namespace reel {

struct TextOptions {
  // Dictionaries on several lines, as Godot's var_to_str writes them ("{\n\"a\": 1\n}"); false
  // gives one line ("{"a": 1}") for tables and logs.
  bool multiline = false;
  // Godot 3 spellings of the type names, for a Godot 3 text resource (.tres format=2) or
  // str2var: Transform, Quat, PoolRealArray, PoolIntArray, ... The value must already hold only
  // Godot 3 types (to_godot3, godot3_convert.h); the names of types Godot 3 lacks are unchanged.
  bool godot3_names = false;
};

std::string to_text(const Variant& value, const TextOptions& options = {});

// Parses one value; the whole input (surrounding white space aside) must be consumed. Errors name
// the character offset and what was expected.
[[nodiscard]] Result<Variant> parse_text(std::string_view text);

}  // namespace reel
