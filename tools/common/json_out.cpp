#include "json_out.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "reel/variant/variant_text.h"

namespace reel::cli {
namespace {

// A float32 component as the double nearest to its shortest round-trip decimal, so that the
// printed JSON number reads as the text form does (0.1f -> 0.1); null when not finite.
Json float_component(float f) {
  if (!std::isfinite(f)) return nullptr;
  const std::string shortest = fmt::format("{}", f);
  double d = 0;
  std::from_chars(shortest.data(), shortest.data() + shortest.size(), d);
  return d;
}

template <class T>
constexpr bool kIsFloatMath =
    std::is_same_v<T, Vector2> || std::is_same_v<T, Rect2> || std::is_same_v<T, Vector3> ||
    std::is_same_v<T, Vector4> || std::is_same_v<T, Transform2D> || std::is_same_v<T, Plane> ||
    std::is_same_v<T, Quaternion> || std::is_same_v<T, AABB> || std::is_same_v<T, Basis> ||
    std::is_same_v<T, Transform3D> || std::is_same_v<T, Projection> || std::is_same_v<T, Color>;
template <class T>
constexpr bool kIsIntMath = std::is_same_v<T, Vector2i> || std::is_same_v<T, Rect2i> ||
                            std::is_same_v<T, Vector3i> || std::is_same_v<T, Vector4i>;

// Math types are padding-free runs of float32 (or int32) components in the order Godot's text
// form lists them (variant_text_print.cpp relies on the same layout).
template <class T>
Json math_components(const T& v) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % 4 == 0);
  using Component = std::conditional_t<kIsFloatMath<T>, float, int32_t>;
  Component parts[sizeof(T) / 4];
  std::memcpy(parts, &v, sizeof(T));
  Json out = Json::array();
  for (Component c : parts) {
    if constexpr (std::is_same_v<Component, float>) {
      out.push_back(float_component(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The "value" of `v`, or a discarded value when it has none.
Json plain_value(const Variant& v) {
  return std::visit(
      [](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                      std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(x) ? Json(x) : Json(Json::value_t::discarded);
        } else if constexpr (kIsFloatMath<T> || kIsIntMath<T>) {
          return math_components(x);
        } else {
          return Json(Json::value_t::discarded);
        }
      },
      v.storage());
}

}  // namespace

Json variant_json(const Variant& v) {
  Json out = {{"type", std::string(type_name(v.type()))}, {"text", to_text(v)}};
  Json value = plain_value(v);
  if (!value.is_discarded()) out["value"] = std::move(value);
  return out;
}

Json variant_json_or_null(const Variant* v) {
  return v ? variant_json(*v) : Json(nullptr);
}

std::string json_text(const Json& doc) {
  return doc.dump(/*indent=*/-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

void print_json(const Json& doc) {
  fmt::print("{}\n", json_text(doc));
}

Json dictionary_tree_json(const Variant& value) {
  if (!value.is<Dictionary>()) return variant_json(value);
  const Dictionary& d = value.get<Dictionary>();
  Json object = Json::object();
  for (size_t i = 0; i < d.size(); ++i) {
    const Variant& key = d.keys()[i];
    object[key.is<std::string>() ? key.get<std::string>() : to_text(key)] =
        dictionary_tree_json(d.values()[i]);
  }
  return object;
}

}  // namespace reel::cli
