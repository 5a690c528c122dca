## A small scene of moving nodes to record with ReelRecorder: three movers (mover.tscn, with a
## child `head`) walk in circles and nod, mover0 blinks (visible), crates (crate.tscn, group
## "crates") appear every 20 frames and fall until they vanish, and every 25 frames a mover jumps
## (signal `jumped`).
extends Node3D  # godot3: extends Spatial

signal jumped(node)

const MOVER = preload("res://example/mover.tscn")  # a Node3D with a child `head`
const CRATE = preload("res://example/crate.tscn")

var frame: int = 0
var movers: Array = []


func _ready() -> void:
	for i in range(3):
		var mover = MOVER.instantiate()  # godot3: var mover = MOVER.instance()
		mover.name = "mover%d" % i
		add_child(mover)
		movers.append(mover)


func _physics_process(_delta: float) -> void:
	frame += 1
	for i in range(movers.size()):
		var angle: float = frame * 0.03 + i
		var radius: float = i + 1.0
		movers[i].transform = Transform3D(Basis(Vector3.UP, angle), Vector3(cos(angle) * radius, 0, sin(angle) * radius))  # godot3: movers[i].transform = Transform(Basis(Vector3.UP, angle), Vector3(cos(angle) * radius, 0, sin(angle) * radius))
		movers[i].get_node("head").rotation = Vector3(0.2 * sin(frame * 0.2 + i), 0, 0)
	for crate in get_tree().get_nodes_in_group("crates"):
		crate.transform.origin.y -= 0.1
		if crate.transform.origin.y < 0:
			crate.queue_free()
	if frame % 20 == 0:
		var crate = CRATE.instantiate()  # godot3: var crate = CRATE.instance()
		crate.name = "crate%d" % frame
		crate.transform.origin = Vector3(frame * 0.1, 5, 0)
		crate.add_to_group("crates")
		add_child(crate)
	if frame % 30 == 0:
		movers[0].visible = not movers[0].visible
	if frame % 25 == 0:
		emit_signal("jumped", movers[(frame / 25) % movers.size()])
