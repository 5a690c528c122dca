class_name ReelBootstrap
extends SceneTree
# The main loop of every run (project.godot's application/run/main_loop_type). It prints the
# marker after which the runner forwards print() to stdout, then adds res://test.gd (extends
# Node) to the root one step later: quit(code) during start-up would be reset to 0 by the web
# main loop. With --out-dir it hands the files under /out/ and user://out/ to the page on the
# way out.

const MARKER := "@@REEL_GODOT4_TEST_STARTS@@"
const OUT_DIRS := ["/out", "user://out"]
const CHUNK := 1 << 20  # bytes of one file sent to the page at a time


func _initialize() -> void:
	for dir in OUT_DIRS:
		DirAccess.make_dir_recursive_absolute(dir)
	_start.call_deferred()


func _start() -> void:
	var script = load("res://test.gd")
	if script == null or not script.can_instantiate():
		printerr("godot4-runner: res://test.gd did not load (a parse error?)")
		quit(3)
		return
	print(MARKER)  # from here on, print() is the test's own (its _init() included)
	var node = script.new()
	if not node is Node:
		printerr("godot4-runner: res://test.gd must extend Node")
		quit(3)
		return
	node.name = "Test"
	root.add_child(node)


# The web main loop never calls _finalize(): the tree is deleted instead.
func _notification(what: int) -> void:
	if what != NOTIFICATION_PREDELETE:
		return
	if not ProjectSettings.get_setting("reel/send_out_files", false):
		return
	for dir in OUT_DIRS:
		_send_tree(dir, "")


# Sends every file under base/rel to the page's window.reelOut(relative path, base64, append).
func _send_tree(base: String, rel: String) -> void:
	var path := base.path_join(rel) if rel != "" else base
	for name in DirAccess.get_files_at(path):
		var file_rel := rel.path_join(name) if rel != "" else name
		var bytes := FileAccess.get_file_as_bytes(path.path_join(name))
		var at := 0
		while true:
			var chunk := bytes.slice(at, at + CHUNK)
			JavaScriptBridge.eval(
				"reelOut(%s, %s, %s)"
				% [JSON.stringify(file_rel), JSON.stringify(Marshalls.raw_to_base64(chunk)), at > 0],
				true
			)
			at += CHUNK
			if at >= bytes.size():
				break
	for name in DirAccess.get_directories_at(path):
		_send_tree(base, rel.path_join(name) if rel != "" else name)
