"""Presentation schedules for the spiking areas: what each slot of simulated time does.

Simulated time is cut into slots of one INFERENCE iteration each (``slot_s``). A compiled
network runs a fixed number of slots; a schedule fills them with presentations (one digit or
one sample each), and every presentation is a sequence of phases:

- ``ff``: feed-forward sweep, h1 relaxes to f1(x) and h2 to f2(h1) (INFERENCE's initialisation);
- ``anc``: ancestral pass, h2 relaxes to a prior sample and h1 to g2(h2) (start of GENERATE);
- ``infer``: the difference-target-propagation dynamics with top-down step ``alpha``;
- ``hold``: h frozen while the free visible area copies the reconstruction g1(h1) (GENERATE's
  x <- g1(h1));
- ``sample``: h frozen while the source areas fire a (rate-scaled) sample that the learning
  areas count into their predictions and targets (networks built with ``learning=...``);
- ``teach``: h frozen while the sources replay their sample, each learning area is nudged
  from its prediction towards its target and its plastic synapses learn (the M-step; see
  :mod:`spiking_em.spiking.replay`).

Per-slot gates and inputs become the network's TimedArrays, passed with ``run_args``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PHASES = ("ff", "anc", "infer", "hold", "sample", "teach")
#: gates of every run: one per phase that sets one, plus reset, free, alpha and idle (1 in the
#: slots no presentation fills: a learning network silences every area there)
GATES = ("reset", "ff", "anc", "infer", "hold", "sample", "teach", "free", "alpha", "idle")
#: value of ``clamp`` for a pixel that is not clamped (driven by the reconstruction instead)
UNCLAMPED = -1.0


@dataclass(frozen=True)
class Phase:
    """``kind`` (one of PHASES) lasting ``n_slots`` slots, with top-down step ``alpha``."""

    kind: str
    n_slots: int
    alpha: float = 0.0

    def __post_init__(self):
        if self.kind not in PHASES:
            raise ValueError(f"phase kind must be one of {PHASES}, got {self.kind!r}")
        if int(self.n_slots) < 1:
            raise ValueError(f"a phase needs n_slots >= 1, got {self.n_slots}")


def inference_phases(n_steps: int, alpha: float, ff_slots: int) -> list[Phase]:
    """INFERENCE(x): feed-forward sweep then ``n_steps`` iterations."""
    return [Phase("ff", ff_slots), Phase("infer", n_steps, alpha)]


def inpainting_phases(n_cycles: int, n_steps: int, alpha: float, ff_slots: int) -> list[Phase]:
    """In-painting (Fig. 5): ``n_cycles`` encode/decode steps, each an INFERENCE."""
    return inference_phases(n_steps, alpha, ff_slots) * n_cycles


def generation_phases(n_cycles: int, n_steps: int, alpha: float, ff_slots: int,
                      hold_slots: int) -> list[Phase]:
    """GENERATE: ancestral pass, x <- g1(h1), then ``n_cycles`` of INFERENCE and x <- g1(h1)."""
    cycle = inference_phases(n_steps, alpha, ff_slots) + [Phase("hold", hold_slots)]
    return [Phase("anc", ff_slots), Phase("hold", hold_slots)] + cycle * n_cycles


@dataclass
class Presentation:
    """One digit or sample: its phases, clamped pixel values and optional prior sample of h2.

    ``clamp`` (n_visible,) holds pixel values in [0, 1] for clamped pixels and UNCLAMPED
    elsewhere; ``free`` makes the unclamped pixels follow the held copy of g1(h1) (generation)
    instead of the live reconstruction (in-painting). ``start_clamp``, when given, replaces
    ``clamp`` during the first phase (in-painting: the missing pixels' starting values, held
    while the feed-forward sweep reads them, then released to the reconstruction).
    """

    phases: list[Phase]
    clamp: np.ndarray
    free: bool = False
    h2_init: np.ndarray | None = None
    start_clamp: np.ndarray | None = None

    @property
    def n_slots(self) -> int:
        return sum(p.n_slots for p in self.phases)

    def phase_end_slots(self, kind: str) -> list[int]:
        """Slot index (within the presentation) of the last slot of every ``kind`` phase."""
        ends, t = [], 0
        for p in self.phases:
            t += p.n_slots
            if p.kind == kind:
                ends.append(t - 1)
        return ends


@dataclass
class SlotInputs:
    """Per-slot arrays of one run: gates (n_slots,), clamp (n_slots, n_x), h2_init (n_slots, n_h2).

    ``starts[k]`` is the first slot of the k-th presentation packed into this run.
    """

    gates: dict[str, np.ndarray]
    clamp: np.ndarray
    h2_init: np.ndarray
    starts: list[int] = field(default_factory=list)


def pack(presentations: list[Presentation], n_slots: int, n_x: int, n_h2: int) -> list[SlotInputs]:
    """Pack presentations in order into runs of ``n_slots`` slots (the rest of a run idles).

    Every presentation starts with a reset of all state (gate ``reset`` = 1 in its first slot).
    The last slot of a run always idles: states are recorded at slot starts, so the end of
    slot s is the record at s + 1.
    """
    capacity = n_slots - 1
    runs: list[SlotInputs] = []
    current = None
    cursor = 0
    for pres in presentations:
        if pres.clamp.shape != (n_x,):
            raise ValueError(f"clamp must have shape ({n_x},), got {pres.clamp.shape}")
        if pres.n_slots > capacity:
            raise ValueError(f"a presentation of {pres.n_slots} slots does not fit a network "
                             f"compiled for {n_slots} slots per run; build with n_slots > {pres.n_slots}")
        if current is None or cursor + pres.n_slots > capacity:
            current = _empty_run(n_slots, n_x, n_h2)
            runs.append(current)
            cursor = 0
        current.starts.append(cursor)
        current.gates["reset"][cursor] = 1.0
        t = cursor
        for phase in pres.phases:
            sl = slice(t, t + phase.n_slots)
            current.gates[phase.kind][sl] = 1.0
            current.gates["alpha"][sl] = phase.alpha
            t += phase.n_slots
        end = cursor + pres.n_slots
        current.clamp[cursor:end] = pres.clamp
        if pres.start_clamp is not None:
            if pres.start_clamp.shape != (n_x,):
                raise ValueError(f"start_clamp must have shape ({n_x},), got "
                                 f"{pres.start_clamp.shape}")
            current.clamp[cursor:cursor + pres.phases[0].n_slots] = pres.start_clamp
        current.gates["free"][cursor:end] = float(pres.free)
        current.gates["idle"][cursor:end] = 0.0
        if pres.h2_init is not None:
            current.h2_init[cursor:end] = pres.h2_init
        cursor = end
    return runs


def _empty_run(n_slots: int, n_x: int, n_h2: int) -> SlotInputs:
    gates = {name: np.zeros(n_slots) for name in GATES}
    gates["idle"][:] = 1.0
    # idle slots: nothing clamped, everything at rest
    return SlotInputs(gates=gates, clamp=np.full((n_slots, n_x), UNCLAMPED),
                      h2_init=np.zeros((n_slots, n_h2)))


def teaching_phases(n_steps: int, alpha: float, ff_slots: int, sample_slots: int,
                    teach_slots: int) -> list[Phase]:
    """TRAIN for one digit: INFERENCE (the E-step), then a sample and a teaching phase (the
    M-step)."""
    return inference_phases(n_steps, alpha, ff_slots) + [Phase("sample", sample_slots),
                                                        Phase("teach", teach_slots)]
