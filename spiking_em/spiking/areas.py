"""The trained model as Brian2 areas: LIF populations wired by feed-forward (f) and feedback (g)
synapses, and the same network with rate units.

Areas (784-1000-100 for the paper's model):

- ``X`` (n_x): the visible area. Clamped pixels fire Poisson trains at ``gain_x * x``; unclamped
  pixels follow the reconstruction g1(h1) decoded from ``XR`` (in-painting) or a held copy of
  it (generation, GENERATE's x <- g1(h1)).
- ``H1`` (n_h1), ``H2`` (n_h2): the hidden areas. Each neuron integrates its state h (a
  voltage-like variable) by INFERENCE's difference-target-propagation update and fires at
  ``gain * h``; the spikes are a noisy quantization of h.
- Auxiliary areas computing the terms of Algorithm 2's INFERENCE:
  ``F1X`` = f1(x), ``XR`` = g1(h1), ``F1XR`` = f1(g1(h1)), ``F2H1`` = f2(h1),
  ``G2H2`` = g2(h2), ``F2G2`` = f2(g2(h2)). Each receives its map's trained weights as dense
  synapses and represents ``act(z + b)`` (softplus or sigmoid) by its firing rate.

Continuous-time INFERENCE (one slot of ``slot_s`` seconds = one iteration, tau_it = slot_s):

    tau_it dh2/dt = delta (f2(h1) - f2(g2(h2)))
    tau_it dh1/dt = delta (f1(x) - f1(g1(h1))) + alpha (g2(h2) - h1)

with every term read from the filtered spikes (or rates) of the area that computes it.

Rate matching: a neuron that must fire at ``gain * u`` gets the somatic current
``I = transfer.current_for_rate(gain * u)`` (the inverse of the measured and fitted LIF
rate-current curve), recomputed every ``drive_dt``. Gains (Hz per unit value) are derived from
the model's own values on data (``derive_gains``): the 99th percentile of an area's values
maps to ``r_max_hz``.

Rate variant: every LIF population is replaced by a rate unit whose output is the fitted
curve ``r = transfer(I)``, and every spike-driven synaptic jump by the rate it stands for
(summed variables); the synaptic filter, equations and schedule are the same.

Compile once: weights, biases, gains, gates, clamped pixels and prior samples are all
``run_args``; the numpy-drawn ``phase`` of each Poisson input and the initial membrane
potentials make every run's noise fresh although Brian2's seed is compiled in.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

import brian2 as b2
import numpy as np

from spiking_em.layers import Params
from spiking_em.spiking import device
from spiking_em.spiking.schedule import SlotInputs
from spiking_em.spiking.transfer import LIFParams, TransferFit
from spiking_em.validation import check_positive, check_positive_int

VARIANTS = ("spiking", "rate")

ENCODER_EQS = """
dz/dt = (zin - z) / tau_syn : 1   # filtered synaptic input, in units of the source's values
zin : 1                           # rate variant: sum of w * r_pre / gain_pre (spiking: stays 0)
b : 1 (constant)                  # bias of the map
gain : Hz (shared, constant)      # firing rate that represents a value of 1
"""
SOFTPLUS_VALUE = """
u = (z + b) * int(z + b > 0) + log(1 + exp(-abs(z + b))) : 1   # softplus(z + b), the value
"""
SIGMOID_VALUE = """
u = 1 / (1 + exp(-(z + b))) : 1   # sigmoid(z + b), the value
"""

HIDDEN1_EQS = """
dh/dt = (g_ff * (z_up - h) + g_anc * (z_top - h)) / tau_ff + g_infer * (delta * (z_up - z_down) + alpha * (z_top - h)) / tau_it : 1   # state h1
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f1(x), from F1X
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f1(g1(h1)), from F1XR
dz_top/dt = (zin_top - z_top) / tau_syn : 1     # g2(h2), from G2H2
zin_up : 1
zin_down : 1
zin_top : 1
u = h : 1                                       # the value represented by the rate
delta : 1 (shared, constant)                    # INFERENCE step size
gain : Hz (shared, constant)
g_ff : 1 (shared)                               # 1 in feed-forward slots (set at slot starts)
g_anc : 1 (shared)                              # 1 in ancestral slots
g_infer : 1 (shared)                            # 1 in INFERENCE slots
alpha : 1 (shared)                              # top-down step size of the slot
"""

HIDDEN2_EQS = """
dh/dt = (g_ff * (z_up - h) + g_anc * (h_init - h)) / tau_ff + g_infer * delta * (z_up - z_down) / tau_it : 1   # state h2
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f2(h1), from F2H1
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f2(g2(h2)), from F2G2
zin_up : 1
zin_down : 1
u = h : 1
h_init : 1                                      # prior sample of h2 (ancestral slots)
delta : 1 (shared, constant)
gain : Hz (shared, constant)
g_ff : 1 (shared)
g_anc : 1 (shared)
g_infer : 1 (shared)
"""

VISIBLE_EQS = """
x_val = c * int(c >= 0) + int(c < 0) * (g_free * x_hold + (1 - g_free) * z_fb) : 1   # pixel value driving the area
dz_fb/dt = (zin_fb - z_fb) / tau_syn : 1              # reconstruction g1(h1), from XR
zin_fb : 1
dx_hold/dt = g_hold * (z_fb - x_hold) / tau_hold : 1   # held copy of g1(h1) (GENERATE)
u = clip(x_val, 0, 1) : 1                             # the value represented by the rate
gain : Hz (shared, constant)
phase : 1 (constant)                                  # per-run offset of the uniform stream
c : 1                                                 # clamped pixel value, or < 0 if unclamped
g_free : 1 (shared)                                   # 1: unclamped pixels use the held copy
g_hold : 1 (shared)                                   # 1 in hold slots
"""

LIF_OUTPUT_EQS = """
dv/dt = (I - v) / tau_m + sigma * sqrt(2 / tau_m) * xi_m : 1 (unless refractory)   # membrane
I : 1                                    # somatic current (threshold units)
"""
LIF_OUTPUT_EQS_NOISE_FREE = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)   # membrane (sigma = 0: no noise term to draw)
I : 1                                    # somatic current (threshold units)
"""
RATE_OUTPUT_EQS = """
r : Hz                                   # output rate: the fitted LIF curve at I (set with I)
I : 1                                    # somatic current (threshold units)
"""
POISSON_RATE_EQS = """
r : Hz                                   # rate variant of the Poisson input: gain * u
"""

#: current that makes the neuron fire at gain * u (inverse of the fitted transfer curve)
DRIVE_CODE = ("I = i_shift + i_width * log(exp((clip(gain * u, r_min, r_max) / r_scale)"
              " ** (1.0 / power)) - 1)")
#: rate variant: the output rate, computed once per neuron and step (not once per synapse)
RATE_CODE = "r = r_scale * log(1 + exp((I - i_shift) / i_width)) ** power"
POISSON_RATE_CODE = "r = gain * u"
#: run at every slot start: reset state at presentation starts, read the slot's gates
_AT = "(t + 0.25 * slot)"
SLOT_START_CODE = {   # (Brian2 wants the shared gates written before per-neuron variables)
    "encoder": f"z = z * (1 - reset_ta{_AT})",
    "hidden1": "\n".join([f"g_ff = ff_ta{_AT}", f"g_anc = anc_ta{_AT}",
                          f"g_infer = infer_ta{_AT}", f"alpha = alpha_ta{_AT}"]
                         + [f"{v} = {v} * (1 - reset_ta{_AT})" for v in ("h", "z_up", "z_down", "z_top")]),
    "hidden2": "\n".join([f"g_ff = ff_ta{_AT}", f"g_anc = anc_ta{_AT}", f"g_infer = infer_ta{_AT}"]
                         + [f"{v} = {v} * (1 - reset_ta{_AT})" for v in ("h", "z_up", "z_down")]
                         + [f"h_init = h2_init_ta({_AT[1:-1]}, i)"]),
    "visible": "\n".join([f"g_free = free_ta{_AT}", f"g_hold = hold_ta{_AT}"]
                          + [f"{v} = {v} * (1 - reset_ta{_AT})" for v in ("z_fb", "x_hold")]
                          + [f"c = clamp_ta({_AT[1:-1]}, i)"]),
}

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
#: which model value each area's rate represents (gains are derived per value)
AREA_VALUE = {"X": "x", "XR": "x", "F1X": "h1", "F1XR": "h1", "H1": "h1", "G2H2": "h1",
              "F2H1": "h2", "F2G2": "h2", "H2": "h2"}
RECORDED_SPIKES = ("X", "H1", "H2", "XR")


@dataclass(frozen=True)
class NetworkConfig:
    """Time constants, rates and sizes of the area network (times in ms, rates in Hz).

    slot_ms : simulated time of one INFERENCE iteration (tau_it).
    tau_syn_ms : synaptic filter of every pathway.
    tau_ff_ms : relaxation time of h in the feed-forward and ancestral phases.
    tau_hold_ms : time constant of the held copy of g1(h1) in generation.
    r_max_hz, r_min_hz : rate range of the code (values are clipped into it).
    gain_quantile : this quantile of each value on training data fires at r_max_hz. Lower
        clips more values but spends more spikes per unit value (less decoding noise).
    drive_dt_ms : how often the somatic current is recomputed from the value.
    n_slots : slots per compiled run (presentations are packed into them).
    rate_dt_ms : time step of the rate variant (no spikes to resolve).
    lif : membrane parameters and the spiking variant's time step.
    """

    slot_ms: float = 20.0
    tau_syn_ms: float = 10.0
    tau_ff_ms: float = 10.0
    tau_hold_ms: float = 25.0
    r_max_hz: float = 200.0
    r_min_hz: float = 0.1
    gain_quantile: float = 0.999
    drive_dt_ms: float = 1.0
    n_slots: int = 1000
    rate_dt_ms: float = 2.0
    lif: LIFParams = field(default_factory=lambda: LIFParams(sigma=0.0, dt_ms=0.2))

    def __post_init__(self):
        for name in ("slot_ms", "tau_syn_ms", "tau_ff_ms", "tau_hold_ms", "r_max_hz", "r_min_hz",
                     "drive_dt_ms", "rate_dt_ms"):
            check_positive(name, getattr(self, name))
        check_positive_int("n_slots", self.n_slots, minimum=2)
        if not 0 < self.gain_quantile <= 1:
            raise ValueError(f"gain_quantile must be in (0, 1], got {self.gain_quantile}")
        if self.r_min_hz >= self.r_max_hz:
            raise ValueError(f"r_min_hz ({self.r_min_hz}) must be below r_max_hz ({self.r_max_hz})")

    def as_dict(self) -> dict:
        return asdict(self)


def derive_gains(values: dict[str, np.ndarray], r_max_hz: float, quantile: float = 0.999) -> dict:
    """Hz per unit value for each model value: its ``quantile`` maps to ``r_max_hz``.

    ``values`` maps "x", "h1", "h2" to arrays of the model's values on data. Pixels are in
    [0, 1], so x always gets ``r_max_hz`` per unit.
    """
    gains = {"x": float(r_max_hz)}
    for name in ("h1", "h2"):
        top = float(np.quantile(np.asarray(values[name]), quantile))
        if not top > 0:
            raise ValueError(f"the {quantile:.0%} quantile of {name} is {top}; a rate code needs "
                             "positive values")
        gains[name] = float(r_max_hz / top)
    return gains


@dataclass
class Recording:
    """What one run recorded: spikes per area as (slot, neuron, time in s) arrays, and states
    per slot start (record s = end of slot s - 1), shape (n_slots, n_neurons)."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    states: dict[str, np.ndarray]
    run_s: float
    n_events: int = 0          # synaptic events (spikes times out-degree) in the run


class AreaNetwork:
    """A compiled area network of one shape and variant, re-run with ``run``.

    Parameters
    ----------
    sizes : (n_x, n_h1, n_h2).
    variant : "spiking" (LIF areas, Poisson input) or "rate" (rate units, same wiring).
    config : time constants and rates.
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
        return (f"areas_{self.variant}_{n_x}-{n_h1}-{n_h2}_{c.n_slots}x{c.slot_ms:g}ms_"
                f"seed{self.seed}")

    @property
    def dt_ms(self) -> float:
        return self.config.lif.dt_ms if self.variant == "spiking" else self.config.rate_dt_ms

    @property
    def n_synapses(self) -> int:
        return int(sum(len(self._i[name]) for name, *_ in PATHWAYS))

    # -- construction -------------------------------------------------------------------
    def _construct(self) -> None:
        c, fit = self.config, self.transfer
        n_x, n_h1, n_h2 = self.sizes
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
            "tau_m": c.lif.tau_m_ms * b2.ms, "sigma": c.lif.sigma,
            "r_min": c.r_min_hz * b2.Hz, "r_max": c.r_max_hz * b2.Hz,
            "r_scale": fit.r_scale * b2.Hz, "i_shift": fit.i_shift, "i_width": fit.i_width,
            "power": fit.power,
        }
        sizes = {"X": n_x, "XR": n_x, "F1X": n_h1, "F1XR": n_h1, "H1": n_h1, "G2H2": n_h1,
                 "F2H1": n_h2, "F2G2": n_h2, "H2": n_h2}
        self.groups = {}
        objects = []
        for area, kind, _ in AREAS:
            group = self._make_group(area, kind, sizes[area], namespace)
            self.groups[area] = group
            objects.append(group)
            objects.append(group.run_regularly(SLOT_START_CODE.get(kind, SLOT_START_CODE["encoder"]),
                                               dt=slot, when="start", name=f"{area}_slot"))
            if self.variant == "rate":
                code = POISSON_RATE_CODE if kind == "visible" else DRIVE_CODE + "\n" + RATE_CODE
                objects.append(group.run_regularly(code, dt=self.dt_ms * b2.ms,
                                                   when="before_groups", name=f"{area}_drive"))
            elif kind != "visible":
                objects.append(group.run_regularly(DRIVE_CODE, dt=c.drive_dt_ms * b2.ms,
                                                   when="before_groups", name=f"{area}_drive"))
        self.synapses, self._i, self._j = {}, {}, {}
        for name, src, dst, trace, weight in PATHWAYS:
            syn = self._make_pathway(name, self.groups[src], self.groups[dst], trace, weight,
                                     namespace)
            self.synapses[name] = syn
            objects.append(syn)
        self.monitors = {}
        slot_dt = slot
        if self.variant == "spiking":
            for area in RECORDED_SPIKES:
                self.monitors[f"spikes_{area}"] = b2.SpikeMonitor(self.groups[area],
                                                                  name=f"spikes_{area}")
            for area, _, _ in AREAS:
                self.monitors[f"counts_{area}"] = b2.SpikeMonitor(
                    self.groups[area], record=False, name=f"counts_{area}")
            states = (("H1", "h"), ("H2", "h"), ("XR", "u"))
        else:
            states = (("H1", "h"), ("H2", "h"), ("H1", "r"), ("H2", "r"), ("XR", "r"))
        for area, var in states:
            self.monitors[f"{area}.{var}"] = b2.StateMonitor(
                self.groups[area], var, record=True, dt=slot_dt, when="start", order=-1,
                name=f"state_{area}_{var}")   # before the reset: record s = end of slot s - 1
        objects.extend(self.monitors.values())
        self.net = b2.Network(*objects)
        self.net.run(c.n_slots * slot, namespace={}, profile=bool(os.environ.get("SPIKING_EM_PROFILE")))

    def _make_group(self, area: str, kind: str, n: int, namespace: dict):
        spiking = self.variant == "spiking"
        if kind == "visible":
            eqs = b2.Equations(VISIBLE_EQS)
            if spiking:   # dark pixels (most of a digit) skip the random draw
                return b2.NeuronGroup(n, eqs, method="euler", namespace=namespace, name=area,
                                      threshold="u > 0 and (rand() + phase) % 1.0 < gain * u * dt")
            return b2.NeuronGroup(n, eqs + b2.Equations(POISSON_RATE_EQS), method="euler",
                                  namespace=namespace, name=area)
        body = {"softplus": ENCODER_EQS + SOFTPLUS_VALUE, "sigmoid": ENCODER_EQS + SIGMOID_VALUE,
                "hidden1": HIDDEN1_EQS, "hidden2": HIDDEN2_EQS}[kind]
        if spiking:
            lif = self.config.lif
            output = LIF_OUTPUT_EQS if lif.sigma > 0 else LIF_OUTPUT_EQS_NOISE_FREE
            return b2.NeuronGroup(n, b2.Equations(body) + b2.Equations(output),
                                  threshold="v > 1", reset="v = 0",
                                  refractory=lif.refractory_ms * b2.ms, method="euler",
                                  namespace=namespace, name=area)
        return b2.NeuronGroup(n, b2.Equations(body) + b2.Equations(RATE_OUTPUT_EQS),
                              method="euler", namespace=namespace, name=area)

    def _make_pathway(self, name, src, dst, trace, weight, namespace):
        if self.variant == "spiking":   # w = W / (gain_pre * tau_syn): a spike adds its share
            syn = b2.Synapses(src, dst, "w : 1", on_pre=f"{trace}_post += w",
                              namespace=namespace, name=name)
        else:                           # w = W / gain_pre: the rate it stands for, continuously
            zin = trace.replace("z", "zin", 1)
            syn = b2.Synapses(src, dst, f"w : second\n{zin}_post = w * r_pre : 1 (summed)",
                              namespace=namespace, name=name)
        if weight is None:
            i = j = np.arange(len(src))
        else:
            i = np.repeat(np.arange(len(src)), len(dst))
            j = np.tile(np.arange(len(dst)), len(src))
        syn.connect(i=i, j=j)
        self._i[name], self._j[name] = i, j
        return syn

    # -- running --------------------------------------------------------------------------
    def run(self, params: Params, gains: dict, inputs: SlotInputs, *, delta: float,
            rng: np.random.Generator) -> Recording:
        """Run the compiled binary once on ``inputs`` with the model's weights.

        Parameters
        ----------
        params : trained weights; shapes must match the compiled sizes.
        gains : Hz per unit value for "x", "h1", "h2" (see :func:`derive_gains`).
        inputs : per-slot gates, clamped pixels and prior samples (:func:`schedule.pack`).
        delta : INFERENCE step size.
        rng : draws this run's Poisson phases and initial membrane potentials.
        """
        if params.sizes != self.sizes:
            raise ValueError(f"weights are for sizes {params.sizes}, but this network was built "
                             f"for {self.sizes}; build a network of the model's shape")
        c = self.config
        if inputs.clamp.shape != (c.n_slots, self.sizes[0]):
            raise ValueError(f"inputs.clamp must have shape {(c.n_slots, self.sizes[0])}, got "
                             f"{inputs.clamp.shape}")
        args = {}
        tau_syn_s = c.tau_syn_ms * 1e-3
        for name, src, _, _, weight in PATHWAYS:
            w = (np.ones(len(self._i[name])) if weight is None else
                 np.asarray(getattr(params, weight), dtype=np.float64).ravel())
            gain = gains[AREA_VALUE[src]]
            if self.variant == "spiking":
                args[self.synapses[name].w] = w / (gain * tau_syn_s)
            else:
                args[self.synapses[name].w] = w / gain * b2.second
        for area, _, bias in AREAS:
            group = self.groups[area]
            if bias is not None:
                args[group.b] = np.asarray(getattr(params, bias), dtype=np.float64)
            args[group.gain] = gains[AREA_VALUE[area]] * b2.Hz
        for area in ("H1", "H2"):
            args[self.groups[area].delta] = float(delta)
        for name, arr in inputs.gates.items():
            args[self.timed[name]] = np.asarray(arr, dtype=np.float64)
        args[self.timed["clamp"]] = np.asarray(inputs.clamp, dtype=np.float64)
        args[self.timed["h2_init"]] = np.asarray(inputs.h2_init, dtype=np.float64)
        if self.variant == "spiking":
            args[self.groups["X"].phase] = rng.random(self.sizes[0])
            for area, kind, _ in AREAS:
                if kind != "visible":
                    args[self.groups[area].v] = rng.random(len(self.groups[area]))
        run_s = device.run(self.directory, args)
        self.n_runs += 1
        return self._collect(run_s)

    def _collect(self, run_s: float) -> Recording:
        slot_s = self.config.slot_ms * 1e-3
        spikes, n_events = {}, 0
        if self.variant == "spiking":
            for name, src, *_ in PATHWAYS:
                counts = np.asarray(self.monitors[f"counts_{src}"].count[:])
                n_events += int(np.sum(counts[self._i[name]]))
            for area in RECORDED_SPIKES:
                mon = self.monitors[f"spikes_{area}"]
                t = np.asarray(mon.t[:] / b2.second)
                spikes[area] = (np.minimum((t / slot_s).astype(np.int64), self.config.n_slots - 1),
                                np.asarray(mon.i[:]), t)
        states = {}
        for key, mon in self.monitors.items():
            if key.startswith(("spikes_", "counts_")):
                continue
            var = key.split(".")[1]
            values = getattr(mon, var)
            if var == "r":
                values = values / b2.Hz
            states[key] = np.asarray(values).T.copy()   # (n_slots, n_neurons)
        return Recording(spikes=spikes, states=states, run_s=run_s, n_events=n_events)
