"""The area network's wiring and settings: its areas, their pathways, and the time constants,
rates and sizes that a compiled network is built for (see :mod:`spiking_em.spiking.areas`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from spiking_em.spiking.transfer import R_MAX_HZ, LIFParams
from spiking_em.validation import check_positive, check_positive_int

#: (name, source area, target area, target trace, weight name or None for one-to-one)
PATHWAYS = (
    ("x_f1x", "X", "F1X", "z", "w_f1"),            # f1(x)
    ("h1_xr", "H1", "XR", "z", "w_g1"),            # g1(h1)
    ("xr_f1xr", "XR", "F1XR", "z", "w_f1"),        # f1(g1(h1))
    ("h1_f2h1", "H1", "F2H1", "z", "w_f2"),        # f2(h1)
    ("h2_g2h2", "H2", "G2H2", "z", "w_g2"),        # g2(h2)
    ("g2h2_f2g2", "G2H2", "F2G2", "z", "w_f2"),    # f2(g2(h2))
    ("f1x_h1", "F1X", "H1", "z_up", None),         # + delta f1(x)
    ("f1xr_h1", "F1XR", "H1", "z_down", None),     # - delta f1(g1(h1))
    ("g2h2_h1", "G2H2", "H1", "z_top", None),      # + alpha g2(h2)
    ("f2h1_h2", "F2H1", "H2", "z_up", None),       # + delta f2(h1)
    ("f2g2_h2", "F2G2", "H2", "z_down", None),     # - delta f2(g2(h2))
    ("xr_x", "XR", "X", "z_fb", None),             # reconstruction to the visible area
)
#: (area, kind, bias name) for every area; kind selects the equations
AREAS = (("X", "visible", None), ("F1X", "softplus", "b_f1"), ("H1", "hidden1", None),
         ("XR", "sigmoid", "b_g1"), ("F1XR", "softplus", "b_f1"), ("F2H1", "sigmoid", "b_f2"),
         ("H2", "hidden2", None), ("G2H2", "softplus", "b_g2"), ("F2G2", "sigmoid", "b_f2"))
RECORDED_SPIKES = ("X", "H1", "H2", "XR")


@dataclass(frozen=True)
class NetworkConfig:
    """Time constants, rates, codes and sizes of the area network (times in ms, rates in Hz).

    slot_ms : simulated time of one INFERENCE iteration (tau_it).
    tau_syn_ms : synaptic filter of every pathway.
    tau_ff_ms : relaxation time of h in the feed-forward and ancestral phases.
    tau_hold_ms : time constant of the held copy of g1(h1) in generation.
    r_max_hz, r_min_hz : the neurons' rate range: wanted rates are clipped to r_max_hz, and
        below r_min_hz a neuron gets no current and is silent.
    clip_quantile : this quantile of |value - centre| fires at r_max_hz, so that a fraction
        1 - clip_quantile of the values is clipped (sets the gains, see
        :func:`spiking_em.spiking.codes.derive_codes`).
    pixel_rate_hz : firing rate of a white pixel in X and XR.
    signed : ON/OFF codes centred on the model's typical values (False: the plain code, one
        neuron per unit firing at gain * value).
    dendrite_dt_ms : time step of the dendrites (traces, states, drive currents) of the
        spiking variant; the rate variant runs everything at ``rate_dt_ms``.
    n_slots : slots per compiled run (presentations are packed into them).
    rate_dt_ms : time step of the rate variant (no spikes to resolve).
    lif : membrane parameters and the spiking variant's time step.
    """

    slot_ms: float = 20.0
    tau_syn_ms: float = 20.0
    tau_ff_ms: float = 30.0
    tau_hold_ms: float = 25.0
    r_max_hz: float = R_MAX_HZ
    r_min_hz: float = 0.1
    clip_quantile: float = 0.999
    pixel_rate_hz: float = 200.0
    signed: bool = True
    dendrite_dt_ms: float = 2.0
    n_slots: int = 1000
    rate_dt_ms: float = 2.0
    lif: LIFParams = field(default_factory=LIFParams)

    def __post_init__(self):
        for name in ("slot_ms", "tau_syn_ms", "tau_ff_ms", "tau_hold_ms", "r_max_hz", "r_min_hz",
                     "pixel_rate_hz", "dendrite_dt_ms", "rate_dt_ms"):
            check_positive(name, getattr(self, name))
        check_positive_int("n_slots", self.n_slots, minimum=2)
        if not 0 < self.clip_quantile < 1:
            raise ValueError(f"clip_quantile must be in (0, 1), got {self.clip_quantile}")
        if self.r_min_hz >= self.r_max_hz:
            raise ValueError(f"r_min_hz ({self.r_min_hz}) must be below r_max_hz ({self.r_max_hz})")

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def coarse(cls, **kw) -> NetworkConfig:
        """LIF neurons stepped at 0.4 ms with a top rate of 300 Hz (a 0.4 ms Euler step
        resolves the currents of at most ~360 Hz with the 2 ms refractory period): every
        neuron, threshold and spike queue runs half as often and the codes carry 25 % fewer
        spikes. Measured on the 20-epoch model (benchmarks/spiking_learning_speed.py): a
        learning network ×1.35 faster than at 0.2 ms / 400 Hz, the E-step's states 0.069 /
        0.039 rms from numpy's INFERENCE instead of 0.059 / 0.030 (h1 / h2)."""
        return cls(r_max_hz=300.0, lif=LIFParams(dt_ms=0.4), **kw)


@dataclass
class Recording:
    """What one run recorded.

    ``spikes[area]``: (slot, unit, sign, time in s) arrays, sign +1 for ON and -1 for OFF
    neurons; ``states``: per slot start (record s = end of slot s - 1), shape
    (n_slots, n_values): "H1.h", "H2.h", "XR.u" and, for the rate variant, "<area>.r", the
    ON-minus-OFF rate (Hz) of each unit; ``n_events``: synaptic events (spikes times
    out-degree) in the run.
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    states: dict[str, np.ndarray]
    run_s: float
    n_events: int = 0
