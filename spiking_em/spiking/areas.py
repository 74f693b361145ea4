"""The trained model as Brian2 areas: LIF populations wired by feed-forward (f) and feedback (g)
synapses, and the same network with rate units.

Areas (784-1000-100 for the paper's model):

- ``X`` (n_x Poisson neurons): the visible area. Clamped pixels fire at ``gain * x``; unclamped
  pixels follow the reconstruction g1(h1) decoded from ``XR`` (in-painting) or a held copy of
  it (generation, GENERATE's x <- g1(h1)).
- ``H1`` (n_h1 units), ``H2`` (n_h2 units): the hidden areas. Each unit integrates its state h
  (a voltage-like variable) by INFERENCE's difference-target-propagation update, and its
  neurons fire at the rates that carry h (see :mod:`spiking_em.spiking.codes`); the spikes
  are a noisy quantization of h.
- Auxiliary areas computing the terms of Algorithm 2's INFERENCE:
  ``F1X`` = f1(x), ``XR`` = g1(h1), ``F1XR`` = f1(g1(h1)), ``F2H1`` = f2(h1),
  ``G2H2`` = g2(h2), ``F2G2`` = f2(g2(h2)). Each receives its map's trained weights as dense
  synapses and represents ``act(z + b)`` (softplus or sigmoid) by its firing rates.

Every area is two Brian2 groups: a *dendrite* group (one compartment per unit: filtered
synaptic input, the unit's value, and the drive currents of its neurons) and a *neuron* group
of ``n_units * polarities`` LIF neurons (reset by subtraction; X: Poisson neurons at the
pixel's rate) that read their polarity's current through linked variables. Pathways run from
neurons to dendrites. At every presentation start each membrane potential is set to an
independent uniform value, and a neuron whose polarity is silent relaxes to its own resting
potential, so that regular spike trains do not all start in phase.

One regular neuron per unit and polarity, not an ensemble: an LIF neuron with reset by
subtraction is a sigma-delta quantizer whose count error stays below one spike, so its
precision grows with its spike count; K neurons driven by one slowly varying current
synchronise (leaky neurons forget their initial potential under a common drive), and once
desynchronised by noise their precision grows only with the square root of the count.

Continuous-time INFERENCE (one slot of ``slot_s`` seconds = one iteration, tau_it = slot_s):

    tau_it dh2/dt = delta (f2(h1) - f2(g2(h2)))
    tau_it dh1/dt = delta (f1(x) - f1(g1(h1))) + alpha (g2(h2) - h1)

with every term read from the filtered spikes (or rates) of the area that computes it; the
one-to-one pathways carry deviations from the common centre of the code, which cancels in the
differences.

Rate matching: the dendrite computes the rate each polarity must fire at and the current that
the inverse of the measured, fitted LIF curve assigns to it (``transfer.DRIVE_EXPRESSION``).
Dendrites run on a coarser clock (``dendrite_dt_ms``, 2 ms: their traces have 20 ms time
constants) than the neurons (0.2 ms: spike times), and each neuron copies its current once per
dendrite step, so that the membrane update reads no linked variable. The currents are computed
from the traces *before* each Euler step decays them, so that every spike counts at its full
weight (after the decay, every input would be shrunk by dendrite_dt / tau_syn: 10 %).

Rate variant: every LIF neuron group is replaced by rate units whose output is the fitted curve
at their current, and every spike-driven synaptic jump by the rate it stands for (summed
variables). The dendrites, synaptic filters, equations and schedule are the same.

Compile once: weights, biases, centres, gains, gates, clamped pixels and prior samples are all
``run_args``; the numpy-drawn phases of the uniform streams (Poisson inputs, membrane
potentials at presentation starts) and resting potentials make every run's noise fresh
although Brian2's seed is compiled in.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

import brian2 as b2
import numpy as np

from spiking_em.layers import Params
from spiking_em.spiking import device
from spiking_em.spiking.codes import AREA_KIND, RateCode
from spiking_em.spiking.schedule import SlotInputs
from spiking_em.spiking.transfer import (DRIVE_EXPRESSION, LIF_RESET, LIF_THRESHOLD,
                                         RATE_EXPRESSION, LIFParams, TransferFit)
from spiking_em.validation import check_positive, check_positive_int

VARIANTS = ("spiking", "rate")

ENCODER_EQS = """
dz/dt = (zin - z) / tau_syn : 1   # filtered synaptic input (pre-activation without the bias)
zin : 1                           # rate variant: sum of w * r_pre (spiking: stays 0)
b : 1 (constant)                  # bias of the map, plus the constant input of a centred source
"""
SOFTPLUS_VALUE = """
u = (z + b) * int(z + b > 0) + log(1 + exp(-abs(z + b))) : 1   # softplus(z + b), the value
"""
SIGMOID_VALUE = """
u = 1 / (1 + exp(-(z + b))) : 1   # sigmoid(z + b), the value
"""
HIDDEN1_EQS = """
dh/dt = (g_ff * (centre + z_up - h) + g_anc * (centre + z_top - h)) / tau_ff + g_infer * (delta * (z_up - z_down) + alpha * (centre + z_top - h)) / tau_it : 1   # state h1
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f1(x) - centre, from F1X
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f1(g1(h1)) - centre, from F1XR
dz_top/dt = (zin_top - z_top) / tau_syn : 1     # g2(h2) - centre, from G2H2
zin_up : 1
zin_down : 1
zin_top : 1
u = h : 1                                       # the value carried by the rates
delta : 1 (shared, constant)                    # INFERENCE step size
g_ff : 1 (shared)                               # 1 in feed-forward slots (set at slot starts)
g_anc : 1 (shared)                              # 1 in ancestral slots
g_infer : 1 (shared)                            # 1 in INFERENCE slots
alpha : 1 (shared)                              # top-down step size of the slot
"""
HIDDEN2_EQS = """
dh/dt = (g_ff * (centre + z_up - h) + g_anc * (h_init - h)) / tau_ff + g_infer * delta * (z_up - z_down) / tau_it : 1   # state h2
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f2(h1) - centre, from F2H1
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f2(g2(h2)) - centre, from F2G2
zin_up : 1
zin_down : 1
u = h : 1
h_init : 1                                      # prior sample of h2 (ancestral slots)
delta : 1 (shared, constant)
g_ff : 1 (shared)
g_anc : 1 (shared)
g_infer : 1 (shared)
"""
#: the code's parameters and the drive currents, in every dendrite group
CODE_EQS = """
centre : 1 (constant)           # value at which the unit's neurons are silent
gain : Hz (constant)            # firing rate per unit of value
I_on : 1                        # current of the ON neurons (threshold units)
"""
CODE_OFF_EQS = """
I_off : 1                       # current of the OFF neurons
"""
VISIBLE_EQS = """
x_val = c * int(c >= 0) + int(c < 0) * (g_free * x_hold + (1 - g_free) * z_fb) : 1   # pixel value driving the area
dz_fb/dt = (zin_fb - z_fb) / tau_syn : 1              # reconstruction g1(h1), from XR
zin_fb : 1
dx_hold/dt = g_hold * (z_fb - x_hold) / tau_hold : 1   # held copy of g1(h1) (GENERATE)
u = clip(x_val, 0, 1) : 1                             # the value carried by the rate
gain : Hz (constant)                                  # firing rate per unit of value
r : Hz                                                # the pixel's rate, gain * u (every step)
c : 1                                                 # clamped pixel value, or < 0 if unclamped
g_free : 1 (shared)                                   # 1: unclamped pixels use the held copy
g_hold : 1 (shared)                                   # 1 in hold slots
"""
#: the visible area's neurons: Poisson spike trains at their pixel's rate
POISSON_NEURON_EQS = """
r_d : Hz (linked)                        # the pixel's rate, from the dendrite
phase : 1 (constant)                     # per-run offset of the uniform stream
n_spikes : 1                             # spikes in this run (counted by the reset)
"""
#: dark pixels (most of a digit) skip the random draw
POISSON_THRESHOLD = "r_d > 0 * Hz and (rand() + phase) % 1.0 < r_d * dt"
RATE_INPUT_EQS = """
r : Hz                                   # rate variant of the Poisson input: the pixel's rate
r_d : Hz (linked)
"""
SPIKE_COUNT = "n_spikes += 1"
#: run at every slot start: reset state at presentation starts, read the slot's gates
_AT = "(t + 0.25 * slot)"
_RESET = f"reset_ta{_AT}"
SLOT_START_CODE = {   # (Brian2 wants the shared gates written before per-neuron variables)
    "encoder": f"z = z * (1 - {_RESET})",
    "hidden1": "\n".join([f"g_ff = ff_ta{_AT}", f"g_anc = anc_ta{_AT}",
                          f"g_infer = infer_ta{_AT}", f"alpha = alpha_ta{_AT}",
                          f"h = h + (centre - h) * {_RESET}"]
                         + [f"{v} = {v} * (1 - {_RESET})" for v in ("z_up", "z_down", "z_top")]),
    "hidden2": "\n".join([f"g_ff = ff_ta{_AT}", f"g_anc = anc_ta{_AT}", f"g_infer = infer_ta{_AT}",
                          f"h = h + (centre - h) * {_RESET}"]
                         + [f"{v} = {v} * (1 - {_RESET})" for v in ("z_up", "z_down")]
                         + [f"h_init = h2_init_ta({_AT[1:-1]}, i)"]),
    "visible": "\n".join([f"g_free = free_ta{_AT}", f"g_hold = hold_ta{_AT}"]
                          + [f"{v} = {v} * (1 - {_RESET})" for v in ("z_fb", "x_hold")]
                          + [f"c = clamp_ta({_AT[1:-1]}, i)"]),
}

LIF_NEURON_EQS = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)   # membrane (threshold 1, reset by subtraction)
n_spikes : 1                                      # spikes in this run (counted by the reset)
I : 1                                             # current, copied every dendrite step
I_on_d : 1 (linked)                               # the dendrite's ON current
v_rest : 1 (constant)                             # this neuron's resting potential, below threshold
v_phase : 1 (constant)                            # per-run offset of the uniform stream
"""
#: at presentation starts every membrane is set to an independent uniform value, and a neuron
#: whose polarity is silent relaxes to its own resting potential (uniform below V_REST_MAX):
#: neurons do not all restart their regular spike trains in phase
V_REST_MAX = 0.95
NEURON_SLOT_START_CODE = f"v = v + ((rand() + v_phase) % 1.0 - v) * {_RESET}"
RATE_NEURON_EQS = """
r : Hz                                            # the fitted LIF curve at I (set every step)
I = I_drive : 1
I_on_d : 1 (linked)
"""
#: the drive, or this neuron's resting current when its polarity is silent
LIF_CURRENT_CODE = "I = I_drive + int(I_drive <= 0) * v_rest"
#: current of an ON-only neuron / of a neuron of either polarity
CURRENT_ON = "I_drive = I_on_d : 1\n"
CURRENT_SIGNED = """
I_drive = on * I_on_d + (1 - on) * I_off_d : 1    # the current of this neuron's polarity
I_off_d : 1 (linked)
on : 1 (constant)                                 # 1: ON neuron, 0: OFF neuron
"""
#: the current of an unsigned code's neurons / of a signed code's active polarity (the other
#: polarity gets none: one exponential per unit and step)
DRIVE_ON = "I_on = " + DRIVE_EXPRESSION.format(rate="gain * (u - centre)")
DRIVE_SIGNED = "\n".join([
    "I_on = " + DRIVE_EXPRESSION.format(rate="gain * abs(u - centre)"),
    "I_off = I_on * int(u < centre)",
    "I_on = I_on * int(u >= centre)"])

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
    r_max_hz: float = 400.0
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


class AreaNetwork:
    """A compiled area network of one shape, code layout and variant, re-run with ``run``.

    Parameters
    ----------
    sizes : (n_x, n_h1, n_h2).
    variant : "spiking" (LIF areas, Poisson input) or "rate" (rate units, same wiring).
    config : time constants, rates and code layout.
    transfer : fitted LIF rate-current curve (see :mod:`spiking_em.spiking.transfer`).
    seed : Brian2's seed, compiled in.
    """

    def __init__(self, sizes, variant: str, config: NetworkConfig, transfer: TransferFit, *,
                 seed: int = 0):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.sizes = tuple(check_positive_int("size", int(s)) for s in sizes)
        if len(self.sizes) != 3:
            raise ValueError(f"sizes must be (n_x, n_h1, n_h2), got {sizes}")
        self.variant, self.config, self.transfer, self.seed = variant, config, transfer, seed
        t0 = time.perf_counter()
        self._construct()
        self.directory = device.cache_dir(self.name)
        self.compile_s = device.build(self.directory)
        self.build_s = time.perf_counter() - t0
        self.n_runs = 0

    @property
    def name(self) -> str:
        n_x, n_h1, n_h2 = self.sizes
        c = self.config
        layout = "signed" if c.signed else "plain"
        return (f"areas2_{self.variant}_{n_x}-{n_h1}-{n_h2}_{layout}_{c.n_slots}x"
                f"{c.slot_ms:g}ms_syn{c.tau_syn_ms:g}_ff{c.tau_ff_ms:g}_seed{self.seed}")

    @property
    def dt_ms(self) -> float:
        return self.config.lif.dt_ms if self.variant == "spiking" else self.config.rate_dt_ms

    @property
    def dendrite_dt_ms(self) -> float:
        return self.config.dendrite_dt_ms if self.variant == "spiking" else self.config.rate_dt_ms

    @property
    def n_synapses(self) -> int:
        return int(sum(len(self._i[name]) for name, *_ in PATHWAYS))

    @property
    def n_neurons(self) -> int:
        return int(sum(len(g) for g in self.neurons.values()))

    def polarities(self, area: str) -> int:
        return 2 if self.config.signed and AREA_KIND[area] != "pixel" else 1

    def units(self, area: str) -> int:
        n_x, n_h1, n_h2 = self.sizes
        return {"X": n_x, "XR": n_x, "F1X": n_h1, "F1XR": n_h1, "H1": n_h1, "G2H2": n_h1,
                "F2H1": n_h2, "F2G2": n_h2, "H2": n_h2}[area]

    def neuron_layout(self, area: str) -> tuple[np.ndarray, np.ndarray]:
        """(unit, sign) of every neuron of ``area``: index = polarity * n_units + unit."""
        n, p = self.units(area), self.polarities(area)
        index = np.arange(n * p)
        return index % n, np.where(index < n, 1.0, -1.0)

    # -- construction -------------------------------------------------------------------
    def _construct(self) -> None:
        c = self.config
        n_x, _, n_h2 = self.sizes
        device.activate_standalone(self.seed)
        b2.defaultclock.dt = self.dt_ms * b2.ms
        slot = c.slot_ms * b2.ms
        self.timed = {name: b2.TimedArray(np.zeros(c.n_slots), dt=slot, name=f"{name}_ta_arr")
                      for name in ("reset", "ff", "anc", "infer", "hold", "free", "alpha")}
        self.timed["clamp"] = b2.TimedArray(np.zeros((c.n_slots, n_x)), dt=slot, name="clamp_arr")
        self.timed["h2_init"] = b2.TimedArray(np.zeros((c.n_slots, n_h2)), dt=slot,
                                              name="h2_init_arr")
        namespace = {
            **{f"{name}_ta": arr for name, arr in self.timed.items()},
            "slot": slot, "tau_it": slot, "tau_syn": c.tau_syn_ms * b2.ms,
            "tau_ff": c.tau_ff_ms * b2.ms, "tau_hold": c.tau_hold_ms * b2.ms,
            "tau_m": c.lif.tau_m_ms * b2.ms,
            **self.transfer.namespace(c.r_min_hz, c.r_max_hz),
        }
        self.groups, self.neurons, objects = {}, {}, []
        dendrite_dt = self.dendrite_dt_ms * b2.ms
        for area, kind, _ in AREAS:
            group = self._make_dendrite(area, kind, namespace)
            self.groups[area] = group
            objects.append(group)
            objects.append(group.run_regularly(SLOT_START_CODE.get(kind, SLOT_START_CODE["encoder"]),
                                               dt=slot, when="start", name=f"{area}_slot"))
            if kind == "visible":
                drive = "r = gain * u"
            else:
                drive = DRIVE_SIGNED if self.polarities(area) == 2 else DRIVE_ON
            # before the Euler step decays the traces: a spike that arrived since the last step
            # is read at its full weight, so a trace's mean is exactly rate * w * tau_syn
            # (read after the decay, every input would be shrunk by dendrite_dt / tau_syn)
            objects.append(group.run_regularly(drive, dt=dendrite_dt, when="before_groups",
                                               name=f"{area}_drive"))
            neurons = self._make_neurons(area, group, namespace)
            self.neurons[area] = neurons
            objects.append(neurons)
            if kind == "visible":
                if self.variant == "rate":
                    objects.append(neurons.run_regularly("r = r_d", dt=dendrite_dt,
                                                         when="before_groups", order=1,
                                                         name=f"{area}_current"))
                continue
            if self.variant == "spiking":
                objects.append(neurons.run_regularly(NEURON_SLOT_START_CODE, dt=slot,
                                                     when="start", name=f"{area}_phase"))
            code = LIF_CURRENT_CODE if self.variant == "spiking" else f"r = {RATE_EXPRESSION}"
            objects.append(neurons.run_regularly(code, dt=dendrite_dt, when="before_groups",
                                                 order=1, name=f"{area}_current"))
        self.synapses, self._i, self._j, self._unit, self._sign = {}, {}, {}, {}, {}
        for name, src, dst, trace, weight in PATHWAYS:
            syn = self._make_pathway(name, src, dst, trace, weight, namespace)
            self.synapses[name] = syn
            objects.append(syn)
        objects.extend(self._make_monitors(slot))
        self.net = b2.Network(*objects)
        self.net.run(c.n_slots * slot, namespace={},
                     profile=bool(os.environ.get("SPIKING_EM_PROFILE")))

    def _make_dendrite(self, area: str, kind: str, namespace: dict):
        if kind == "visible":
            eqs = b2.Equations(VISIBLE_EQS)
        else:
            body = {"softplus": ENCODER_EQS + SOFTPLUS_VALUE,
                    "sigmoid": ENCODER_EQS + SIGMOID_VALUE,
                    "hidden1": HIDDEN1_EQS, "hidden2": HIDDEN2_EQS}[kind]
            code = CODE_EQS + (CODE_OFF_EQS if self.polarities(area) == 2 else "")
            eqs = b2.Equations(body) + b2.Equations(code)
        return b2.NeuronGroup(self.units(area), eqs, method="euler", namespace=namespace,
                              name=area, dt=self.dendrite_dt_ms * b2.ms)

    def _make_neurons(self, area: str, dendrite, namespace: dict):
        unit, sign = self.neuron_layout(area)
        if area == "X":
            if self.variant == "spiking":
                group = b2.NeuronGroup(len(unit), POISSON_NEURON_EQS, threshold=POISSON_THRESHOLD,
                                       reset=SPIKE_COUNT, namespace=namespace, name="X_neurons")
            else:
                group = b2.NeuronGroup(len(unit), RATE_INPUT_EQS, namespace=namespace,
                                       name="X_neurons")
            group.r_d = b2.linked_var(dendrite, "r", index=unit)
            return group
        signed = self.polarities(area) == 2
        current = CURRENT_SIGNED if signed else CURRENT_ON
        if self.variant == "spiking":
            eqs = b2.Equations(LIF_NEURON_EQS) + b2.Equations(current)
            group = b2.NeuronGroup(len(unit), eqs, threshold=LIF_THRESHOLD,
                                   reset=LIF_RESET + "\n" + SPIKE_COUNT,
                                   refractory=self.config.lif.refractory_ms * b2.ms,
                                   method="euler", namespace=namespace, name=f"{area}_neurons")
        else:
            eqs = b2.Equations(RATE_NEURON_EQS) + b2.Equations(current)
            group = b2.NeuronGroup(len(unit), eqs, method="euler", namespace=namespace,
                                   name=f"{area}_neurons")
        group.I_on_d = b2.linked_var(dendrite, "I_on", index=unit)
        if signed:
            group.I_off_d = b2.linked_var(dendrite, "I_off", index=unit)
            group.on = (sign > 0).astype(float)
        return group

    def _make_pathway(self, name, src, dst, trace, weight, namespace):
        source, target = self.neurons[src], self.groups[dst]
        if self.variant == "spiking":   # w = sign W / (gain_pre tau_syn): a spike's share
            syn = b2.Synapses(source, target, "w : 1", on_pre=f"{trace}_post += w",
                              namespace=namespace, name=name)
        else:                           # w = sign W / gain_pre: the rate it stands for
            zin = trace.replace("z", "zin", 1)
            syn = b2.Synapses(source, target, f"w : second\n{zin}_post = w * r_pre : 1 (summed)",
                              namespace=namespace, name=name)
        unit, sign = self.neuron_layout(src)
        if weight is None:
            i, j = np.arange(len(source)), unit
        else:
            i = np.repeat(np.arange(len(source)), len(target))
            j = np.tile(np.arange(len(target)), len(source))
        syn.connect(i=i, j=j)
        self._i[name], self._j[name], self._unit[name], self._sign[name] = i, j, unit[i], sign[i]
        return syn

    def _make_monitors(self, slot) -> list:
        self.monitors = {}
        if self.variant == "spiking":
            for area in RECORDED_SPIKES:
                self.monitors[f"spikes_{area}"] = b2.SpikeMonitor(self.neurons[area],
                                                                  name=f"spikes_{area}")
        states = [("H1", "h"), ("H2", "h"), ("XR", "u")]
        for area, var in states:
            self.monitors[f"{area}.{var}"] = b2.StateMonitor(
                self.groups[area], var, record=True, dt=slot, when="start", order=-1,
                name=f"state_{area}_{var}")   # before the reset: record s = end of slot s - 1
        if self.variant == "rate":
            for area in ("H1", "H2", "XR"):
                self.monitors[f"{area}.r"] = b2.StateMonitor(
                    self.neurons[area], "r", record=True, dt=slot, when="start", order=-1,
                    name=f"state_{area}_r")
        return list(self.monitors.values())

    # -- running --------------------------------------------------------------------------
    def run_args(self, params: Params, codes: dict[str, RateCode], *, delta: float) -> dict:
        """The ``run_args`` that load a model's weights, biases and codes into the binary."""
        if params.sizes != self.sizes:
            raise ValueError(f"weights are for sizes {params.sizes}, but this network was built "
                             f"for {self.sizes}; build a network of the model's shape")
        for area, _, _ in AREAS:
            code = codes[AREA_KIND[area]]
            if code.centre.shape != (self.units(area),):
                raise ValueError(f"the {AREA_KIND[area]} code has {code.centre.shape[0]} "
                                 f"centres, area {area} has {self.units(area)} units; derive "
                                 "the codes from this model")
        c = self.config
        scale = c.tau_syn_ms * 1e-3 if self.variant == "spiking" else 1.0
        unit_of = b2.second if self.variant == "rate" else 1
        args = {}
        biases = {area: np.asarray(getattr(params, bias), dtype=np.float64).copy()
                  for area, _, bias in AREAS if bias is not None}
        for name, src, dst, _, weight in PATHWAYS:
            code = codes[AREA_KIND[src]]
            unit = self._unit[name]     # the source unit of every synapse
            per_spike = self._sign[name] / (code.gain_hz[unit] * scale)
            if weight is None:
                w = per_spike
            else:
                matrix = np.asarray(getattr(params, weight), dtype=np.float64)
                w = per_spike * matrix[unit, self._j[name]]
                biases[dst] += code.centre @ matrix     # the centre's constant input
            args[self.synapses[name].w] = w * unit_of
        for area, kind, bias in AREAS:
            group = self.groups[area]
            code = codes[AREA_KIND[area]]
            if bias is not None:
                args[group.b] = biases[area]
            if kind != "visible":
                args[group.centre] = np.asarray(code.centre, dtype=np.float64)
            args[group.gain] = np.asarray(code.gain_hz, dtype=np.float64) * b2.Hz
        for area in ("H1", "H2"):
            args[self.groups[area].delta] = float(delta)
        return args

    def run(self, model_args: dict, inputs: SlotInputs, *, rng: np.random.Generator) -> Recording:
        """Run the compiled binary once on ``inputs`` with a model loaded by :meth:`run_args`.

        Parameters
        ----------
        model_args : ``self.run_args(params, codes, delta=...)``: weights, biases and codes
            (3.7 M synaptic weights for the paper's model: computed once, reused for every run).
        inputs : per-slot gates, clamped pixels and prior samples (:func:`schedule.pack`).
        rng : draws this run's Poisson phases and initial membrane potentials.
        """
        c = self.config
        if inputs.clamp.shape != (c.n_slots, self.sizes[0]):
            raise ValueError(f"inputs.clamp must have shape {(c.n_slots, self.sizes[0])}, got "
                             f"{inputs.clamp.shape}")
        args = dict(model_args)
        for name, arr in inputs.gates.items():
            args[self.timed[name]] = np.asarray(arr, dtype=np.float64)
        args[self.timed["clamp"]] = np.asarray(inputs.clamp, dtype=np.float64)
        args[self.timed["h2_init"]] = np.asarray(inputs.h2_init, dtype=np.float64)
        if self.variant == "spiking":
            args[self.neurons["X"].phase] = rng.random(self.sizes[0])
            for area, kind, _ in AREAS:
                if kind != "visible":
                    n = len(self.neurons[area])
                    args[self.neurons[area].v_phase] = rng.random(n)
                    args[self.neurons[area].v_rest] = V_REST_MAX * rng.random(n)
        run_s = device.run(self.directory, args)
        self.n_runs += 1
        return self._collect(run_s)

    def _collect(self, run_s: float) -> Recording:
        slot_s = self.config.slot_ms * 1e-3
        spikes, n_events = {}, 0
        if self.variant == "spiking":
            for name, src, *_ in PATHWAYS:
                counts = np.asarray(self.neurons[src].n_spikes[:])
                n_events += int(np.sum(counts[self._i[name]]))
            for area in RECORDED_SPIKES:
                mon = self.monitors[f"spikes_{area}"]
                t = np.asarray(mon.t[:] / b2.second)
                idx = np.asarray(mon.i[:])
                units, signs = self.neuron_layout(area)
                unit, sign = units[idx], signs[idx].astype(np.int8)
                spikes[area] = (np.minimum((t / slot_s).astype(np.int64), self.config.n_slots - 1),
                                unit, sign, t)
        states = {}
        for key, mon in self.monitors.items():
            if key.startswith("spikes_"):
                continue
            area, var = key.split(".")
            values = np.asarray(getattr(mon, var) / b2.Hz if var == "r" else getattr(mon, var)).T
            if var == "r":   # ON minus OFF rate of each unit
                n = self.units(area)
                values = values[:, :n] - (values[:, n:] if values.shape[1] > n else 0.0)
            states[key] = values.copy()   # (n_slots, n_units)
        return Recording(spikes=spikes, states=states, run_s=run_s, n_events=n_events)
