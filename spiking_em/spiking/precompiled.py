"""Faster first builds of a Brian2 standalone project: a precompiled header, and no -O3 for
the bookkeeping source.

Where a first build's time goes (the 784-48-12 learning network, 205 compiler calls, 1 job,
measured with ``make CXX='time g++'``): every one of ~200 code objects parses the same
standard-library and ``objects.h`` headers (0.6-0.8 s each, of which the code object's own
few dozen lines are ~0.1 s); ``objects.cpp``, the arrays' set-up, loading and writing, run
once per binary run, takes 35 s at -O3; and make first preprocesses every source once more
to write ``make.deps`` (13 s, serial).

A make fragment passed to Brian2's ``make`` beside its own makefile changes three things:

* ``pch.h`` (the headers every code object includes first) is compiled once per build folder
  into ``pch.h.gch`` with the project's own flags, and every source is compiled with
  ``-include pch.h``; gcc reads the precompiled form (0.1-0.3 s per code object);
* ``objects.cpp`` is compiled at -O0 (3 s; it holds no per-time-step code: the random
  generators, spike queues and the network loop are in headers and other sources);
* ``make.deps`` is not generated (``DEPS=``): instead every object depends on ``pch.h.gch``,
  which depends on every header of the project, so a changed header rebuilds everything
  (Brian2's own ``make.deps`` names code objects without their folder, so it never applied
  to them).

Nothing the binary computes changes: the same sources, flags and -O3 for everything that runs
per time step. ``benchmarks/compile_jobs.py`` measures the build with and without.
"""
from __future__ import annotations

from pathlib import Path

#: the headers that Brian2's code objects include before their own code, in their order
HEADER = """\
// spiking-em: headers every Brian2 code object includes, precompiled once per build
#include "objects.h"
#include "brianlib/common_math.h"
#include "brianlib/stdint_compat.h"
#include<cmath>
#include<ctime>
#include<iostream>
#include<fstream>
#include<climits>
"""

#: the make fragment read after Brian2's makefile (its CXXFLAGS, OBJS and rules)
MAKE_FRAGMENT = """\
# spiking-em: precompiled header and -O0 for the arrays' bookkeeping (spiking_em/spiking/precompiled.py)
PCH_FLAGS := $(CXXFLAGS)
pch.h.gch: pch.h $(wildcard *.h brianlib/*.h) makefile precompiled.mk
\t$(CXX) $(PCH_FLAGS) -x c++-header pch.h -o pch.h.gch
$(OBJS): pch.h.gch
objects.o: CXXFLAGS := $(PCH_FLAGS) -O0
CXXFLAGS += -include pch.h
"""

HEADER_FILE = "pch.h"
FRAGMENT_FILE = "precompiled.mk"


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (an unchanged file keeps its mtime, so
    make rebuilds nothing)."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def prepare(directory: Path) -> list[str]:
    """Write the header and the make fragment into ``directory``; returns the arguments that
    make Brian2's ``make`` use them (after ``-jN``)."""
    directory = Path(directory)
    _write_if_changed(directory / HEADER_FILE, HEADER)
    _write_if_changed(directory / FRAGMENT_FILE, MAKE_FRAGMENT)
    return ["-f", "makefile", "-f", FRAGMENT_FILE, "DEPS="]
