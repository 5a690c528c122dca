# ReelPlayer benchmark (run by scripts/bench-godot-player, not a test): opens a varstream, plays
# every frame with step(1) (frames applied per second, and that as a multiple of real time), then
# seeks to SEEKS random frames (fixed seed) and prints the seek times' percentiles.
extends Node

const PATH = "@PATH@"
const SEEKS = @SEEKS@


func _ready() -> void:
	var world = Node3D.new()  # godot3: var world = Spatial.new()
	world.name = "world"
	add_child(world)
	var player = load("res://addons/reel/reel_player.gd").new()
	player.root_path = NodePath("../world")
	player.class_scenes = {"res://player.tscn": load("res://example/crowd_player.tscn"), "res://prop.tscn": load("res://example/crowd_prop.tscn")}
	add_child(player)
	var t0 := now_usec()
	if player.open(PATH) != OK:
		printerr("open failed: ", player.error)
		get_tree().quit(1)
		return
	print("OPEN ms=%.1f entities=%d frames=%d" % [(now_usec() - t0) / 1000.0, player.entity_ids().size(), player.last_frame - player.first_frame + 1])
	t0 = now_usec()
	var applied := 0
	while player.current_frame < player.last_frame:
		player.step(1)
		applied += 1
	var seconds: float = (now_usec() - t0) / 1e6
	print("APPLY frames=%d seconds=%.3f fps=%.0f realtime=%.1fx" % [applied, seconds, applied / seconds, applied / seconds / player.tick_rate])
	var rng := RandomNumberGenerator.new()
	rng.seed = 7
	var times := []
	for i in range(SEEKS):
		var frame := rng.randi_range(player.first_frame, player.last_frame)
		var t := now_usec()
		player.seek(frame)
		times.append((now_usec() - t) / 1000.0)
	times.sort()
	print("SEEK n=%d p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms" % [SEEKS, times[SEEKS / 2], times[SEEKS * 9 / 10], times[SEEKS * 99 / 100], times[SEEKS - 1]])
	get_tree().quit(0)


func now_usec() -> int:
	return Time.get_ticks_usec()  # godot3: return OS.get_ticks_usec()
