"""Ctrl-C for long loops: the first press asks the loop to stop at its next safe point (a
minibatch or binary-run boundary, where a checkpoint holds a consistent state); a second
press stops at once."""
from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def deferred_interrupt():
    """Yield a flag dict whose ``"set"`` turns True at the first SIGINT; the second raises
    KeyboardInterrupt. Outside the main thread no handler can be installed: then a
    KeyboardInterrupt is only raised by callbacks, which run at safe points anyway."""
    flag = {"set": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag["set"]:  # second Ctrl-C: stop at once
            raise KeyboardInterrupt
        flag["set"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
