"""`hushlight doctor`: one line per check of a real (or simulated) device, each with the fix when it fails."""
