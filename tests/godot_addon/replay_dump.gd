# Opens a varstream in ReelPlayer, seeks to each frame of SEEKS in order (backwards and
# forwards), steps, and prints the state of every entity's node as read back from the scene:
# "frame|entity|path|var_to_bytes hex", then "DONE". Filled in by tests/test_godot_addon.cpp.
extends Node

const PATH = "@PATH@"
const SEEKS = [@SEEKS@]


func _ready() -> void:
	var world = Node3D.new()  # godot3: var world = Spatial.new()
	world.name = "world"
	add_child(world)
	var player = load("res://addons/reel/reel_player.gd").new()
	player.root_path = NodePath("../world")
	player.class_scenes = {"res://player.tscn": load("res://example/crowd_player.tscn"), "res://prop.tscn": load("res://example/crowd_prop.tscn")}
	add_child(player)
	if player.open(PATH) != OK:
		printerr("open failed: ", player.error)
		get_tree().quit(1)
		return
	for frame in SEEKS:
		if player.seek(frame) != OK or player.current_frame != frame:
			printerr("seek %d failed: %s" % [frame, player.error])
			get_tree().quit(1)
			return
		dump(player)
	player.seek(SEEKS[0])
	player.step(3)
	dump(player)
	print("DONE")
	get_tree().quit(0)


func dump(player) -> void:
	for id in player.entity_ids():
		for p in player.paths_of(id):
			var bytes = var_to_bytes(player.get_value(id, p))  # godot3: var bytes = var2bytes(player.get_value(id, p))
			print("%d|%d|%s|%s" % [player.current_frame, id, p, bytes.hex_encode()])
