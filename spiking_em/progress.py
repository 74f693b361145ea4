"""A dependency-free terminal progress bar for the CLI (the library itself never prints)."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """``bar.update(done, total, suffix)`` redraws one line on stderr, at most 10 times a second."""

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
        self.stream.flush()
