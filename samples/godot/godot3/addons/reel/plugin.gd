## Registers ReelRecorder and ReelPlayer as node types of the editor's "Create Node" dialog.
tool
extends EditorPlugin


func _enter_tree() -> void:
	add_custom_type("ReelRecorder", "Node", preload("reel_recorder.gd"), null)
	add_custom_type("ReelPlayer", "Node", preload("reel_player.gd"), null)


func _exit_tree() -> void:
	remove_custom_type("ReelRecorder")
	remove_custom_type("ReelPlayer")
