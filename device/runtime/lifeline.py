"""Child processes that die with the daemon, however it ends (SIGKILL and a power supply yanked included).

``command(argv)`` wraps a child's command line in ``python -m device.runtime.lifeline PID SIG -- argv``:
that small step asks the kernel (``prctl(PR_SET_PDEATHSIG)``) to send ``SIG`` to it when the
daemon dies, checks that the daemon is still its parent (it may have died during the fork),
then ``exec``s the real command, which keeps the request. Without it a render child or the
simulator's private Mosquitto re-parents to init and runs on. No ``preexec_fn``: that runs
Python between fork and exec in a process with threads, which can deadlock.
Off Linux (the simulator on macOS) there is no such call: the child is started as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def command(argv: list[str], sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """``argv`` started so that it gets ``sig`` when this process dies."""
    if not sys.platform.startswith("linux"):
        return list(argv)
    return [sys.executable, "-m", "device.runtime.lifeline", str(os.getpid()), str(int(sig)), "--", *argv]


def bind_to_parent(parent: int, sig: int) -> None:
    """In a child: get ``sig`` when ``parent`` dies; exit at once if it already has."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


def main(args: list[str]) -> None:
    if len(args) < 4 or args[2] != "--":
        sys.exit("usage: python -m device.runtime.lifeline PARENT_PID SIGNAL -- COMMAND [ARG...]")
    bind_to_parent(int(args[0]), int(args[1]))
    os.execvp(args[3], args[3:])


if __name__ == "__main__":
    main(sys.argv[1:])
