// Godot Variant binary decoder (bytes_to_var / bytes2var), hardened for hostile input.
//
// Invariants: every read is preceded by a check against the bytes left; counts are signed int32
// as in Godot and are checked against the bytes left (at the smallest possible element size)
// before anything is reserved; every allocation is charged to one budget for the whole decode;
// nesting is limited by DecodeOptions::max_depth. Layout: docs/godot-variant-binary.md.
#include <algorithm>
#include <limits>
#include <memory>

#include "reel/variant/variant_binary.h"
#include "variant_binary_internal.h"

namespace reel {
namespace {

using namespace binary_internal;

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or `n` when all of [p, p+n) is valid.
size_t find_invalid_utf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlongs
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return n;
}

// True when [p, p+n) holds only bytes 0x01..0x7F: ASCII without NUL, the usual property name,
// which needs neither the NUL search nor the UTF-8 check. Reads only inside [p, p+n).
bool is_plain_ascii(const uint8_t* p, size_t n) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  // Nonzero iff some byte of w is >= 0x80 or zero (the classic exact has-zero-byte test).
  const auto bad = [](uint64_t w) { return (w | ((w - kOnes) & ~w)) & kHighs; };
  if (n >= 8) {
    uint64_t w, acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      acc |= bad(w);
    }
    std::memcpy(&w, p + n - 8, 8);  // the tail, overlapping bytes already checked
    return (acc | bad(w)) == 0;
  }
  if (n >= 4) {  // two overlapping words
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return bad(uint64_t{lo} | uint64_t{hi} << 32) == 0;
  }
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == 0 || p[i] >= 0x80) return false;
  }
  return true;
}

// a == b for short strings without a call to memcmp (std::string's == makes one).
bool same_string(const std::string& a, const std::string& b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  const auto word = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  const auto half = [](const char* at) {
    uint32_t w;
    std::memcpy(&w, at, 4);
    return w;
  };
  if (n > 16) return std::memcmp(p, q, n) == 0;
  if (n >= 8) return word(p) == word(q) && word(p + n - 8) == word(q + n - 8);  // may overlap
  if (n >= 4) return half(p) == half(q) && half(p + n - 4) == half(q + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

}  // namespace

// Decodes a Dictionary's entries straight into its vectors (no temporary Variants, no moves).
// Keeps Dictionary's invariants: after each entry the keys are distinct; a repeated key drops the
// new slot and its value is decoded over the earlier one, which keeps its position.
class DictionaryBuilder {
 public:
  // REQUIRES: `dict` is empty (so it has no hash index to maintain).
  explicit DictionaryBuilder(Dictionary& dict) : keys_(dict.keys_), values_(dict.values_) {}

  // REQUIRES: n was charged to the decode's allocation budget.
  void reserve(size_t n) {
    keys_.reserve(n);
    values_.reserve(n);
  }
  // Appends a NIL entry; the caller decodes the key into the returned Variant, then calls
  // value_slot() before anything else touches the dictionary.
  Variant& new_key() {
    values_.emplace_back();
    return keys_.emplace_back();
  }
  // The Variant to decode the new key's value into: its own slot, or the slot of an earlier equal
  // key (the new entry is then removed). A linear scan: only for small dictionaries.
  Variant& value_slot() {
    const size_t last = keys_.size() - 1;
    const Variant& key = keys_[last];
    if (const std::string* chars = string_like(key)) {  // the usual keys, compared inline
      for (size_t i = 0; i < last; ++i) {
        const std::string* other = string_like(keys_[i]);
        if (other && same_string(*other, *chars)) return drop_last_for(i);
      }
      return values_[last];
    }
    for (size_t i = 0; i < last; ++i) {
      if (key_equal(keys_[i], key)) return drop_last_for(i);
    }
    return values_[last];
  }

 private:
  // The new key repeats key `i`: removes the new entry; the value goes to entry i.
  Variant& drop_last_for(size_t i) {
    keys_.pop_back();
    values_.pop_back();
    return values_[i];
  }

  std::vector<Variant>& keys_;
  std::vector<Variant>& values_;
};

namespace {

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const DecodeOptions& options)
      : data_(bytes.data()),
        size_(bytes.size()),
        allow_objects_(options.allow_objects),
        godot3_(options.dialect == GodotDialect::kGodot3),
        legacy_ids_(!godot3_ && options.type_ids == TypeIds::kReelLegacy),
        max_depth_(std::max(options.max_depth, 0)),
        budget_(saturating_budget(bytes.size(), options)) {}

  bool decode(Variant& out, int depth);
  bool decode_key(Variant& key, int depth);
  size_t position() const { return pos_; }
  const Status& error() const { return error_; }

 private:
  bool fail(Status status) const {
    error_ = std::move(status);
    return false;
  }
  // input * factor + base, saturated (overflow builtins: no 64-bit division per decode).
  static size_t saturating_budget(size_t input, const DecodeOptions& o) {
    size_t budget;
    if (__builtin_mul_overflow(input, o.max_alloc_factor, &budget) ||
        __builtin_add_overflow(budget, o.max_alloc_base, &budget)) {
      return std::numeric_limits<size_t>::max();
    }
    return budget;
  }

  size_t remaining() const { return size_ - pos_; }
  // "at byte N: <what> (<field>, need X bytes, have Y)".
  bool truncated(std::string_view field, uint64_t need) const {
    return fail(Status::corruption("at byte {}: truncated input ({}, need {} bytes, have {})", pos_,
                                   field, need, remaining()));
  }
  bool malformed(size_t at, std::string_view what, std::string_view field) const {
    return fail(Status::corruption("at byte {}: {} ({})", at, what, field));
  }
  bool need(uint64_t n, std::string_view field) const {
    if (n > remaining()) [[unlikely]]
      return truncated(field, n);
    return true;
  }
  // Charges `bytes` of memory about to be allocated against the decode's budget.
  bool charge(uint64_t bytes, std::string_view field) {
    if (bytes > budget_) [[unlikely]] {
      return fail(Status::corruption(
          "at byte {}: allocation budget exhausted ({}, need {} bytes, have {} of the budget left)",
          pos_, field, bytes, budget_));
    }
    budget_ -= bytes;
    return true;
  }
  // REQUIRES: need(sizeof(T)) checked.
  template <class T>
  T read() {
    T v = load_le<T>(data_ + pos_);
    pos_ += sizeof(T);
    return v;
  }
  // A signed int32 count of elements of at least `min_element_size` bytes each.
  bool read_count(uint32_t raw, size_t min_element_size, std::string_view field, size_t& count) {
    const auto signed_count = static_cast<int32_t>(raw);
    if (signed_count < 0) {
      return fail(
          Status::corruption("at byte {}: negative count {} ({})", pos_ - 4, signed_count, field));
    }
    count = static_cast<size_t>(signed_count);
    const uint64_t bytes = uint64_t{count} * min_element_size;
    if (bytes > remaining()) {
      return fail(
          Status::corruption("at byte {}: count {} exceeds the input ({}, need {} bytes, have {})",
                             pos_ - 4, count, field, bytes, remaining()));
    }
    return true;
  }
  // `depth` counts the containers around this one (0 at the top): at most max_depth_ levels in
  // all, as the text parser and FORMAT.md 1 say (Godot itself lets one more level through).
  bool check_depth(int depth, std::string_view field) const {
    if (depth >= max_depth_) {
      return fail(Status::corruption("at byte {}: nesting deeper than {} levels ({})", pos_,
                                     max_depth_, field));
    }
    return true;
  }

  bool read_gstr(std::string& s, std::string_view field);
  bool read_string_bytes(size_t length, size_t padded, std::string& s, std::string_view field);
  template <class T>
  bool read_struct(Variant& out, Type type, uint32_t header, size_t header_at);
  bool read_node_path(Variant& out);
  bool read_object(Variant& out, uint32_t header, int depth);
  bool read_container_type(uint32_t kind, ContainerType& t, std::string_view field);
  bool read_array(Variant& out, uint32_t header, int depth);
  bool read_dictionary(Variant& out, uint32_t header, int depth);
  bool fill_dictionary(Dictionary& dict, size_t count, int depth);
  template <class Vec>
  bool read_packed(Variant& out, Type type, uint32_t header, size_t header_at);
  bool read_packed_strings(Variant& out);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool allow_objects_;
  bool godot3_;
  bool legacy_ids_;  // TypeIds::kReelLegacy
  int max_depth_;
  size_t budget_;
  mutable Status error_;
};

// gstr: u32 signed length, the bytes, padding to 4 (required to be present, content ignored).
bool Decoder::read_gstr(std::string& s, std::string_view field) {
  REEL_TRY(need(4, field));
  const auto length = static_cast<int32_t>(read<uint32_t>());
  if (length < 0) {
    return fail(
        Status::corruption("at byte {}: negative string length {} ({})", pos_ - 4, length, field));
  }
  const size_t n = static_cast<size_t>(length);
  return read_string_bytes(n, n + pad4(n), s, field);
}

// Godot's parse_utf8: stops at the first NUL, skips one leading BOM, rejects invalid UTF-8.
bool Decoder::read_string_bytes(size_t length, size_t padded, std::string& s,
                                std::string_view field) {
  REEL_TRY(need(padded, field));
  const uint8_t* p = data_ + pos_;
  if (is_plain_ascii(p, length)) [[likely]] {
    REEL_TRY(charge(length, field));
    s.assign(reinterpret_cast<const char*>(p), length);
    pos_ += padded;
    return true;
  }
  size_t n = length;
  if (const void* nul = std::memchr(p, 0, n))
    n = static_cast<size_t>(static_cast<const uint8_t*>(nul) - p);
  size_t skip = 0;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) skip = 3;
  const size_t bad = find_invalid_utf8(p + skip, n - skip);
  if (bad != n - skip) {
    return fail(Status::corruption("at byte {}: invalid UTF-8 ({}, byte {} of {})",
                                   pos_ + skip + bad, field, skip + bad, length));
  }
  REEL_TRY(charge(n - skip, field));
  s.assign(reinterpret_cast<const char*>(p + skip), n - skip);
  pos_ += padded;
  return true;
}

// Math types: components in memory order; bit 16 means f64 components (a double build).
template <class T>
bool Decoder::read_struct(Variant& out, Type type, uint32_t header, size_t header_at) {
  static_assert(kIsWordStruct<T>);
  constexpr bool kHasRealT = !std::is_same_v<T, Color> && !std::is_same_v<T, Vector2i> &&
                             !std::is_same_v<T, Rect2i> && !std::is_same_v<T, Vector3i> &&
                             !std::is_same_v<T, Vector4i>;
  if (kHasRealT && !godot3_ && (header & kFlag64)) {
    return fail(Status::unsupported(
        "at byte {}: {} has 64-bit real_t components, written by a double-precision real_t build; "
        "Reel supports single-precision (float) real_t only",
        header_at, type_name(type)));
  }
  REEL_TRY(need(sizeof(T), type_name(type)));
  T& v = out.storage().emplace<T>();
  std::memcpy(&v, data_ + pos_, sizeof(T));
  to_or_from_le_words<4>(&v, sizeof(T));
  pos_ += sizeof(T);
  return true;
}

// u32 name count | 0x80000000, u32 subname count, u32 flags, then the gstrs (names first).
bool Decoder::read_node_path(Variant& out) {
  REEL_TRY(need(12, "NodePath header"));
  const uint32_t first = read<uint32_t>();
  if (!(first & kNodePathNewFormat)) {
    return malformed(pos_ - 4, "old-format NodePath (no 0x80000000 marker)", "NodePath");
  }
  const uint64_t name_count = first & ~kNodePathNewFormat;
  uint64_t subname_count = read<uint32_t>();
  const uint32_t flags = read<uint32_t>();
  if (flags & kNodePathLegacyProperty) ++subname_count;
  const uint64_t total = name_count + subname_count;
  if (total * 4 > remaining()) {
    return fail(Status::corruption(
        "at byte {}: NodePath part count {} exceeds the input (NodePath, need {} bytes, have {})",
        pos_ - 12, total, total * 4, remaining()));
  }
  REEL_TRY(charge(total * sizeof(std::string), "NodePath"));
  NodePath& path = out.storage().emplace<NodePath>();
  path.absolute = flags & kNodePathAbsolute;
  path.names.resize(name_count);
  path.subnames.resize(subname_count);
  for (auto& name : path.names) REEL_TRY(read_gstr(name, "NodePath name"));
  for (auto& name : path.subnames) REEL_TRY(read_gstr(name, "NodePath subname"));
  return true;
}

bool Decoder::read_object(Variant& out, uint32_t header, int depth) {
  if (header & kFlag64) {  // object as id: always allowed
    REEL_TRY(need(8, "Object id"));
    out.storage().emplace<Object>().instance_id = read<uint64_t>();
    return true;
  }
  if (!allow_objects_) {
    return fail(Status::unsupported(
        "at byte {}: full Object payload refused (Object, decode with allow_objects to accept it)",
        pos_ - 4));
  }
  REEL_TRY(check_depth(depth, "Object"));
  auto full = std::make_shared<FullObject>();
  REEL_TRY(read_gstr(full->class_name, "Object class name"));
  if (full->class_name.empty()) {  // a null object
    out.storage().emplace<Object>();
    return true;
  }
  REEL_TRY(need(4, "Object property count"));
  size_t count = 0;
  REEL_TRY(read_count(read<uint32_t>(), 8, "Object property count", count));
  REEL_TRY(charge(count * (sizeof(std::string) + sizeof(Variant)) + sizeof(FullObject), "Object"));
  full->property_names.resize(count);
  full->property_values.resize(count);
  for (size_t i = 0; i < count; ++i) {
    REEL_TRY(read_gstr(full->property_names[i], "Object property name"));
    const size_t value_at = pos_;
    Variant& value = full->property_values[i];
    REEL_TRY(decode(value, depth + 1));
    // Godot 4 stores the attached script as its res:// path (or NIL).
    if (!godot3_ && full->property_names[i] == "script" && !value.is_nil()) {
      const std::string* path = value.get_if<std::string>();
      if (!path || path->size() <= 6 || path->compare(0, 6, "res://") != 0) {
        return malformed(value_at, "Object 'script' property is not a res:// path",
                         "Object script");
      }
    }
  }
  Object& object = out.storage().emplace<Object>();
  object.full = std::move(full);
  return true;
}

// Descriptor kinds: 0 none, 1 builtin (u32 type id), 2 class name (gstr), 3 script path (gstr).
bool Decoder::read_container_type(uint32_t kind, ContainerType& t, std::string_view field) {
  switch (kind) {
    case 0:
      return true;
    case 1: {
      REEL_TRY(need(4, field));
      uint32_t id = read<uint32_t>();
      if (legacy_ids_) id = godot_id_of_legacy_id(id);
      if (id >= kTypeCount) {
        return fail(
            Status::corruption("at byte {}: invalid builtin type id {} ({})", pos_ - 4, id, field));
      }
      if (id != 0) {  // a NIL element type means untyped
        t.kind = ContainerKind::kBuiltin;
        t.builtin = static_cast<Type>(id);
      }
      return true;
    }
    default: {
      const size_t at = pos_;
      std::string name;
      REEL_TRY(read_gstr(name, field));
      t.builtin = Type::OBJECT;
      if (!allow_objects_) {  // as Godot: no class lookup, no script loading
        t.kind = ContainerKind::kClassName;
        t.name = kEncodedObjectAsId;
        return true;
      }
      if (kind == 3 && (name.size() <= 6 || name.compare(0, 6, "res://") != 0)) {
        return malformed(at, "container script is not a res:// path", field);
      }
      t.kind = kind == 3 ? ContainerKind::kScript : ContainerKind::kClassName;
      t.name = std::move(name);
      return true;
    }
  }
}

bool Decoder::read_array(Variant& out, uint32_t header, int depth) {
  REEL_TRY(check_depth(depth, "Array"));
  Array& array = out.storage().emplace<Array>();
  if (!godot3_) {
    REEL_TRY(read_container_type((header >> kArrayKindShift) & 3, array.element_type,
                                 "Array element type"));
  }
  REEL_TRY(need(4, "Array count"));
  size_t count = 0;
  REEL_TRY(read_count(read<uint32_t>() & kContainerCountMask, 4, "Array", count));
  REEL_TRY(charge(count * sizeof(Variant), "Array"));
  array.items.resize(count);
  for (Variant& item : array.items) REEL_TRY(decode(item, depth + 1));
  return true;
}

bool Decoder::read_dictionary(Variant& out, uint32_t header, int depth) {
  REEL_TRY(check_depth(depth, "Dictionary"));
  REEL_TRY(charge(sizeof(Dictionary), "Dictionary"));  // held out of line (Boxed)
  Dictionary& dict = out.emplace<Dictionary>();
  const uint32_t key_kind = (header >> kDictKeyKindShift) & 3;
  const uint32_t value_kind = (header >> kDictValueKindShift) & 3;
  if (!godot3_ && (key_kind | value_kind) != 0) {  // a typed dictionary
    REEL_TRY(read_container_type(key_kind, dict.key_type, "Dictionary key type"));
    REEL_TRY(read_container_type(value_kind, dict.value_type, "Dictionary value type"));
  }
  REEL_TRY(need(4, "Dictionary count"));
  size_t count = 0;
  REEL_TRY(read_count(read<uint32_t>() & kContainerCountMask, 8, "Dictionary", count));
  // Two Variants per entry plus the key index the Dictionary builds.
  REEL_TRY(charge(count * (2 * sizeof(Variant) + 16), "Dictionary"));
  return fill_dictionary(dict, count, depth);
}

// A repeated key overwrites the earlier value and keeps its position (Godot's behaviour). Small
// dictionaries are built in place with a linear duplicate scan (DictionaryBuilder); large ones are
// de-duplicated here with a sorted hash list so that hostile input stays O(n log n)
// (Dictionary::set's incremental index insert is O(n)).
bool Decoder::fill_dictionary(Dictionary& dict, size_t count, int depth) {
  constexpr size_t kSmall = 16;
  if (count <= kSmall) {
    DictionaryBuilder builder(dict);
    builder.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      REEL_TRY(decode_key(builder.new_key(), depth + 1));
      REEL_TRY(decode(builder.value_slot(), depth + 1));
    }
    return true;
  }
  dict.reserve(count);
  std::vector<Variant> keys(count), values(count);
  for (size_t i = 0; i < count; ++i) {
    REEL_TRY(decode(keys[i], depth + 1));
    REEL_TRY(decode(values[i], depth + 1));
  }
  std::vector<std::pair<uint64_t, uint32_t>> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = {key_hash(keys[i]), static_cast<uint32_t>(i)};
  std::sort(order.begin(), order.end());
  // first_of[i]: index of the first occurrence of keys[i].
  std::vector<uint32_t> first_of(count);
  for (size_t g = 0; g < count;) {
    size_t end = g;
    while (end < count && order[end].first == order[g].first) ++end;
    for (size_t a = g; a < end; ++a) {  // a hash group: tiny unless hashes collide
      const uint32_t i = order[a].second;
      first_of[i] = i;
      for (size_t b = g; b < a; ++b) {
        const uint32_t j = order[b].second;
        if (first_of[j] == j && key_equal(keys[j], keys[i])) {
          first_of[i] = j;
          break;
        }
      }
    }
    g = end;
  }
  for (size_t i = 0; i < count; ++i) {
    if (first_of[i] != i) values[first_of[i]] = std::move(values[i]);  // later value wins
  }
  for (size_t i = 0; i < count; ++i) {
    if (first_of[i] == i) dict.append_unique(std::move(keys[i]), std::move(values[i]));
  }
  return true;
}

// u32 count, then count fixed-size elements (bulk copy on little-endian hosts).
template <class Vec>
bool Decoder::read_packed(Variant& out, Type type, uint32_t header, size_t header_at) {
  using Elem = typename Vec::value_type;
  constexpr bool kHasRealT = std::is_same_v<Elem, Vector2> || std::is_same_v<Elem, Vector3> ||
                             std::is_same_v<Elem, Vector4>;
  if (kHasRealT && !godot3_ && (header & kFlag64)) {
    return fail(Status::unsupported(
        "at byte {}: {} has 64-bit real_t components, written by a double-precision real_t build; "
        "Reel supports single-precision (float) real_t only",
        header_at, type_name(type)));
  }
  REEL_TRY(need(4, type_name(type)));
  size_t count = 0;
  REEL_TRY(read_count(read<uint32_t>(), sizeof(Elem), type_name(type), count));
  const size_t bytes = count * sizeof(Elem);
  REEL_TRY(need(bytes + pad4(bytes), type_name(type)));
  REEL_TRY(charge(bytes, type_name(type)));
  Vec& v = out.storage().emplace<Vec>();
  v.resize(count);
  if (bytes != 0) {
    std::memcpy(v.data(), data_ + pos_, bytes);
    constexpr size_t kWord = std::is_same_v<Elem, int64_t> || std::is_same_v<Elem, double>
                                 ? 8
                                 : std::min<size_t>(sizeof(Elem), 4);
    to_or_from_le_words<kWord>(v.data(), bytes);
  }
  pos_ += bytes + pad4(bytes);
  return true;
}

// Each element: u32 length (including the NUL Godot writes), body padded to 4; decoded with the
// String routine, so the NUL ends it.
bool Decoder::read_packed_strings(Variant& out) {
  REEL_TRY(need(4, "PackedStringArray"));
  size_t count = 0;
  REEL_TRY(read_count(read<uint32_t>(), 4, "PackedStringArray", count));
  REEL_TRY(charge(count * sizeof(std::string), "PackedStringArray"));
  auto& strings = out.storage().emplace<PackedStringArray>();
  strings.resize(count);
  for (auto& s : strings) REEL_TRY(read_gstr(s, "PackedStringArray element"));
  return true;
}

// Dictionary keys are nearly always StringNames (Godot 4) or Strings: those skip the type switch,
// whose indirect jump then only has to predict the values. Same checks and errors as decode().
bool Decoder::decode_key(Variant& key, int depth) {
  if (remaining() >= 4) [[likely]] {
    const uint32_t header = load_le<uint32_t>(data_ + pos_);
    if (header == static_cast<uint32_t>(Type::STRING_NAME) && !godot3_) {
      pos_ += 4;
      return read_gstr(key.storage().emplace<StringName>().name, "StringName");
    }
    if (header == static_cast<uint32_t>(Type::STRING)) {  // the same id in both dialects
      pos_ += 4;
      return read_gstr(key.storage().emplace<std::string>(), "String");
    }
  }
  return decode(key, depth);
}

bool Decoder::decode(Variant& out, int depth) {
  REEL_TRY(need(4, "Variant header"));
  const size_t header_at = pos_;
  const uint32_t header = read<uint32_t>();
  uint32_t id = header & kTypeMask;
  if (legacy_ids_) id = godot_id_of_legacy_id(id);
  Type type;
  if (godot3_) {
    if (id >= kGodot3TypeCount) {
      return fail(Status::corruption("at byte {}: unknown Godot 3 type id {} (Variant header)",
                                     header_at, id));
    }
    type = kTypeOfGodot3Id[id];
  } else {
    if (id >= kTypeCount) {
      return fail(Status::corruption("at byte {}: unknown Godot 4 type id {} (Variant header)",
                                     header_at, id));
    }
    type = static_cast<Type>(id);
  }
  switch (type) {
    case Type::NIL:
      out.storage().emplace<std::monostate>();
      return true;
    case Type::CALLABLE:
      out.storage().emplace<Callable>();
      return true;
    case Type::BOOL:
      REEL_TRY(need(4, "bool"));
      out.storage().emplace<bool>(read<uint32_t>() != 0);
      return true;
    case Type::INT:
      if (header & kFlag64) {
        REEL_TRY(need(8, "int (64-bit)"));
        out.storage().emplace<int64_t>(read<int64_t>());
      } else {
        REEL_TRY(need(4, "int (32-bit)"));
        out.storage().emplace<int64_t>(read<int32_t>());
      }
      return true;
    case Type::FLOAT:
      if (header & kFlag64) {
        REEL_TRY(need(8, "float (64-bit)"));
        out.storage().emplace<double>(read<double>());
      } else {
        REEL_TRY(need(4, "float (32-bit)"));
        out.storage().emplace<double>(read<float>());
      }
      return true;
    case Type::STRING:
      return read_gstr(out.storage().emplace<std::string>(), "String");
    case Type::STRING_NAME:
      return read_gstr(out.storage().emplace<StringName>().name, "StringName");
#define REEL_STRUCT_CASE(TYPE, T) \
  case Type::TYPE:                \
    return read_struct<T>(out, type, header, header_at);
      REEL_STRUCT_CASE(VECTOR2, Vector2)
      REEL_STRUCT_CASE(VECTOR2I, Vector2i)
      REEL_STRUCT_CASE(RECT2, Rect2)
      REEL_STRUCT_CASE(RECT2I, Rect2i)
      REEL_STRUCT_CASE(VECTOR3, Vector3)
      REEL_STRUCT_CASE(VECTOR3I, Vector3i)
      REEL_STRUCT_CASE(VECTOR4, Vector4)
      REEL_STRUCT_CASE(VECTOR4I, Vector4i)
      REEL_STRUCT_CASE(TRANSFORM2D, Transform2D)
      REEL_STRUCT_CASE(PLANE, Plane)
      REEL_STRUCT_CASE(QUATERNION, Quaternion)
      REEL_STRUCT_CASE(AABB, AABB)
      REEL_STRUCT_CASE(BASIS, Basis)
      REEL_STRUCT_CASE(TRANSFORM3D, Transform3D)
      REEL_STRUCT_CASE(PROJECTION, Projection)
      REEL_STRUCT_CASE(COLOR, Color)
#undef REEL_STRUCT_CASE
    case Type::NODE_PATH:
      return read_node_path(out);
    case Type::RID:
      if (godot3_) {  // Godot 3 writes no payload
        out.storage().emplace<RID>();
        return true;
      }
      REEL_TRY(need(8, "RID"));
      out.storage().emplace<RID>().id = read<uint64_t>();
      return true;
    case Type::OBJECT:
      return read_object(out, header, depth);
    case Type::SIGNAL: {
      Signal& signal = out.storage().emplace<Signal>();
      REEL_TRY(read_gstr(signal.name, "Signal name"));
      REEL_TRY(need(8, "Signal object id"));
      signal.object_id = read<uint64_t>();
      return true;
    }
    case Type::DICTIONARY:
      return read_dictionary(out, header, depth);
    case Type::ARRAY:
      return read_array(out, header, depth);
    case Type::PACKED_BYTE_ARRAY:
      return read_packed<PackedByteArray>(out, type, header, header_at);
    case Type::PACKED_INT32_ARRAY:
      return read_packed<PackedInt32Array>(out, type, header, header_at);
    case Type::PACKED_INT64_ARRAY:
      return read_packed<PackedInt64Array>(out, type, header, header_at);
    case Type::PACKED_FLOAT32_ARRAY:
      return read_packed<PackedFloat32Array>(out, type, header, header_at);
    case Type::PACKED_FLOAT64_ARRAY:
      return read_packed<PackedFloat64Array>(out, type, header, header_at);
    case Type::PACKED_STRING_ARRAY:
      return read_packed_strings(out);
    case Type::PACKED_VECTOR2_ARRAY:
      return read_packed<PackedVector2Array>(out, type, header, header_at);
    case Type::PACKED_VECTOR3_ARRAY:
      return read_packed<PackedVector3Array>(out, type, header, header_at);
    case Type::PACKED_COLOR_ARRAY:
      return read_packed<PackedColorArray>(out, type, header, header_at);
    case Type::PACKED_VECTOR4_ARRAY:
      return read_packed<PackedVector4Array>(out, type, header, header_at);
  }
  return fail(Status::internal("unhandled Variant type {}", static_cast<int>(type)));
}

}  // namespace

Result<Decoded> decode_variant(std::span<const uint8_t> bytes, const DecodeOptions& options) {
  Decoder decoder(bytes, options);
  Result<Decoded> result{Decoded{}};  // decoded in place: no move of the finished Variant
  if (!decoder.decode(result->value, 0)) {
    result = decoder.error();
  } else {
    result->bytes_read = decoder.position();
  }
  return result;
}

}  // namespace reel
