"""`python -m device.audio.synth NAME PATH`: render one built-in trigger to a WAV (the daemon's child process)."""

import sys
from pathlib import Path

from device.audio.dsp import write_wav
from device.audio.synth import BUILTINS, render

if len(sys.argv) != 3 or sys.argv[1] not in BUILTINS:
    sys.exit(f"usage: python -m device.audio.synth NAME PATH (NAME one of {', '.join(BUILTINS)})")
write_wav(Path(sys.argv[2]), render(sys.argv[1]))
