extends Node
# The Variant binary test vectors, made by the engine itself: tests/vectors/godot4.tsv is this
# script's output (tests/vectors/regenerate writes it; tests/test_godot4_vectors.cpp checks that
# the committed file still equals what the engine prints; tests/test_variant_binary.cpp checks
# Reel's codec against it). See tests/vectors/README.md.
#
# Prints, in order:
#   VERSION|<engine version, e.g. 4.6-stable>
#   VEC|<description>|<gdscript literal>|<hex of var_to_bytes(value), or of the row's own call>
#   DONE|<rows>|<rows whose literal was also evaluated with Expression>
# and quits 0; quits 1 (after a printerr) when a row is malformed or a check fails.
#
# Each value is made inside its own lambda. GDScript pools the constants of one function and
# merges those that compare equal by value: with 0.0 and -0.0 in the same function, both
# become whichever was pooled first, so a row written as a plain argument could silently
# encode the other zero. A lambda is a function of its own, with its own pool.
#
# The literal column is the row's value as GDScript source. Where Expression can parse and run
# it (most rows; not &"..", TYPE_* or Type.CONSTANT), the result must encode to the same bytes,
# so the literal text cannot drift from the code that makes the value.
#
# NodePath: Godot does not write NodePath pad bytes (var_to_bytes leaves them as the buffer had
# them), so for a NodePath value the pads are zeroed here; a pad that was not zero is told on
# stderr ("note: ..."). Only top-level NodePath values are handled: keep NodePaths out of
# container rows.

var _descriptions := {}
var _rows := 0
var _expression_checked := 0
var _failed := false


func _ready() -> void:
	var info := Engine.get_version_info()
	var version := "%d.%d" % [info.major, info.minor]
	if info.patch > 0:
		version += ".%d" % info.patch
	version += "-" + str(info.status)
	print("VERSION|", version)
	_all_rows()
	if _failed:
		get_tree().quit(1)
		return
	print("DONE|", _rows, "|", _expression_checked)
	get_tree().quit(0)


# A row whose bytes are var_to_bytes(make.call()).
func row(description: String, literal: String, make: Callable) -> void:
	var value = make.call()
	var bytes := var_to_bytes(value)
	if typeof(value) == TYPE_NODE_PATH:
		bytes = _zero_node_path_pads(description, bytes)
	_emit(description, literal, bytes)


# A row whose literal is a statement or another call: make.call() returns the bytes.
func row_bytes(description: String, literal: String, make: Callable) -> void:
	_emit(description, literal, make.call())


func _fail(message: String) -> void:
	printerr("make_godot4_vectors: ", message)
	_failed = true


func _emit(description: String, literal: String, bytes: PackedByteArray) -> void:
	for text in [description, literal]:
		if text.is_empty() or text.contains("|") or text.contains("\t") or text.contains("\n"):
			_fail("empty, or '|', tab or newline in: " + text)
			return
	if _descriptions.has(description):
		_fail("duplicate description: " + description)
		return
	_descriptions[description] = true
	if bytes.is_empty() or bytes.size() % 4 != 0:
		_fail("%s: %d bytes" % [description, bytes.size()])
		return
	var expression := Expression.new()
	if expression.parse(literal) == OK:
		var value = expression.execute([], null, false)
		if not expression.has_execute_failed():
			var again := var_to_bytes(value)
			if typeof(value) == TYPE_NODE_PATH:
				again = _zero_node_path_pads(description, again)
			if again != bytes:
				_fail("%s: Expression(%s) gives %s, the row %s" % [description, literal,
						again.hex_encode(), bytes.hex_encode()])
				return
			_expression_checked += 1
	_rows += 1
	print("VEC|", description, "|", literal, "|", bytes.hex_encode())


# NODE_PATH layout: header, name count | 0x80000000, subname count, flags, then each name and
# subname as u32 length + UTF-8 + pad to 4 bytes.
func _zero_node_path_pads(description: String, raw: PackedByteArray) -> PackedByteArray:
	var bytes := raw.duplicate()
	var count := (bytes.decode_u32(4) & 0x7fffffff) + bytes.decode_u32(8)
	var pos := 16
	var zeroed := 0
	for i in count:
		if pos + 4 > bytes.size():
			break
		pos += 4 + bytes.decode_u32(pos)
		while pos % 4 != 0 and pos < bytes.size():
			if bytes[pos] != 0:
				bytes[pos] = 0
				zeroed += 1
			pos += 1
	if pos != bytes.size():
		_fail("%s: NodePath layout ends at %d of %d bytes" % [description, pos, bytes.size()])
	if zeroed > 0:
		printerr("note: %s: %d non-zero pad bytes written as 0 (raw %s)" % [description, zeroed,
				raw.hex_encode()])
	return bytes


func _neg_zero() -> float:
	return -0.0  # alone in its function: see the top of this file


func _all_rows() -> void:
	# --- Nil is the null Object row below; BOOL, INT, FLOAT
	row("BOOL true", "true", func(): return true)
	row("BOOL false", "false", func(): return false)
	row("INT 0", "0", func(): return 0)
	row("INT -1", "-1", func(): return -1)
	row("INT INT32_MAX (32-bit)", "2147483647", func(): return 2147483647)
	row("INT INT32_MAX+1 (64-bit)", "2147483648", func(): return 2147483648)
	row("INT INT32_MIN (32-bit)", "-2147483648", func(): return -2147483648)
	row("INT INT32_MIN-1 (64-bit)", "-2147483649", func(): return -2147483649)
	row("INT INT64_MIN", "-9223372036854775807 - 1", func(): return -9223372036854775807 - 1)
	row("INT INT64_MAX", "9223372036854775807", func(): return 9223372036854775807)
	row("FLOAT 0.0", "0.0", func(): return 0.0)
	row("FLOAT -0.0 (float32-representable -> 4 bytes, sign kept)", "-0.0", func(): return -0.0)
	row("FLOAT 1.0", "1.0", func(): return 1.0)
	row("FLOAT 0.5 (fits float32)", "0.5", func(): return 0.5)
	row("FLOAT 0.1 (64-bit)", "0.1", func(): return 0.1)
	row("FLOAT 1e300 (64-bit)", "1e300", func(): return 1e300)
	row("FLOAT INF (fits float32)", "INF", func(): return INF)
	row("FLOAT -INF (fits float32)", "-INF", func(): return -INF)
	row("FLOAT NAN (NaN!=NaN -> 64-bit)", "NAN", func(): return NAN)

	# --- String, StringName
	row("STRING empty", '""', func(): return "")
	row("STRING a (3 pad bytes)", '"a"', func(): return "a")
	row("STRING abcd (no pad)", '"abcd"', func(): return "abcd")
	row("STRING abcde (3 pad)", '"abcde"', func(): return "abcde")
	row("STRING UTF-8 h\\u00e9llo (6 bytes)", '"h\\u00e9llo"', func(): return "h\u00e9llo")
	row("STRING_NAME abc (same payload as String)", '&"abc"', func(): return &"abc")
	row("STRING_NAME empty", '&""', func(): return &"")

	# --- Vectors, rects
	row("VECTOR2 (1,2)", "Vector2(1, 2)", func(): return Vector2(1, 2))
	row("VECTOR2 (0.1,-3.5)", "Vector2(0.1, -3.5)", func(): return Vector2(0.1, -3.5))
	row("VECTOR2I (1,-2)", "Vector2i(1, -2)", func(): return Vector2i(1, -2))
	row("RECT2 (1,2,3,4)", "Rect2(1, 2, 3, 4)", func(): return Rect2(1, 2, 3, 4))
	row("RECT2I (1,2,3,4)", "Rect2i(1, 2, 3, 4)", func(): return Rect2i(1, 2, 3, 4))
	row("VECTOR3 (1,2,3)", "Vector3(1, 2, 3)", func(): return Vector3(1, 2, 3))
	row("VECTOR3I (1,2,-3)", "Vector3i(1, 2, -3)", func(): return Vector3i(1, 2, -3))
	row("VECTOR4 (1,2,3,4)", "Vector4(1, 2, 3, 4)", func(): return Vector4(1, 2, 3, 4))
	row("VECTOR4 zero", "Vector4()", func(): return Vector4())
	row("VECTOR4 (0.1,-2.5,1e30,-0.0) (float32 each, -0.0 kept)", "Vector4(0.1, -2.5, 1e30, -0.0)",
			func(): return Vector4(0.1, -2.5, 1e30, -0.0))
	row("VECTOR4 (INF,-INF,0.5,-1)", "Vector4(INF, -INF, 0.5, -1)",
			func(): return Vector4(INF, -INF, 0.5, -1))
	row("VECTOR4I (1,2,3,-4)", "Vector4i(1, 2, 3, -4)", func(): return Vector4i(1, 2, 3, -4))
	row("VECTOR4I zero", "Vector4i()", func(): return Vector4i())
	row("VECTOR4I (INT32_MAX,INT32_MIN,0,-1)", "Vector4i(2147483647, -2147483648, 0, -1)",
			func(): return Vector4i(2147483647, -2147483648, 0, -1))

	# --- Transform2D (type 11): columns x, y, origin
	row("TRANSFORM2D x=(1,2) y=(3,4) origin=(5,6): columns x,y,origin",
			"Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))",
			func(): return Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)))
	row("TRANSFORM2D identity", "Transform2D.IDENTITY", func(): return Transform2D.IDENTITY)
	row("TRANSFORM2D FLIP_X", "Transform2D.FLIP_X", func(): return Transform2D.FLIP_X)
	row("TRANSFORM2D quarter turn x=(0,1) y=(-1,0) origin=(-1.5,0.25)",
			"Transform2D(Vector2(0, 1), Vector2(-1, 0), Vector2(-1.5, 0.25))",
			func(): return Transform2D(Vector2(0, 1), Vector2(-1, 0), Vector2(-1.5, 0.25)))
	row("TRANSFORM2D x=(0.1,0.2) y=(0.3,0.4) origin=(1e10,-7) (float32 each)",
			"Transform2D(Vector2(0.1, 0.2), Vector2(0.3, 0.4), Vector2(1e10, -7))",
			func(): return Transform2D(Vector2(0.1, 0.2), Vector2(0.3, 0.4), Vector2(1e10, -7)))

	# --- 3D math
	row("PLANE normal (1,0,0) d=5", "Plane(1, 0, 0, 5)", func(): return Plane(1, 0, 0, 5))
	row("QUATERNION identity (x,y,z,w)", "Quaternion(0, 0, 0, 1)",
			func(): return Quaternion(0, 0, 0, 1))
	row("AABB pos(1,2,3) size(4,5,6)", "AABB(Vector3(1, 2, 3), Vector3(4, 5, 6))",
			func(): return AABB(Vector3(1, 2, 3), Vector3(4, 5, 6)))
	row("BASIS columns x=(1,2,3) y=(4,5,6) z=(7,8,9): written ROW-major => 1,4,7,2,5,8,3,6,9",
			"Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9))",
			func(): return Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)))
	row("TRANSFORM3D basis columns (1,2,3)(4,5,6)(7,8,9) origin (10,11,12): basis rows then origin",
			"Transform3D(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9), Vector3(10, 11, 12))",
			func(): return Transform3D(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9),
					Vector3(10, 11, 12)))
	row("PROJECTION identity (column-major)", "Projection.IDENTITY",
			func(): return Projection.IDENTITY)
	row("PROJECTION columns x=(1,2,3,4) y=(5,6,7,8) z=(9,10,11,12) w=(13,14,15,16)",
			"Projection(Vector4(1, 2, 3, 4), Vector4(5, 6, 7, 8), Vector4(9, 10, 11, 12), Vector4(13, 14, 15, 16))",
			func(): return Projection(Vector4(1, 2, 3, 4), Vector4(5, 6, 7, 8),
					Vector4(9, 10, 11, 12), Vector4(13, 14, 15, 16)))
	row("COLOR (1,0.5,0.25,1) (always float32)", "Color(1, 0.5, 0.25, 1)",
			func(): return Color(1, 0.5, 0.25, 1))

	# --- NodePath (pads zeroed: see the top of this file), RID, Object, Callable, Signal
	row("NODE_PATH empty", 'NodePath("")', func(): return NodePath(""))
	row("NODE_PATH relative Path2D/PathFollow2D/Sprite:position:x (3 names, 2 subnames)",
			'NodePath("Path2D/PathFollow2D/Sprite:position:x")',
			func(): return NodePath("Path2D/PathFollow2D/Sprite:position:x"))
	row("NODE_PATH absolute /root/Main (flags=1)", 'NodePath("/root/Main")',
			func(): return NodePath("/root/Main"))
	row("NODE_PATH :position (0 names, 1 subname)", 'NodePath(":position")',
			func(): return NodePath(":position"))
	row("RID() (u64 id 0; Godot 4 writes the id, Godot 3 wrote nothing)", "RID()",
			func(): return RID())
	row_bytes("OBJECT null (Godot 4 encodes an invalid/null Object as plain NIL)",
			"var o: Object = null; var_to_bytes(o)", _object_null)
	row("CALLABLE (header only, no payload; decodes to empty Callable)", "Callable()",
			func(): return Callable())
	row("SIGNAL empty (name '' + u64 object id 0)", "Signal()", func(): return Signal())

	# --- Dictionary
	row("DICTIONARY empty", "{}", func(): return {})
	row('DICTIONARY {"a": 1}', '{"a": 1}', func(): return {"a": 1})
	row('DICTIONARY {1: "x", "k": [1, 2]} (insertion order)', '{1: "x", "k": [1, 2]}',
			func(): return {1: "x", "k": [1, 2]})
	row("DICTIONARY {Vector4(1,2,3,4): Vector4i(5,6,7,8), Transform2D.IDENTITY: 1}",
			"{Vector4(1, 2, 3, 4): Vector4i(5, 6, 7, 8), Transform2D.IDENTITY: 1}",
			func(): return {Vector4(1, 2, 3, 4): Vector4i(5, 6, 7, 8), Transform2D.IDENTITY: 1})
	row_bytes('DICTIONARY "a" then &"a": one key, the first key\'s form (String), the last value',
			'var d := {}; d["a"] = 1; d[&"a"] = 2; var_to_bytes(d)', _dict_string_then_name)
	row_bytes('DICTIONARY &"a" then "a": one key, the first key\'s form (StringName), the last value',
			'var d := {}; d[&"a"] = 1; d["a"] = 2; var_to_bytes(d)', _dict_name_then_string)
	row_bytes("DICTIONARY 0.0 then -0.0: one key, 0.0 kept, the last value",
			"var d := {}; d[0.0] = 1; d[-0.0] = 2; var_to_bytes(d)", _dict_zero_then_neg_zero)
	row_bytes("DICTIONARY NAN then -NAN (sign bit set): one key, the first NaN kept, the last value",
			"var n := NAN; var d := {}; d[n] = 1; d[-n] = 2; var_to_bytes(d)", _dict_nan_then_neg_nan)

	# --- Array
	row("ARRAY empty", "[]", func(): return [])
	row('ARRAY [1, "a", null]', '[1, "a", null]', func(): return [1, "a", null])
	row("ARRAY [Transform2D(...), Vector4(1,2,3,4), Vector4i(1,2,3,-4)] (untyped)",
			"[Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)), Vector4(1, 2, 3, 4), Vector4i(1, 2, 3, -4)]",
			func(): return [Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)),
					Vector4(1, 2, 3, 4), Vector4i(1, 2, 3, -4)])

	# --- Typed Array (4.3+): header flags bits 16-17 = element kind, then the type
	row('ARRAY typed String ["a"]', 'Array(["a"], TYPE_STRING, &"", null)',
			func(): return Array(["a"], TYPE_STRING, &"", null))
	row("ARRAY typed float, empty", 'Array([], TYPE_FLOAT, &"", null)',
			func(): return Array([], TYPE_FLOAT, &"", null))
	row("ARRAY typed Node, empty, var_to_bytes (full_objects=false): CLASS_NAME kind but the written class is EncodedObjectAsID",
			'Array([], TYPE_OBJECT, &"Node", null)',
			func(): return Array([], TYPE_OBJECT, &"Node", null))
	row_bytes("ARRAY typed Node, empty, var_to_bytes_with_objects: CLASS_NAME kind with real class name",
			'var_to_bytes_with_objects(Array([], TYPE_OBJECT, &"Node", null))', _array_node_with_objects)
	row("ARRAY typed Transform2D [identity, x=(1,2) y=(3,4) origin=(5,6)]",
			'Array([Transform2D.IDENTITY, Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))], TYPE_TRANSFORM2D, &"", null)',
			func(): return Array([Transform2D.IDENTITY,
					Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))], TYPE_TRANSFORM2D, &"", null))
	row("ARRAY typed Vector4 [(1,2,3,4), (-0.5,0.25,0,8)]",
			'Array([Vector4(1, 2, 3, 4), Vector4(-0.5, 0.25, 0, 8)], TYPE_VECTOR4, &"", null)',
			func(): return Array([Vector4(1, 2, 3, 4), Vector4(-0.5, 0.25, 0, 8)], TYPE_VECTOR4, &"", null))
	row("ARRAY typed Vector4, empty", 'Array([], TYPE_VECTOR4, &"", null)',
			func(): return Array([], TYPE_VECTOR4, &"", null))
	row("ARRAY typed Vector4i [(1,2,3,-4), (INT32_MAX,INT32_MIN,0,0)]",
			'Array([Vector4i(1, 2, 3, -4), Vector4i(2147483647, -2147483648, 0, 0)], TYPE_VECTOR4I, &"", null)',
			func(): return Array([Vector4i(1, 2, 3, -4), Vector4i(2147483647, -2147483648, 0, 0)],
					TYPE_VECTOR4I, &"", null))
	row("ARRAY typed PackedVector4Array [[(1,2,3,4)], []]",
			'Array([PackedVector4Array([Vector4(1, 2, 3, 4)]), PackedVector4Array()], TYPE_PACKED_VECTOR4_ARRAY, &"", null)',
			func(): return Array([PackedVector4Array([Vector4(1, 2, 3, 4)]), PackedVector4Array()],
					TYPE_PACKED_VECTOR4_ARRAY, &"", null))

	# --- Typed Dictionary (4.4+): key kind bits 16-17, value kind bits 18-19
	row('DICTIONARY typed [String, int] {"a": 1}',
			'Dictionary({"a": 1}, TYPE_STRING, &"", null, TYPE_INT, &"", null)',
			func(): return Dictionary({"a": 1}, TYPE_STRING, &"", null, TYPE_INT, &"", null))
	row("DICTIONARY typed [Variant, int] {} (only value kind set, bits 18-19; key type not written)",
			'Dictionary({}, TYPE_NIL, &"", null, TYPE_INT, &"", null)',
			func(): return Dictionary({}, TYPE_NIL, &"", null, TYPE_INT, &"", null))
	row("DICTIONARY typed [String, Variant] {} (only key kind set; value type not written)",
			'Dictionary({}, TYPE_STRING, &"", null, TYPE_NIL, &"", null)',
			func(): return Dictionary({}, TYPE_STRING, &"", null, TYPE_NIL, &"", null))
	row("DICTIONARY typed [Vector4i, Transform2D] {(1,2,3,4): identity}",
			'Dictionary({Vector4i(1, 2, 3, 4): Transform2D.IDENTITY}, TYPE_VECTOR4I, &"", null, TYPE_TRANSFORM2D, &"", null)',
			func(): return Dictionary({Vector4i(1, 2, 3, 4): Transform2D.IDENTITY},
					TYPE_VECTOR4I, &"", null, TYPE_TRANSFORM2D, &"", null))
	row("DICTIONARY typed [Transform2D, Vector4] {x=(1,2) y=(3,4) origin=(5,6): (1,2,3,4)}",
			'Dictionary({Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)): Vector4(1, 2, 3, 4)}, TYPE_TRANSFORM2D, &"", null, TYPE_VECTOR4, &"", null)',
			func(): return Dictionary({Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)):
					Vector4(1, 2, 3, 4)}, TYPE_TRANSFORM2D, &"", null, TYPE_VECTOR4, &"", null))
	row("DICTIONARY typed [Vector4, Vector4i] {(0.5,0,0,1): (1,-1,0,0)}",
			'Dictionary({Vector4(0.5, 0, 0, 1): Vector4i(1, -1, 0, 0)}, TYPE_VECTOR4, &"", null, TYPE_VECTOR4I, &"", null)',
			func(): return Dictionary({Vector4(0.5, 0, 0, 1): Vector4i(1, -1, 0, 0)},
					TYPE_VECTOR4, &"", null, TYPE_VECTOR4I, &"", null))
	row('DICTIONARY typed [String, PackedVector4Array] {"v": [(1,2,3,4)]}',
			'Dictionary({"v": PackedVector4Array([Vector4(1, 2, 3, 4)])}, TYPE_STRING, &"", null, TYPE_PACKED_VECTOR4_ARRAY, &"", null)',
			func(): return Dictionary({"v": PackedVector4Array([Vector4(1, 2, 3, 4)])},
					TYPE_STRING, &"", null, TYPE_PACKED_VECTOR4_ARRAY, &"", null))

	# --- Packed arrays
	row("PACKED_BYTE_ARRAY [1,2,3] (1 pad)", "PackedByteArray([1, 2, 3])",
			func(): return PackedByteArray([1, 2, 3]))
	row("PACKED_BYTE_ARRAY empty", "PackedByteArray()", func(): return PackedByteArray())
	row("PACKED_INT32_ARRAY [1,-1]", "PackedInt32Array([1, -1])",
			func(): return PackedInt32Array([1, -1]))
	row("PACKED_INT64_ARRAY [1,-1,4294967296]", "PackedInt64Array([1, -1, 4294967296])",
			func(): return PackedInt64Array([1, -1, 4294967296]))
	row("PACKED_FLOAT32_ARRAY [1.5,0.1]", "PackedFloat32Array([1.5, 0.1])",
			func(): return PackedFloat32Array([1.5, 0.1]))
	row("PACKED_FLOAT64_ARRAY [1.5,0.1]", "PackedFloat64Array([1.5, 0.1])",
			func(): return PackedFloat64Array([1.5, 0.1]))
	row('PACKED_STRING_ARRAY ["a","bc","","abcd"] (each length includes a NUL terminator)',
			'PackedStringArray(["a", "bc", "", "abcd"])',
			func(): return PackedStringArray(["a", "bc", "", "abcd"]))
	row("PACKED_VECTOR2_ARRAY [(1,2),(3,4)]", "PackedVector2Array([Vector2(1, 2), Vector2(3, 4)])",
			func(): return PackedVector2Array([Vector2(1, 2), Vector2(3, 4)]))
	row("PACKED_VECTOR3_ARRAY [(1,2,3)]", "PackedVector3Array([Vector3(1, 2, 3)])",
			func(): return PackedVector3Array([Vector3(1, 2, 3)]))
	row("PACKED_COLOR_ARRAY [(1,0,0,1)]", "PackedColorArray([Color(1, 0, 0, 1)])",
			func(): return PackedColorArray([Color(1, 0, 0, 1)]))
	row("PACKED_VECTOR4_ARRAY [(1,2,3,4)] (4.3+)", "PackedVector4Array([Vector4(1, 2, 3, 4)])",
			func(): return PackedVector4Array([Vector4(1, 2, 3, 4)]))
	row("PACKED_VECTOR4_ARRAY empty", "PackedVector4Array()", func(): return PackedVector4Array())
	row("PACKED_VECTOR4_ARRAY [(1,2,3,4),(-0.5,0.1,1e-3,-8)]",
			"PackedVector4Array([Vector4(1, 2, 3, 4), Vector4(-0.5, 0.1, 1e-3, -8)])",
			func(): return PackedVector4Array([Vector4(1, 2, 3, 4), Vector4(-0.5, 0.1, 1e-3, -8)]))


func _object_null() -> PackedByteArray:
	var o: Object = null
	return var_to_bytes(o)


func _dict_string_then_name() -> PackedByteArray:
	var d := {}
	d["a"] = 1
	d[&"a"] = 2
	return var_to_bytes(d)


func _dict_name_then_string() -> PackedByteArray:
	var d := {}
	d[&"a"] = 1
	d["a"] = 2
	return var_to_bytes(d)


func _dict_zero_then_neg_zero() -> PackedByteArray:
	if var_to_bytes(_neg_zero()).hex_encode() != "0300000000000080":
		_fail("_neg_zero() is not -0.0")
	var d := {}
	d[0.0] = 1
	d[_neg_zero()] = 2  # not -0.0 here: it would be pooled with the 0.0 above
	return var_to_bytes(d)


func _dict_nan_then_neg_nan() -> PackedByteArray:
	var n := NAN
	if var_to_bytes(-n) == var_to_bytes(n):
		_fail("-NAN has the same bits as NAN")
	var d := {}
	d[n] = 1
	d[-n] = 2  # negated at run time: a quiet NaN with the sign bit set
	return var_to_bytes(d)


func _array_node_with_objects() -> PackedByteArray:
	return var_to_bytes_with_objects(Array([], TYPE_OBJECT, &"Node", null))
