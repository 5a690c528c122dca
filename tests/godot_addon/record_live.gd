# Records res://example/moving_scene.gd through ReelRecorder for FRAMES physics frames into the
# file OUT and, live, to `reel ingest` over TRANSPORT ("tcp": 127.0.0.1:PORT, "http": URL), waits
# until every record is delivered, prints "SENT FRAMES" and quits. The @KEYS@ are filled in by
# tests/test_ingest_godot.cpp. Godot 3: the lines marked `# godot3:` are replaced.
extends Node

const OUT = "@OUT@"
const FRAMES = @FRAMES@

var recorder = null
var scene = null
var finished = false


func _ready() -> void:
	Engine.physics_ticks_per_second = 60  # godot3: Engine.iterations_per_second = 60
	scene = load("res://example/moving_scene.gd").new()
	scene.name = "scene"
	add_child(scene)
	recorder = load("res://addons/reel/reel_recorder.gd").new()
	recorder.autostart = false
	recorder.session_name = "@NAME@"
	recorder.transport = "@TRANSPORT@"
	recorder.ingest_host = "127.0.0.1"
	recorder.ingest_port = @PORT@
	recorder.ingest_url = "@URL@"
	recorder.ingest_token = "@TOKEN@"
	recorder.batch_frames = 8
	for i in range(3):
		recorder.nodes.append(NodePath("../scene/mover%d" % i))
	recorder.groups = PackedStringArray(["crates"])  # godot3: recorder.groups = PoolStringArray(["crates"])
	recorder.properties = PackedStringArray(["transform", "head:transform", "visible"])  # godot3: recorder.properties = PoolStringArray(["transform", "head:transform", "visible"])
	add_child(recorder)
	scene.connect("jumped", Callable(self, "_on_jumped"))  # godot3: scene.connect("jumped", self, "_on_jumped")
	if recorder.start(OUT) != OK:
		printerr(recorder.error)
		get_tree().quit(1)


func _on_jumped(node) -> void:
	recorder.record_event("jump", [String(node.name), 1.5], node)


func _physics_process(_delta: float) -> void:
	if finished or recorder == null:
		return
	if recorder.recording and recorder.frame_count >= FRAMES:
		recorder.stop()
	if not recorder.recording and recorder.is_sent():
		finished = true
		if recorder.error != "":
			print("SEND FAILED: " + recorder.error)
			get_tree().quit(2)
			return
		print("SENT %d" % FRAMES)
		get_tree().quit(0)
