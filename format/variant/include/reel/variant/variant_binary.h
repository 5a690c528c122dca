// Godot's binary Variant serialization (var_to_bytes / bytes_to_var), byte-identical.
// Specification: docs/godot-variant-binary.md; Reel's use of it: format/FORMAT.md.
//
// Encoding appends to a caller-owned buffer (no allocation beyond its growth). Decoding is safe on
// hostile bytes: every length is checked against the bytes left, nesting is limited, the total
// memory a decode may allocate is capped relative to the input size, and full objects are refused
// unless allowed. Errors name the byte offset and the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "reel/format/status.h"
#include "reel/variant/variant.h"

namespace reel {

// Which engine's byte layout to speak. Persisted in session metadata: never renumber.
enum class GodotDialect : uint8_t {
  kGodot4 = 4,  // Godot 4.3+ layout (typed arrays 4.3, typed dictionaries 4.4, PackedVector4Array)
  kGodot3 = 3,  // Godot 3.x (3.2.3 verified): other type ids, RID without payload, Object quirks
};

// Which numbering of the Godot 4 type ids a buffer uses. Persisted (a Reel session's settings key
// `type_ids`, FORMAT.md 5): never renumber.
enum class TypeIds : uint8_t {
  // Reel format versions 1-2 (a defect): Vector4 = 11, Vector4i = 12, Transform2D = 13. Only read.
  kReelLegacy = 1,
  kGodot = 2,  // Godot's own: Transform2D = 11, Vector4 = 12, Vector4i = 13 (reel::Type)
};

// The type Reel format versions 1-2 meant by a Godot 4 id (TypeIds::kReelLegacy): ids 11, 12, 13
// were Vector4, Vector4i, Transform2D; every other id is Godot's.
inline constexpr uint32_t godot_id_of_legacy_id(uint32_t id) {
  switch (id) {
    case 11:
      return static_cast<uint32_t>(Type::VECTOR4);
    case 12:
      return static_cast<uint32_t>(Type::VECTOR4I);
    case 13:
      return static_cast<uint32_t>(Type::TRANSFORM2D);
    default:
      return id;
  }
}

struct EncodeOptions {
  GodotDialect dialect = GodotDialect::kGodot4;
  // var_to_bytes_with_objects: write FullObject payloads. When false an Object with a `full`
  // payload is written as its instance id, as var_to_bytes does.
  bool full_objects = false;
};

struct DecodeOptions {
  GodotDialect dialect = GodotDialect::kGodot4;
  // bytes_to_var_with_objects. When false a full-object payload anywhere is an error, as in Godot.
  bool allow_objects = false;
  // kGodot4 only: the numbering of ids 11-13, in Variant headers and typed-container descriptors.
  TypeIds type_ids = TypeIds::kGodot;
  // Nesting limit for Arrays/Dictionaries/Objects (Godot's MAX_RECURSION_DEPTH is 1024).
  int max_depth = 1024;
  // Cap on the memory one decode may allocate, as a multiple of the input size plus a constant.
  // The model's overhead per encoded byte is bounded (an 8-byte empty Dictionary element becomes
  // a 72-byte Variant slot and a 144-byte Dictionary, 27x), so a legitimate buffer never reaches
  // it; a hostile count cannot allocate beyond it. What is charged: container slots, Dictionaries,
  // string bytes and packed-array storage.
  size_t max_alloc_factor = 64;
  size_t max_alloc_base = 1 << 20;
};

// Appends the encoding of `value` to `out`. Fails (kInvalidArgument) only for values the dialect
// cannot express (e.g. Vector4 or a typed Array in Godot 3) or nesting deeper than 1024; a string
// with invalid UTF-8 is still written verbatim. On failure `out` keeps its original size.
// Conventions (as Godot): a null Object (instance_id 0, no full payload) is NIL in Godot 4; an
// Object without a full payload is written as its id even when full_objects is set; a
// ContainerType of kBuiltin NIL is untyped; kClassName/kScript ignore `builtin`.
[[nodiscard]] Status encode_variant(const Variant& value, std::vector<uint8_t>& out,
                                    const EncodeOptions& options = {});
// Convenience: a fresh buffer.
[[nodiscard]] Result<std::vector<uint8_t>> encode_to_bytes(const Variant& value,
                                                           const EncodeOptions& options = {});

struct Decoded {
  Variant value;
  size_t bytes_read = 0;  // trailing bytes are allowed, as in Godot
};
// Decodes one Variant from the start of `bytes`. On error the Status message has the form
// "at byte OFFSET: <what> (<type/field>, need N bytes, have M)". Codes: kCorruption for malformed
// or over-budget input; kUnsupported for double-precision real_t payloads and for full objects
// when allow_objects is off. Decoded class/script typed containers have builtin = Type::OBJECT;
// with allow_objects off they become kClassName "EncodedObjectAsID", as in Godot. A full object
// with an empty class name, and an object id 0, decode to the null Object {instance_id 0}.
[[nodiscard]] Result<Decoded> decode_variant(std::span<const uint8_t> bytes,
                                             const DecodeOptions& options = {});

}  // namespace reel
