## Plays res://example/demo.vs (see record_demo.gd) in a loop: movers and crates are instanced
## from the scenes they were recorded from; prints the events as they play. Keys: space pauses,
## left/right step, home seeks to the start.
extends Node3D  # godot3: extends Spatial

var player = null


func _ready() -> void:
	var camera = Camera3D.new()  # godot3: var camera = Camera.new()
	camera.transform.origin = Vector3(0, 6, 9)
	camera.rotation = Vector3(-0.6, 0, 0)
	add_child(camera)
	player = load("res://addons/reel/reel_player.gd").new()
	player.root_path = NodePath("..")
	player.loop = true
	add_child(player)
	player.connect("event_emitted", Callable(self, "_on_event"))  # godot3: player.connect("event_emitted", self, "_on_event")
	if player.open("res://example/demo.vs") == OK:
		player.play()


func _on_event(event_name, entity, args) -> void:
	print("frame %d: %s by entity %d %s" % [player.current_frame, event_name, entity, str(args)])


func _unhandled_input(event) -> void:
	if not (event is InputEventKey) or not event.pressed:
		return
	match event.keycode:  # godot3: match event.scancode:
		KEY_SPACE:
			player.playing = not player.playing
		KEY_RIGHT:
			player.step(1)
		KEY_LEFT:
			player.step(-1)
		KEY_HOME:
			player.seek(player.first_frame)
