// libFuzzer target: the Variant binary decoder on arbitrary bytes, in both dialects, with full
// objects refused and allowed. Whatever decodes must re-encode, decode again to an equal value
// (identity equality), and decode errors must carry the "at byte N:" prefix.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "reel/variant/variant_binary.h"

namespace {

using namespace reel;

[[noreturn]] void fail(const char* what, const Status& status) {
  std::fprintf(stderr, "fuzz_variant_decode: %s: %s\n", what, status.to_string().c_str());
  std::abort();
}

bool starts_with_bom(std::string_view s) {
  return s.size() >= 3 && s.substr(0, 3) == "\xef\xbb\xbf";
}

// False when `v` holds something Godot itself does not round-trip: a string starting with a
// (second) BOM, which the next decode strips again, or a Godot 4 null Object, which encodes as NIL.
bool round_trips_exactly(const Variant& v, bool godot4) {
  auto names_ok = [](const std::vector<std::string>& names) {
    for (const auto& n : names) {
      if (starts_with_bom(n)) return false;
    }
    return true;
  };
  auto type_ok = [](const ContainerType& t) { return !starts_with_bom(t.name); };
  switch (v.type()) {
    case Type::STRING:
      return !starts_with_bom(v.get<std::string>());
    case Type::STRING_NAME:
      return !starts_with_bom(v.get<StringName>().name);
    case Type::NODE_PATH:
      return names_ok(v.get<NodePath>().names) && names_ok(v.get<NodePath>().subnames);
    case Type::SIGNAL:
      return !starts_with_bom(v.get<Signal>().name);
    case Type::PACKED_STRING_ARRAY:
      return names_ok(v.get<PackedStringArray>());
    case Type::OBJECT: {
      const Object& o = v.get<Object>();
      if (!o.full) return !(godot4 && o.instance_id == 0);
      if (starts_with_bom(o.full->class_name) || !names_ok(o.full->property_names)) return false;
      for (const Variant& p : o.full->property_values) {
        if (!round_trips_exactly(p, godot4)) return false;
      }
      return true;
    }
    case Type::ARRAY: {
      const Array& a = v.get<Array>();
      if (!type_ok(a.element_type)) return false;
      for (const Variant& item : a.items) {
        if (!round_trips_exactly(item, godot4)) return false;
      }
      return true;
    }
    case Type::DICTIONARY: {
      const Dictionary& d = v.get<Dictionary>();
      if (!type_ok(d.key_type) || !type_ok(d.value_type)) return false;
      for (size_t i = 0; i < d.size(); ++i) {
        if (!round_trips_exactly(d.keys()[i], godot4) ||
            !round_trips_exactly(d.values()[i], godot4))
          return false;
      }
      return true;
    }
    default:
      return true;
  }
}

void check_one(std::span<const uint8_t> input, GodotDialect dialect, bool objects) {
  DecodeOptions dopt;
  dopt.dialect = dialect;
  dopt.allow_objects = objects;
  auto decoded = decode_variant(input, dopt);
  if (!decoded.ok()) {
    if (decoded.status().message().rfind("at byte ", 0) != 0) {
      fail("decode error without a byte offset", decoded.status());
    }
    return;
  }
  if (decoded->bytes_read > input.size() || decoded->bytes_read % 4 != 0) {
    fail("bytes_read out of range", Status::internal("bytes_read {}", decoded->bytes_read));
  }
  const EncodeOptions eopt{dialect, objects};
  auto encoded = encode_to_bytes(decoded->value, eopt);
  if (!encoded.ok()) fail("a decoded value does not re-encode", encoded.status());
  auto again = decode_variant(*encoded, dopt);
  if (!again.ok()) fail("a re-encoded value does not decode", again.status());
  // A value Godot does not round-trip may also change length: a Godot 3 Object whose class name
  // is a lone BOM re-decodes as a null Object, which ends before its (re-encoded) property count.
  if (!round_trips_exactly(decoded->value, dialect == GodotDialect::kGodot4)) return;
  if (again->bytes_read != encoded->size()) {
    fail("re-decode left bytes", Status::internal("{} of {}", again->bytes_read, encoded->size()));
  }
  if (!(again->value == decoded->value)) {
    fail("re-decoded value differs",
         Status::internal("dialect {}, objects {}", static_cast<int>(dialect), objects));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  for (GodotDialect dialect : {GodotDialect::kGodot4, GodotDialect::kGodot3}) {
    for (bool objects : {false, true}) check_one(input, dialect, objects);
  }
  return 0;
}
