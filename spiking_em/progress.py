"""A dependency-free terminal progress bar for the CLI (the library itself never prints)."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """``bar.update(done, total, suffix)`` redraws one line on stderr, at most 10 times a second.

    ``ProgressBar.end_line()`` ends a bar left half-drawn (before an error message).
    """

    _open_stream = None

    def __init__(self, label: str, width: int = 30, stream=None):
        self.label, self.width = label, width
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self._last = 0.0

    def update(self, done: int, total: int, suffix: str = "") -> None:
        now = time.perf_counter()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        elapsed = now - self.started
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{done}/{total} {elapsed:5.0f}s eta {eta:4.0f}s {suffix}  ")
        if done >= total:
            self.stream.write("\n")
            ProgressBar._open_stream = None
        else:
            ProgressBar._open_stream = self.stream
        self.stream.flush()

    @classmethod
    def end_line(cls) -> None:
        """Finish the line of a bar that stopped before its end."""
        if cls._open_stream is not None:
            cls._open_stream.write("\n")
            cls._open_stream.flush()
            cls._open_stream = None
