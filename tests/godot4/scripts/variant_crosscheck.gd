extends Node
# Randomized cross-check of Reel's Variant codec against this engine (tests/test_godot4_variant.cpp).
#
# Godot's own values: a seeded generator makes VALUES_PER_TYPE values of every type (nested and
# typed containers, StringName keys, packed arrays, int and float edges; floats drawn as bit
# patterns, never parsed from text). The same seed makes the same values in every run.
#
# Run 1 (no input files): prints "G|<i>|<hex of var_to_bytes(value i)>" for every value.
# Run 2 (/data/reel_of_godot.bin and /data/reel_values.bin, each a sequence of u32 LE length +
# bytes records):
#   - reel_of_godot.bin holds Reel's re-encoding of Godot's value i: prints "S|<i>|1" when
#     bytes_to_var of it is the same value as Godot's (same types, same bits), else "S|<i>|0 ...".
#   - reel_values.bin holds values Reel made up: prints "R|<i>|<hex of var_to_bytes(bytes_to_var
#     (record i))>", or "R|<i>|null" when Godot could not decode it.
# Ends with "DONE|<count>" and quits 0; quits 1 when an input file cannot be read.

const SEED := 20261204
const VALUES_PER_TYPE := 1000
const MAX_DEPTH := 3
# Types this generator makes: every Godot 4 type but OBJECT (an object travels as an instance id
# that the decoding side turns into an EncodedObjectAsID object, not the same value).
const TYPES := [
	TYPE_NIL, TYPE_BOOL, TYPE_INT, TYPE_FLOAT, TYPE_STRING, TYPE_VECTOR2, TYPE_VECTOR2I,
	TYPE_RECT2, TYPE_RECT2I, TYPE_VECTOR3, TYPE_VECTOR3I, TYPE_TRANSFORM2D, TYPE_VECTOR4,
	TYPE_VECTOR4I, TYPE_PLANE, TYPE_QUATERNION, TYPE_AABB, TYPE_BASIS, TYPE_TRANSFORM3D,
	TYPE_PROJECTION, TYPE_COLOR, TYPE_STRING_NAME, TYPE_NODE_PATH, TYPE_RID, TYPE_CALLABLE,
	TYPE_SIGNAL, TYPE_DICTIONARY, TYPE_ARRAY, TYPE_PACKED_BYTE_ARRAY, TYPE_PACKED_INT32_ARRAY,
	TYPE_PACKED_INT64_ARRAY, TYPE_PACKED_FLOAT32_ARRAY, TYPE_PACKED_FLOAT64_ARRAY,
	TYPE_PACKED_STRING_ARRAY, TYPE_PACKED_VECTOR2_ARRAY, TYPE_PACKED_VECTOR3_ARRAY,
	TYPE_PACKED_COLOR_ARRAY, TYPE_PACKED_VECTOR4_ARRAY,
]
# Element/key/value types of typed containers (not NIL: that is untyped; not OBJECT).
const TYPED := [
	TYPE_BOOL, TYPE_INT, TYPE_FLOAT, TYPE_STRING, TYPE_VECTOR2, TYPE_VECTOR2I, TYPE_VECTOR3,
	TYPE_TRANSFORM2D, TYPE_VECTOR4, TYPE_VECTOR4I, TYPE_QUATERNION, TYPE_TRANSFORM3D,
	TYPE_COLOR, TYPE_STRING_NAME, TYPE_NODE_PATH, TYPE_ARRAY, TYPE_DICTIONARY,
	TYPE_PACKED_BYTE_ARRAY, TYPE_PACKED_VECTOR3_ARRAY,
]
const PIECES := ["a", "Z", "position", " ", "é", "日本", "😀", "_", "xyz12", "\n", "\"", "\\"]

var rng := RandomNumberGenerator.new()
var scratch := PackedByteArray()


func _ready() -> void:
	scratch.resize(8)
	rng.seed = SEED
	var values := []
	for type in TYPES:
		for i in VALUES_PER_TYPE:
			values.append(make(type, 0))
	var reel_of_godot = read_records("/data/reel_of_godot.bin")
	var reel_values = read_records("/data/reel_values.bin")
	if reel_of_godot == null or reel_values == null:
		get_tree().quit(1)
		return
	if reel_of_godot.is_empty() and reel_values.is_empty():
		for i in values.size():
			print("G|", i, "|", var_to_bytes(values[i]).hex_encode())
	for i in reel_of_godot.size():
		var back = bytes_to_var(reel_of_godot[i])
		if i < values.size() and same(back, values[i]):
			print("S|", i, "|1")
		else:
			print("S|", i, "|0 ", var_to_str(back))
	for i in reel_values.size():
		var decoded = bytes_to_var(reel_values[i])
		if decoded == null and reel_values[i].size() > 4:
			print("R|", i, "|null")
		else:
			print("R|", i, "|", var_to_bytes(decoded).hex_encode())
	print("DONE|", values.size())
	get_tree().quit(0)


# Records of u32 LE length + bytes; [] when the file is absent, null when it is malformed.
func read_records(path: String):
	if not FileAccess.file_exists(path):
		return []
	var data := FileAccess.get_file_as_bytes(path)
	var out := []
	var pos := 0
	while pos < data.size():
		if pos + 4 > data.size():
			printerr("truncated record length at byte ", pos, " of ", path)
			return null
		var n := data.decode_u32(pos)
		if pos + 4 + n > data.size():
			printerr("truncated record at byte ", pos, " of ", path)
			return null
		out.append(data.slice(pos + 4, pos + 4 + n))
		pos += 4 + n
	return out


# Same types and the same bits all the way down (NaN payloads and -0.0 count; NodePaths compare
# by value, since Godot leaves their pad bytes uninitialised).
func same(a, b) -> bool:
	if typeof(a) != typeof(b):
		return false
	match typeof(a):
		TYPE_ARRAY:
			if a.get_typed_builtin() != b.get_typed_builtin() or a.size() != b.size():
				return false
			for i in a.size():
				if not same(a[i], b[i]):
					return false
			return true
		TYPE_DICTIONARY:
			if a.get_typed_key_builtin() != b.get_typed_key_builtin():
				return false
			if a.get_typed_value_builtin() != b.get_typed_value_builtin() or a.size() != b.size():
				return false
			var ka: Array = a.keys()
			var kb: Array = b.keys()
			for i in ka.size():
				if not same(ka[i], kb[i]) or not same(a[ka[i]], b[kb[i]]):
					return false
			return true
		TYPE_NODE_PATH:
			return a == b
		_:
			return var_to_bytes(a) == var_to_bytes(b)


func pick(n: int) -> int:
	return rng.randi() % n


func f32() -> float:
	match pick(7):
		0:
			return -0.0
		1:
			return INF if pick(2) == 0 else -INF
		2:  # NaN payloads (quiet)
			scratch.encode_u32(0, 0x7fc00000 | (rng.randi() & 0x3fffff))
			return scratch.decode_float(0)
		3:  # any bit pattern
			scratch.encode_u32(0, rng.randi())
			return scratch.decode_float(0)
		4:
			return float(pick(200) - 100)
		_:
			return rng.randf_range(-1e4, 1e4)


func f64() -> float:
	match pick(6):
		0:
			return -0.0
		1:
			return f32()
		2:  # any bit pattern
			scratch.encode_u32(0, rng.randi())
			scratch.encode_u32(4, rng.randi())
			return scratch.decode_double(0)
		3:
			return [0.1, 1.0 / 3.0, 1e300, -1e-300, 5e-324, 2.0 ** 53][pick(6)]
		_:
			return rng.randf_range(-1e6, 1e6)


func i64() -> int:
	match pick(6):
		0:
			return -9223372036854775807 - 1
		1:
			return 9223372036854775807
		2:
			return [-2147483648, -2147483649, 2147483647, 2147483648][pick(4)]
		3:
			return (rng.randi() << 32) | rng.randi()
		4:
			return pick(3) - 1
		_:
			return rng.randi() - 2147483648


func i32() -> int:
	return rng.randi() - 2147483648 if pick(4) > 0 else [0, -1, 2147483647, -2147483648][pick(4)]


func rand_string() -> String:
	var s := ""
	for i in pick(6):
		s += PIECES[pick(PIECES.size())]
	return s


func v2() -> Vector2:
	return Vector2(f32(), f32())


func v3() -> Vector3:
	return Vector3(f32(), f32(), f32())


func v4() -> Vector4:
	return Vector4(f32(), f32(), f32(), f32())


func node_path() -> NodePath:
	var text := ""
	if pick(3) == 0:
		text = "/"
	for i in pick(4):
		text += ("/" if i > 0 else "") + ["root", "Main", "a", "Player_2", "日本"][pick(5)]
	for i in pick(3):
		text += ":" + ["position", "x", "transform", "origin"][pick(4)]
	return NodePath(text)


func make(type: int, depth: int):
	match type:
		TYPE_NIL:
			return null
		TYPE_BOOL:
			return pick(2) == 0
		TYPE_INT:
			return i64()
		TYPE_FLOAT:
			return f64()
		TYPE_STRING:
			return rand_string()
		TYPE_VECTOR2:
			return v2()
		TYPE_VECTOR2I:
			return Vector2i(i32(), i32())
		TYPE_RECT2:
			return Rect2(v2(), v2())
		TYPE_RECT2I:
			return Rect2i(Vector2i(i32(), i32()), Vector2i(i32(), i32()))
		TYPE_VECTOR3:
			return v3()
		TYPE_VECTOR3I:
			return Vector3i(i32(), i32(), i32())
		TYPE_TRANSFORM2D:
			return Transform2D(v2(), v2(), v2())
		TYPE_VECTOR4:
			return v4()
		TYPE_VECTOR4I:
			return Vector4i(i32(), i32(), i32(), i32())
		TYPE_PLANE:
			return Plane(f32(), f32(), f32(), f32())
		TYPE_QUATERNION:
			return Quaternion(f32(), f32(), f32(), f32())
		TYPE_AABB:
			return AABB(v3(), v3())
		TYPE_BASIS:
			return Basis(v3(), v3(), v3())
		TYPE_TRANSFORM3D:
			return Transform3D(Basis(v3(), v3(), v3()), v3())
		TYPE_PROJECTION:
			return Projection(v4(), v4(), v4(), v4())
		TYPE_COLOR:
			return Color(f32(), f32(), f32(), f32())
		TYPE_STRING_NAME:
			return StringName(rand_string())
		TYPE_NODE_PATH:
			return node_path()
		TYPE_RID:
			return rid_from_int64(i64())
		TYPE_CALLABLE:
			return Callable()
		TYPE_SIGNAL:
			return Signal()
		TYPE_DICTIONARY:
			return dictionary(depth)
		TYPE_ARRAY:
			return array(depth)
		TYPE_PACKED_BYTE_ARRAY:
			var p := PackedByteArray()
			for i in pick(9):
				p.append(pick(256))
			return p
		TYPE_PACKED_INT32_ARRAY:
			var p := PackedInt32Array()
			for i in pick(6):
				p.append(i32())
			return p
		TYPE_PACKED_INT64_ARRAY:
			var p := PackedInt64Array()
			for i in pick(6):
				p.append(i64())
			return p
		TYPE_PACKED_FLOAT32_ARRAY:
			var p := PackedFloat32Array()
			for i in pick(6):
				p.append(f32())
			return p
		TYPE_PACKED_FLOAT64_ARRAY:
			var p := PackedFloat64Array()
			for i in pick(6):
				p.append(f64())
			return p
		TYPE_PACKED_STRING_ARRAY:
			var p := PackedStringArray()
			for i in pick(6):
				p.append(rand_string())
			return p
		TYPE_PACKED_VECTOR2_ARRAY:
			var p := PackedVector2Array()
			for i in pick(5):
				p.append(v2())
			return p
		TYPE_PACKED_VECTOR3_ARRAY:
			var p := PackedVector3Array()
			for i in pick(5):
				p.append(v3())
			return p
		TYPE_PACKED_COLOR_ARRAY:
			var p := PackedColorArray()
			for i in pick(5):
				p.append(Color(f32(), f32(), f32(), f32()))
			return p
		TYPE_PACKED_VECTOR4_ARRAY:
			var p := PackedVector4Array()
			for i in pick(5):
				p.append(v4())
			return p
	return null


func any(depth: int):
	while true:
		var type: int = TYPES[pick(TYPES.size())]
		if depth >= MAX_DEPTH and (type == TYPE_ARRAY or type == TYPE_DICTIONARY):
			continue
		return make(type, depth + 1)


func of_type(type: int, depth: int):
	if depth >= MAX_DEPTH and (type == TYPE_ARRAY or type == TYPE_DICTIONARY):
		return [] if type == TYPE_ARRAY else {}
	return make(type, depth + 1)


func array(depth: int) -> Array:
	var items := []
	if pick(3) == 0:  # typed
		var type: int = TYPED[pick(TYPED.size())]
		for i in pick(5):
			items.append(of_type(type, depth))
		return Array(items, type, &"", null)
	for i in pick(6):
		items.append(any(depth))
	return items


func dictionary(depth: int) -> Dictionary:
	var d := {}
	match pick(4):
		0:  # typed keys and values
			var kt: int = TYPED[pick(TYPED.size())]
			var vt: int = TYPED[pick(TYPED.size())]
			for i in pick(5):
				d[of_type(kt, depth)] = of_type(vt, depth)
			return Dictionary(d, kt, &"", null, vt, &"", null)
		1:  # StringName and String keys, some of them equal (Godot keeps one key for both)
			for i in pick(6):
				var k := rand_string()
				d[StringName(k) if pick(2) == 0 else k] = any(depth)
			return d
		_:
			for i in pick(6):
				d[any(depth)] = any(depth)
			return d
