## The root of res://example/crowd_player.tscn, the crowd sample's player (`res://player.tscn` in
## its recordings): holds the two properties the crowd records on the player itself.
extends Spatial

var animation = "idle"
var inventory: Dictionary = {}
