// Godot 4 values for a Godot 3 consumer: what Godot 3 lacks becomes its nearest Godot 3 value, by
// the table in FORMAT.md 1 ("Godot 3 output"), so that a recording of a Godot 4 game can be
// written in the Godot 3 dialect (encode_variant with GodotDialect::kGodot3) instead of failing.
#pragma once

#include "reel/variant/variant.h"

namespace reel {

// Returns `value` with every part Godot 3 cannot hold converted (recursively, inside containers
// and full objects):
//   Vector2i, Rect2i, Vector3i       -> Vector2, Rect2, Vector3 (components as floats)
//   Vector4, Vector4i                -> Quat (x, y, z, w)
//   Projection                       -> PoolRealArray of its 16 components, column by column
//   StringName                       -> String
//   Callable                         -> null
//   Signal                           -> String (the signal's name)
//   PackedInt64Array                 -> Array of int (Godot 3 ints are 64-bit; PoolIntArray is not)
//   PackedFloat64Array               -> Array of float (Godot 3 floats are 64-bit; PoolRealArray is
//   not) PackedVector4Array               -> Array of Quat typed Array / Dictionary         ->
//   untyped, elements converted
// Everything else is kept as it is. Dictionary keys that become equal (Vector2i(1, 2) and
// Vector2(1, 2)) keep the first key's position and the last value, as Godot would.
Variant to_godot3(const Variant& value);

}  // namespace reel
