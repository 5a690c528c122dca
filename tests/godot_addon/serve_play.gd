# Plays a varstream fetched from `reel serve` (ReelPlayer.open_url, with a bearer token), seeks to
# each frame of SEEKS and prints every entity's state as read back from the scene
# ("frame|entity|path|hex", as replay_dump.gd); then fetches one entity's last state
# (fetch_entity), instances it and prints "ENTITY|name|parent|class scene" and "EPROP|path|hex"
# for each of ENTITY_PATHS; then "REFUSED|error" for a request without the token, and "DONE".
# Filled in by tests/test_serve_godot.cpp.
extends Node

const VARSTREAM_URL = "@VARSTREAM_URL@"
const ENTITY_URL = "@ENTITY_URL@"
const TOKEN = "@TOKEN@"
const SEEKS = [@SEEKS@]
const ENTITY_PATHS = [@ENTITY_PATHS@]


func _ready() -> void:
	var world = Node3D.new()  # godot3: var world = Spatial.new()
	world.name = "world"
	add_child(world)
	var player = load("res://addons/reel/reel_player.gd").new()
	player.root_path = NodePath("../world")
	player.class_scenes = {"res://player.tscn": load("res://example/crowd_player.tscn"), "res://prop.tscn": load("res://example/crowd_prop.tscn")}
	player.http_headers = PackedStringArray(["Authorization: Bearer " + TOKEN])  # godot3: player.http_headers = PoolStringArray(["Authorization: Bearer " + TOKEN])
	add_child(player)
	var err = await player.open_url(VARSTREAM_URL)  # godot3: var err = yield(player.open_url(VARSTREAM_URL), "completed")
	if err != OK:
		printerr("open_url failed: ", player.error)
		get_tree().quit(1)
		return
	for frame in SEEKS:
		if player.seek(frame) != OK or player.current_frame != frame:
			printerr("seek %d failed: %s" % [frame, player.error])
			get_tree().quit(1)
			return
		dump(player)
	player.close()  # its nodes go (entity_ID names are free again)
	var node = await player.fetch_entity(ENTITY_URL)  # godot3: var node = yield(player.fetch_entity(ENTITY_URL), "completed")
	if node == null:
		printerr("fetch_entity failed: ", player.error)
		get_tree().quit(1)
		return
	print("ENTITY|%s|%s|%s" % [node.name, node.get_parent().name, node.scene_file_path])  # godot3: print("ENTITY|%s|%s|%s" % [node.name, node.get_parent().name, node.filename])
	for p in ENTITY_PATHS:
		var bytes = var_to_bytes(read_back(node, p))  # godot3: var bytes = var2bytes(read_back(node, p))
		print("EPROP|%s|%s" % [p, bytes.hex_encode()])
	player.http_headers = PackedStringArray()  # godot3: player.http_headers = PoolStringArray()
	var refused = await player.fetch_entity(ENTITY_URL)  # godot3: var refused = yield(player.fetch_entity(ENTITY_URL), "completed")
	print("REFUSED|%s|%s" % ["null" if refused == null else "node", player.error])
	print("DONE")
	get_tree().quit(0)


func read_back(node: Node, path: String):
	var colon := path.find(":")
	if colon > 0:
		node = node.get_node(NodePath(path.substr(0, colon)))
		path = path.substr(colon + 1)
	if path.find(":") >= 0:
		return node.get_indexed(NodePath(path))
	return node.get(path)


func dump(player) -> void:
	for id in player.entity_ids():
		for p in player.paths_of(id):
			var bytes = var_to_bytes(player.get_value(id, p))  # godot3: var bytes = var2bytes(player.get_value(id, p))
			print("%d|%d|%s|%s" % [player.current_frame, id, p, bytes.hex_encode()])
