"""The sleep journal and the trigger experiment."""
