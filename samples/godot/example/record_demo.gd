## Records example/moving_scene.gd for 10 seconds into user://demo.reelcap, then quits. Then:
##   reel import ~/.local/share/godot/app_userdata/Reel\ example/demo.reelcap demo.reel
##   reel export demo.reel --format varstream --out <this project>/example/demo.vs
## and run example/replay_demo.tscn.
extends Node

var recorder = null


func _ready() -> void:
	var scene = load("res://example/moving_scene.gd").new()
	scene.name = "scene"
	add_child(scene)
	recorder = load("res://addons/reel/reel_recorder.gd").new()
	recorder.path = "user://demo.reelcap"
	recorder.session_name = "demo"
	for i in range(3):
		recorder.nodes.append(NodePath("../scene/mover%d" % i))
	recorder.groups = PackedStringArray(["crates"])  # godot3: recorder.groups = PoolStringArray(["crates"])
	recorder.properties = PackedStringArray(["transform", "head:transform", "visible"])  # godot3: recorder.properties = PoolStringArray(["transform", "head:transform", "visible"])
	add_child(recorder)
	scene.connect("jumped", Callable(self, "_on_jumped"))  # godot3: scene.connect("jumped", self, "_on_jumped")


func _on_jumped(node) -> void:
	recorder.record_event("jump", [String(node.name)], node)


func _physics_process(_delta: float) -> void:
	if recorder.frame_count >= 600:
		recorder.stop()
		print("recorded %d frames into %s" % [recorder.frame_count, ProjectSettings.globalize_path(recorder.path)])
		get_tree().quit()
