"""Ctrl-C for long loops: the first press asks the loop to stop at its next safe point (a
minibatch or binary-run boundary, where a checkpoint holds a consistent state); a second
press stops at once.

A terminal's Ctrl-C reaches the whole foreground process group, so a compiled Brian2 binary
that is running at that moment dies of it; :func:`pending` tells the code that ran it that the
failure was the user's interrupt, not the binary's fault."""
from __future__ import annotations

import contextlib
import signal
import threading

#: whether a SIGINT arrived inside the current :func:`deferred_interrupt` block
_PENDING = {"set": False}


def pending() -> bool:
    """True once a SIGINT has arrived inside the current :func:`deferred_interrupt` block."""
    return _PENDING["set"]


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
        flag["set"] = _PENDING["set"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
        _PENDING["set"] = False
