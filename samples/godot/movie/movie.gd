## Movie mode: plays a Reel recording (a varstream export, `reel export DB --format varstream`)
## in ReelPlayer, exactly one recorded frame per rendered frame, so Godot 4's Movie Maker writes
## one image per recorded frame (README "Movies"):
##
##   godot --path samples/godot --write-movie /tmp/shots/frame.png --fixed-fps 60 \
##         res://movie/movie.tscn -- --varstream=/abs/path/clip.vs [--from=F] [--to=F]
##   scripts/render-movie --fps 60 --out clip.mp4 /tmp/shots/frame.png
##
## Rendered frame k shows recorded frame from+k; the scene quits right after the frame that shows
## `to` (Movie Maker draws and writes that iteration's frame before the engine exits), so it writes
## to-from+1 images. Time in the recording is not used: --fixed-fps only sets the video's clock,
## so pass the recording's tick rate (the varstream header's tick_rate) to get real time.
##
## Entities of class `res://player.tscn` are capsules, `res://prop.tscn` boxes (the crowd
## sample's classes; change `class_scenes` for your game's); any other class that is not a scene
## of this project gets a grey box. Godot 4 only: Movie Maker does not exist in Godot 3.
extends Node3D

## The varstream to play; `--varstream=PATH` after `--` on the command line wins.
@export var varstream: String = ""
## First and last recorded frame to play (-1: the recording's first / last); `--from=`, `--to=`.
@export var from_frame: int = -1
@export var to_frame: int = -1
## Quit after the last frame (what Movie Maker needs to finish). A script that reads the pixels
## back itself (the tests) turns it off.
@export var quit_at_end: bool = true
## Recorded class -> PackedScene (empty: the capsule and box of this folder).
@export var class_scenes: Dictionary = {}

@onready var player = $ReelPlayer

var _started := false
var _last := -1
var _fallback: Mesh = null


func _ready() -> void:
	_read_command_line()
	if class_scenes.is_empty():
		class_scenes = {
			"res://player.tscn": load("res://movie/player_capsule.tscn"),
			"res://prop.tscn": load("res://movie/prop_box.tscn"),
		}
	player.class_scenes = class_scenes
	player.root_path = NodePath("../Entities")
	player.entity_spawned.connect(_on_entity_spawned)
	if varstream == "":
		_stop("movie: no recording (pass -- --varstream=PATH or set varstream)")
		return
	if player.open(varstream) != OK:
		_stop("movie: " + player.error)
		return
	var first: int = player.first_frame if from_frame < 0 else from_frame
	_last = player.last_frame if to_frame < 0 else mini(to_frame, player.last_frame)
	if first > _last or first < player.first_frame:
		_stop("movie: frames %d..%d are not in the recording (%d..%d)" % [first, _last, player.first_frame, player.last_frame])
		return
	player.seek(first)


## One recorded frame per rendered frame: the first iteration shows the opened frame, each later
## one steps once. Quitting in the iteration that shows the last frame still draws it.
func _process(_delta: float) -> void:
	if _last < 0:
		return
	if _started:
		player.step(1)
	_started = true
	if player.current_frame >= _last and quit_at_end:
		get_tree().quit(0)


func _read_command_line() -> void:
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--varstream="):
			varstream = arg.substr("--varstream=".length())
		elif arg.begins_with("--from="):
			from_frame = int(arg.substr("--from=".length()))
		elif arg.begins_with("--to="):
			to_frame = int(arg.substr("--to=".length()))


## An entity whose class has no scene is a bare Node3D: give it a grey box so it shows.
func _on_entity_spawned(_entity: int, node: Node) -> void:
	if node.get_child_count() > 0 or not (node is Node3D):
		return
	if _fallback == null:
		var material := StandardMaterial3D.new()
		material.albedo_color = Color(0.6, 0.6, 0.6)
		_fallback = BoxMesh.new()
		_fallback.size = Vector3(0.5, 0.5, 0.5)
		_fallback.material = material
	var mesh := MeshInstance3D.new()
	mesh.mesh = _fallback
	node.add_child(mesh)


func _stop(message: String) -> void:
	printerr(message)
	_last = -1
	get_tree().quit(1)
