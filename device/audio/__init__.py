"""Sound: the trigger library and the player."""
