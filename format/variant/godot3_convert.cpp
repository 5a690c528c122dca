// The Godot 3 conversion table of godot3_convert.h.
#include "reel/variant/godot3_convert.h"

namespace reel {
namespace {

float as_float(int32_t v) {
  return static_cast<float>(v);
}

Quaternion quat_of(const Vector4& v) {
  return {v.x, v.y, v.z, v.w};
}

Quaternion quat_of(const Vector4i& v) {
  return {as_float(v.x), as_float(v.y), as_float(v.z), as_float(v.w)};
}

template <class T>
Array array_of(const std::vector<T>& items) {
  Array a;
  a.items.reserve(items.size());
  for (const T& x : items) a.items.emplace_back(x);
  return a;
}

Variant convert_object(const Object& object) {
  if (!object.full) return object;
  auto full = std::make_shared<FullObject>(*object.full);
  for (Variant& v : full->property_values) v = to_godot3(v);
  return Object{object.instance_id, std::move(full)};
}

}  // namespace

Variant to_godot3(const Variant& value) {
  return std::visit(
      [&value](const auto& x) -> Variant {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Vector2i>) {
          return Vector2{as_float(x.x), as_float(x.y)};
        } else if constexpr (std::is_same_v<T, Rect2i>) {
          return Rect2{{as_float(x.position.x), as_float(x.position.y)},
                       {as_float(x.size.x), as_float(x.size.y)}};
        } else if constexpr (std::is_same_v<T, Vector3i>) {
          return Vector3{as_float(x.x), as_float(x.y), as_float(x.z)};
        } else if constexpr (std::is_same_v<T, Vector4> || std::is_same_v<T, Vector4i>) {
          return quat_of(x);
        } else if constexpr (std::is_same_v<T, Projection>) {
          PackedFloat32Array components;
          for (const Vector4& c : x.columns)
            components.insert(components.end(), {c.x, c.y, c.z, c.w});
          return components;
        } else if constexpr (std::is_same_v<T, StringName>) {
          return x.name;
        } else if constexpr (std::is_same_v<T, Callable>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, Signal>) {
          return x.name;
        } else if constexpr (std::is_same_v<T, PackedInt64Array> ||
                             std::is_same_v<T, PackedFloat64Array>) {
          return array_of(x);
        } else if constexpr (std::is_same_v<T, PackedVector4Array>) {
          Array a;
          a.items.reserve(x.size());
          for (const Vector4& v : x) a.items.emplace_back(quat_of(v));
          return a;
        } else if constexpr (std::is_same_v<T, Array>) {
          Array a;
          a.items.reserve(x.items.size());
          for (const Variant& item : x.items) a.items.push_back(to_godot3(item));
          return a;
        } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
          const Dictionary& d = x.get();
          Dictionary out;
          out.reserve(d.size());
          for (size_t i = 0; i < d.size(); ++i)
            out.set(to_godot3(d.keys()[i]), to_godot3(d.values()[i]));
          return out;
        } else if constexpr (std::is_same_v<T, Object>) {
          return convert_object(x);
        } else {
          return value;
        }
      },
      value.storage());
}

}  // namespace reel
