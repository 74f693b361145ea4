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

Unit models (:mod:`spiking_em.spiking.units`): LIF neurons or rate units with the fitted
curve, chosen once per network; the dendrites (:mod:`spiking_em.spiking.equations`), synaptic
filters and schedule are the same for both.

Compile once: weights, biases, centres, gains, gates, clamped pixels and prior samples are all
``run_args``; the numpy-drawn phases of the uniform streams (Poisson inputs, membrane
potentials at presentation starts) and resting potentials make every run's noise fresh
although Brian2's seed is compiled in.
"""
from __future__ import annotations

import os
import time

import brian2 as b2
import numpy as np

from spiking_em.model.layers import Params
from spiking_em.spiking import device, loading, plasticity
from spiking_em.spiking.codes import AREA_KIND, RateCode
from spiking_em.spiking.equations import (
    AREA_EQUATIONS,
    CODE_EQS,
    CODE_OFF_EQS,
    drive_code,
    learning_area_equations,
    quiet_area_equations,
    sampling_area_equations,
)
from spiking_em.spiking.replay import LEARN_EVENT, REPLAY_SLOT_START, SOURCE_AREAS, SampleConfig
from spiking_em.spiking.schedule import GATES, SlotInputs
from spiking_em.spiking.transfer import R_MAX_HZ, LIFParams, TransferFit
from spiking_em.spiking.units import UNIT_MODELS, VARIANTS
from spiking_em.spiking.wiring import AREAS, PATHWAYS, RECORDED_SPIKES, NetworkConfig, Recording
from spiking_em.validation import check_positive_int

#: the gates that only a learning network compiles in
LEARNING_GATES = ("teach", "sample", "idle")


class AreaNetwork:
    """A compiled area network of one shape, code layout and unit model, re-run with ``run``.

    Parameters
    ----------
    sizes : (n_x, n_h1, n_h2).
    variant : "spiking" (LIF areas, Poisson input), "stochastic" (Poisson neurons at the LIF
        curve's rates) or "rate" (rate units, same wiring); picks the unit model
        (:mod:`spiking_em.spiking.units`) once, for every area and pathway.
    config : time constants, rates and code layout.
    transfer : fitted LIF rate-current curve (see :mod:`spiking_em.spiking.transfer`).
    seed : Brian2's seed, compiled in.
    learning : with a teaching configuration, the four maps' pathways are plastic and the
        network runs ``teach`` phases (:mod:`spiking_em.spiking.plasticity`).
    """

    def __init__(self, sizes, variant: str, config: NetworkConfig, transfer: TransferFit, *,
                 seed: int = 0, learning: plasticity.TeachingConfig | None = None):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        if learning is not None and not UNIT_MODELS[variant].emits_spikes:
            raise ValueError("only spiking variants learn (their synapses read dV/dt at "
                             "presynaptic spikes); build the rate variant without learning")
        self.learning = learning
        self.pathways = PATHWAYS + (plasticity.NUDGING_PATHWAYS if learning else ())
        self.sizes = tuple(check_positive_int("size", int(s)) for s in sizes)
        if len(self.sizes) != 3:
            raise ValueError(f"sizes must be (n_x, n_h1, n_h2), got {sizes}")
        self.variant, self.config, self.transfer, self.seed = variant, config, transfer, seed
        self.unit_model = UNIT_MODELS[variant]()
        t0 = time.perf_counter()
        self._construct()
        self.directory = device.build_dir(self.name)
        self.compile_s = device.build(self.directory)
        self.build_s = time.perf_counter() - t0
        self.n_runs = 0

    @property
    def name(self) -> str:
        n_x, n_h1, n_h2 = self.sizes
        c = self.config
        layout = "signed" if c.signed else "plain"
        learn = "" if self.learning is None else (
            f"_replay{self.learning.tau_teach_ms:g}-{self.learning.tau_v_ms:g}-"
            f"{self.learning.bias_rate_hz:g}{'' if self.learning.learn_event else '-onepath'}"
            f"{'-xoff' if self.learning.pixel_off else ''}")
        # neurons other than the default's (e.g. NetworkConfig.coarse) keep their own folder
        neurons = "" if (c.lif, c.r_max_hz) == (LIFParams(), R_MAX_HZ) else (
            f"_lif{c.lif.tau_m_ms:g}-{c.lif.refractory_ms:g}-{c.lif.dt_ms:g}_rmax{c.r_max_hz:g}")
        return (f"areas2_{self.variant}_{n_x}-{n_h1}-{n_h2}_{layout}_{c.n_slots}x"
                f"{c.slot_ms:g}ms_syn{c.tau_syn_ms:g}_ff{c.tau_ff_ms:g}{learn}{neurons}"
                f"_seed{self.seed}")

    @property
    def dt_ms(self) -> float:
        return self.unit_model.dt_ms(self.config)

    @property
    def dendrite_dt_ms(self) -> float:
        return self.unit_model.dendrite_dt_ms(self.config)

    @property
    def n_synapses(self) -> int:
        return int(sum(len(self._i[name]) for name, *_ in self.pathways))

    @property
    def n_neurons(self) -> int:
        return int(sum(len(g) for g in self.neurons.values()))

    def pathway_sources(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(source unit, sign) of every synapse of pathway ``name``, in the synapses' order."""
        return self._unit[name], self._sign[name]

    def pathway_targets(self, name: str) -> np.ndarray:
        """Target unit of every synapse of pathway ``name``, in the synapses' order."""
        return self._j[name]

    def polarities(self, area: str) -> int:
        """Neurons per unit: ON and OFF for a signed code's areas, and for X when a learning
        network gives its pixels OFF neurons (the sample's baseline, ``pixel_off``)."""
        if area == "X":
            return 2 if self.learning is not None and self.learning.pixel_off else 1
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

    @property
    def coded_areas(self) -> tuple[str, ...]:
        """Areas whose neurons carry their value by a rate code (all but the visible area)."""
        return tuple(area for area, kind, _ in AREAS if AREA_EQUATIONS[kind].coded)

    # -- construction -------------------------------------------------------------------
    def _construct(self) -> None:
        c = self.config
        n_x, _, n_h2 = self.sizes
        device.activate_standalone(self.seed)
        b2.defaultclock.dt = self.dt_ms * b2.ms
        slot = c.slot_ms * b2.ms
        self.timed = {name: b2.TimedArray(np.zeros(c.n_slots), dt=slot, name=f"{name}_ta_arr")
                      for name in GATES
                      if name not in LEARNING_GATES or self.learning is not None}
        self.timed["clamp"] = b2.TimedArray(np.zeros((c.n_slots, n_x)), dt=slot, name="clamp_arr")
        self.timed["h2_init"] = b2.TimedArray(np.zeros((c.n_slots, n_h2)), dt=slot,
                                              name="h2_init_arr")
        namespace = {
            **{f"{name}_ta": arr for name, arr in self.timed.items()},
            "slot": slot, "tau_it": slot, "tau_syn": c.tau_syn_ms * b2.ms,
            "tau_ff": c.tau_ff_ms * b2.ms, "tau_hold": c.tau_hold_ms * b2.ms,
            "tau_m": c.lif.tau_m_ms * b2.ms,
            **self.transfer.namespace(c.r_min_hz, c.r_max_hz),
            **(self.learning.namespace() if self.learning is not None else {}),
        }
        self.groups, self.neurons, objects = {}, {}, []
        dendrite_dt = self.dendrite_dt_ms * b2.ms
        for area, kind, _ in AREAS:
            equations = self._equations(area, kind)
            group = self._make_dendrite(area, equations, namespace)
            self.groups[area] = group
            # the drive runs before the Euler step decays the traces (module docstring)
            objects += [group,
                        group.run_regularly(equations.slot_start, dt=slot, when="start",
                                            name=f"{area}_slot"),
                        group.run_regularly(self._drive(area, equations), dt=dendrite_dt,
                                            when="before_groups", name=f"{area}_drive")]
            neurons = self._make_neurons(area, equations, group, namespace)
            self.neurons[area] = neurons
            objects.append(neurons)
            objects += self.unit_model.operations(area, neurons, coded=equations.coded,
                                                  slot=slot, dendrite_dt=dendrite_dt)
            if self._replays(area):
                objects.append(neurons.run_regularly(REPLAY_SLOT_START, dt=slot, when="start",
                                                     name=f"{area}_replay"))
        self.synapses, self._i, self._j, self._unit, self._sign = {}, {}, {}, {}, {}
        for name, src, dst, trace, weight in self.pathways:
            syn = self._make_pathway(name, src, dst, trace, weight, namespace)
            self.synapses[name] = syn
            objects.append(syn)
        if self.learning is not None:
            source = plasticity.bias_source(namespace)
            objects.append(source)
            for area in plasticity.LEARNING_AREAS:
                self.synapses[f"bias_{area}"] = plasticity.bias_synapses(
                    source, self.groups[area], area, namespace)
                objects.append(self.synapses[f"bias_{area}"])
        objects.extend(self._make_monitors(slot))
        self.net = b2.Network(*objects)
        self.net.run(c.n_slots * slot, namespace={},
                     profile=bool(os.environ.get("SPIKING_EM_PROFILE")))

    @property
    def _learn_event(self) -> bool:
        """Whether the sources' sample and replay spikes are ``learn`` events (not spikes)."""
        return self.learning is not None and self.learning.learn_event

    def _replays(self, area: str) -> bool:
        """Whether ``area`` samples and replays (a source of plastic synapses, when learning)."""
        return self.learning is not None and area in SOURCE_AREAS

    def _quiets(self, area: str) -> bool:
        """Whether ``area`` can be silenced in sample and teaching slots (every area of a
        learning network but the sources; every area is silenced in idle slots)."""
        return self.learning is not None and area not in SOURCE_AREAS

    def _equations(self, area: str, kind: str):
        if self.learning is not None and area in plasticity.LEARNING_AREAS:
            return learning_area_equations(kind)
        if self._replays(area):
            return sampling_area_equations(kind)
        if self._quiets(area):
            return quiet_area_equations(kind)
        return AREA_EQUATIONS[kind]

    def _drive(self, area: str, equations) -> str:
        kind = ("pixel" if not equations.coded
                else "signed" if self.polarities(area) == 2 else "on")
        return drive_code(kind, sampling=self._replays(area), quiet=self._quiets(area))

    def _make_dendrite(self, area: str, equations, namespace: dict):
        eqs = b2.Equations(equations.body)
        if equations.coded:
            eqs += b2.Equations(CODE_EQS + (CODE_OFF_EQS if self.polarities(area) == 2 else ""))
        return b2.NeuronGroup(self.units(area), eqs, method="euler", namespace=namespace,
                              name=area, dt=self.dendrite_dt_ms * b2.ms)

    def _make_neurons(self, area: str, equations, dendrite, namespace: dict):
        unit, sign = self.neuron_layout(area)
        replay, learn_event = self._replays(area), self._learn_event
        if not equations.coded:
            off = self.polarities(area) == 2
            group = self.unit_model.input_group(len(unit), namespace, replay=replay,
                                                learn_event=learn_event, off=off)
            group.r_d = b2.linked_var(dendrite, "r", index=unit)
            if off:
                group.on = (sign > 0).astype(float)
            return group
        signed = self.polarities(area) == 2
        group = self.unit_model.coded_group(area, len(unit), signed, namespace, self.config,
                                            replay=replay, learn_event=learn_event)
        group.I_on_d = b2.linked_var(dendrite, "I_on", index=unit)
        if signed:
            group.I_off_d = b2.linked_var(dendrite, "I_off", index=unit)
            group.on = (sign > 0).astype(float)
        return group

    def _make_pathway(self, name, src, dst, trace, weight, namespace):
        source, target = self.neurons[src], self.groups[dst]
        if self.learning is not None and name in plasticity.PLASTIC_PATHWAYS:
            syn = plasticity.plastic_synapses(source, target, name, namespace,
                                              learn_event=self._learn_event)
        elif self.learning is not None and trace == "zt":
            syn = plasticity.nudging_synapses(source, target, name, namespace,
                                              learn_event=self._learn_event)
        else:
            syn = self.unit_model.pathway(source, target, trace, name, namespace)
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
        self.monitors = dict(self.unit_model.monitors(self.neurons, RECORDED_SPIKES, slot))
        if self._learn_event:   # the sources' sample and replay spikes, recorded beside
            for area in RECORDED_SPIKES:
                if self._replays(area):
                    self.monitors[f"learn_{area}"] = b2.EventMonitor(
                        self.neurons[area], LEARN_EVENT, name=f"learn_{area}")
        for area, var in (("H1", "h"), ("H2", "h"), ("XR", "u")):
            self.monitors[f"{area}.{var}"] = b2.StateMonitor(
                self.groups[area], var, record=True, dt=slot, when="start", order=-1,
                name=f"state_{area}_{var}")   # before the reset: record s = end of slot s - 1
        return list(self.monitors.values())

    # -- running --------------------------------------------------------------------------
    def run_args(self, params: Params, codes: dict[str, RateCode], *, delta: float,
                 eta: float = 0.0, sample: SampleConfig | None = None,
                 teach_slots: int = 10, quiet: bool = True) -> dict:
        """The ``run_args`` that load a model's weights, biases and codes into the binary
        (:func:`spiking_em.spiking.loading.model_args`, where the arguments are described)."""
        return loading.model_args(self, params, codes, delta=delta, eta=eta, sample=sample,
                                  teach_slots=teach_slots, quiet=quiet)

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
            if name not in self.timed:
                if name != "idle" and np.any(arr):   # idle slots need no gate to idle
                    raise ValueError(f"the schedule has {name} slots, but this network was "
                                     "built without learning; build it with learning=...")
                continue
            args[self.timed[name]] = np.asarray(arr, dtype=np.float64)
        args[self.timed["clamp"]] = np.asarray(inputs.clamp, dtype=np.float64)
        args[self.timed["h2_init"]] = np.asarray(inputs.h2_init, dtype=np.float64)
        args.update(self.unit_model.noise_args(self.neurons, self.coded_areas, rng))
        run_s = device.run(self.directory, args)
        self.n_runs += 1
        return self._collect(run_s)

    def _collect(self, run_s: float) -> Recording:
        slot_s = self.config.slot_ms * 1e-3
        spikes, n_events = {}, 0
        if self.unit_model.emits_spikes:
            for name, src, _, trace, _ in self.pathways:
                # nudging pathways run at learn events only, the others at every spike
                counter = "n_learn" if trace == "zt" and self._learn_event else "n_spikes"
                counts = np.asarray(getattr(self.neurons[src], counter)[:])
                n_events += int(np.sum(counts[self._i[name]]))
            for area in RECORDED_SPIKES:
                t, idx = self._spike_times(area)
                units, signs = self.neuron_layout(area)
                unit, sign = units[idx], signs[idx].astype(np.int8)
                spikes[area] = (np.minimum((t / slot_s).astype(np.int64), self.config.n_slots - 1),
                                unit, sign, t)
        states = {}
        for key, mon in self.monitors.items():
            if key.startswith(("spikes_", "learn_")):
                continue
            area, var = key.split(".")
            values = np.asarray(getattr(mon, var) / b2.Hz if var == "r" else getattr(mon, var)).T
            if var == "r":   # ON minus OFF rate of each unit
                n = self.units(area)
                values = values[:, :n] - (values[:, n:] if values.shape[1] > n else 0.0)
            states[key] = values.copy()   # (n_slots, n_units)
        return Recording(spikes=spikes, states=states, run_s=run_s, n_events=n_events)

    def _spike_times(self, area: str) -> tuple[np.ndarray, np.ndarray]:
        """(time in s, neuron) of every spike of ``area`` in the last run, sample and replay
        spikes (learn events) included, in time order."""
        mon = self.monitors[f"spikes_{area}"]
        t, idx = np.asarray(mon.t[:] / b2.second), np.asarray(mon.i[:])
        learn = self.monitors.get(f"learn_{area}")
        if learn is None:
            return t, idx
        t = np.concatenate([t, np.asarray(learn.t[:] / b2.second)])
        idx = np.concatenate([idx, np.asarray(learn.i[:])])
        order = np.argsort(t, kind="stable")
        return t[order], idx[order]
