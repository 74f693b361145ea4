"""The two unit models of the area network, chosen once per network: LIF neurons or rate units.

:class:`LIFUnits` (the ``"spiking"`` variant): the visible area's neurons are Poisson spike
trains at their pixel's rate, every other area's are noise-free LIF neurons with reset by
subtraction, and every pathway jumps its target trace by ``w`` at each presynaptic spike.

:class:`RateUnits` (the ``"rate"`` variant): every neuron is replaced by a rate unit whose
output is the fitted LIF curve at its current, and every spike-driven jump by the rate it
stands for (a summed variable ``w * r_pre``). The dendrites, filters and schedule are the same.

:class:`PoissonUnits` (the ``"stochastic"`` variant): the same areas, but every coded neuron
fires as an inhomogeneous Poisson process (escape noise without memory) at the rate the LIF
neuron would have at its current (the fitted LIF curve), so that its counts have a Fano factor
of about 1 instead of the sigma-delta LIF's near-zero one. Everything else (dendrites,
pathways, codes, schedule, read-out) is the LIF variant's.

All expose the same operations to :class:`spiking_em.spiking.areas.AreaNetwork`: time steps,
neuron groups, their periodic operations, synapses, the per-run noise, and what to record.
"""
from __future__ import annotations

import brian2 as b2
import numpy as np

from spiking_em.spiking.equations import AT_RESET, TRACE_INPUT
from spiking_em.spiking.replay import (
    LEARN_EVENT,
    LEARN_REFRACTORY_RESET,
    LIF_REPLAY_RESET,
    REPLAY_EQS,
    REPLAY_REFRACTORY,
    REPLAY_RESET,
    infer_threshold,
    learn_condition,
    one_event_threshold,
)
from spiking_em.spiking.transfer import LIF_RESET, LIF_THRESHOLD, RATE_EXPRESSION

#: the visible area's neurons: Poisson spike trains at their pixel's rate
POISSON_NEURON_EQS = """
r_d : Hz (linked)                        # the pixel's rate, from the dendrite
phase : 1 (constant)                     # per-run offset of the uniform stream
n_spikes : 1                             # spikes in this run (counted by the reset)
"""
#: dark pixels (most of a digit) skip the random draw
POISSON_THRESHOLD = "r_d > 0 * Hz and (rand() + phase) % 1.0 < r_d * dt"
#: a visible area with OFF neurons (``TeachingConfig.pixel_off``): ON neurons fire at the
#: pixel's rate, OFF neurons at none, and in sample slots both add the baseline's rate
POISSON_OFF_EQS = """
on : 1 (constant)                        # 1: ON neuron (the pixel's rate), 0: OFF neuron
r_base : Hz (constant)                   # the sample's baseline rate, rho gain b
r_x = r_d * on + r_base * g_sample_n : Hz   # this neuron's rate
"""
POISSON_OFF_THRESHOLD = "r_x > 0 * Hz and (rand() + phase) % 1.0 < r_x * dt"
SPIKE_COUNT = "n_spikes += 1"
LIF_NEURON_EQS = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)   # membrane (threshold 1, reset by subtraction)
n_spikes : 1                                      # spikes in this run (counted by the reset)
I : 1                                             # current, copied every dendrite step
I_on_d : 1 (linked)                               # the dendrite's ON current
v_rest : 1 (constant)                             # this neuron's resting potential, below threshold
v_phase : 1 (constant)                            # per-run offset of the uniform stream
v_draw : 1                                        # this slot's uniform draw
"""
#: at presentation starts every membrane is set to an independent uniform value, and a neuron
#: whose polarity is silent relaxes to its own resting potential (uniform below V_REST_MAX):
#: neurons do not all restart their regular spike trains in phase. Every neuron draws at every
#: slot start, refractory or not, so that the binary's random stream (shared by all groups)
#: does not depend on which neurons fired: silencing an area changes no other area's draws
V_REST_MAX = 0.95
LIF_PHASE_CODE = "\n".join([
    "v_draw = (rand() + v_phase) % 1.0",
    # a presentation start also ends refractoriness: every neuron restarts from its draw
    f"lastspike = lastspike + (-10000 * second - lastspike) * {AT_RESET}",
    f"not_refractory = not_refractory or {AT_RESET} > 0.5",
    f"v = v + (v_draw - v) * {AT_RESET}"])
#: the drive, or this neuron's resting current when its polarity is silent
LIF_CURRENT_CODE = "I = I_drive + int(I_drive <= 0) * v_rest"

STOCHASTIC_NEURON_EQS = """
r : Hz                                            # the fitted LIF curve at I (set every step)
I : 1                                             # current, copied every dendrite step
I_on_d : 1 (linked)                               # the dendrite's ON current
n_spikes : 1                                      # spikes in this run (counted by the reset)
u_phase : 1 (constant)                            # per-run offset of the uniform stream
"""
#: a spike with probability r dt per step; the per-run offset makes re-runs of the compiled
#: binary (whose own random stream is fixed at compile time) draw different spike trains
STOCHASTIC_THRESHOLD = "r > 0 * Hz and (rand() + u_phase) % 1.0 < r * dt"
STOCHASTIC_RATE_CODE = "I = I_drive\nr = " + "{rate}"

RATE_INPUT_EQS = """
r : Hz                                   # rate variant of the Poisson input: the pixel's rate
r_d : Hz (linked)
"""
RATE_NEURON_EQS = """
r : Hz                                            # the fitted LIF curve at I (set every step)
I = I_drive : 1
I_on_d : 1 (linked)
"""
RATE_CURRENT_CODE = f"r = {RATE_EXPRESSION}"
RATE_INPUT_CODE = "r = r_d"

#: current of an ON-only neuron / of a neuron of either polarity
CURRENT_ON = "I_drive = I_on_d : 1\n"
CURRENT_SIGNED = """
I_drive = on * I_on_d + (1 - on) * I_off_d : 1    # the current of this neuron's polarity
I_off_d : 1 (linked)
on : 1 (constant)                                 # 1: ON neuron, 0: OFF neuron
"""


def _current_eqs(signed: bool) -> b2.Equations:
    return b2.Equations(CURRENT_SIGNED if signed else CURRENT_ON)


def _spiking_group(n: int, eqs, threshold: str, reset: str, name: str, namespace: dict, *,
                   replay: bool, learn_event: bool = True, replay_reset: str | None = None,
                   refractory=None, method=None) -> b2.NeuronGroup:
    """A spiking neuron group; with ``replay`` it also counts its sample and replays it in
    teaching slots (:mod:`spiking_em.spiking.replay`), as ``learn`` events (with
    ``learn_event``) or as spikes, resetting by ``replay_reset`` (default ``reset``) there."""
    eqs = b2.Equations(eqs) if isinstance(eqs, str) else eqs
    kw = {} if method is None else {"method": method}
    learn = None
    if replay:
        eqs = eqs + b2.Equations(REPLAY_EQS)
        kw["method"] = method or "euler"
        replay_reset = (reset if replay_reset is None else replay_reset) + "\n" + REPLAY_RESET
        if learn_event:
            learn = learn_condition(threshold, refractory is not None)
            threshold = infer_threshold(threshold)
            kw["events"] = {LEARN_EVENT: learn}
            if refractory is not None:
                replay_reset += "\n" + LEARN_REFRACTORY_RESET
        else:   # one event: sample and replay spikes are spikes, reset by replay_reset
            threshold, reset = one_event_threshold(threshold), replay_reset
        if refractory is not None:
            namespace = {**namespace, "t_refractory": refractory}
            refractory = REPLAY_REFRACTORY
    if refractory is not None:
        kw["refractory"] = refractory
    group = b2.NeuronGroup(n, eqs, threshold=threshold, reset=reset,
                           namespace=namespace, name=name, **kw)
    if learn is not None:
        group.run_on_event(LEARN_EVENT, replay_reset)
    return group


class LIFUnits:
    """LIF neurons and Poisson pixels; synapses jump traces by w = sign W / (gain_pre tau_syn)."""

    name = "spiking"
    emits_spikes = True

    def dt_ms(self, config) -> float:
        return config.lif.dt_ms

    def dendrite_dt_ms(self, config) -> float:
        return config.dendrite_dt_ms

    def input_group(self, n: int, namespace: dict, *, replay: bool = False,
                    learn_event: bool = True, off: bool = False) -> b2.NeuronGroup:
        """The visible area's Poisson neurons; with ``off`` (a replaying area only) the first
        half are ON neurons and the second half OFF neurons that fire the sample's
        baseline."""
        if off and not replay:
            raise ValueError("OFF pixel neurons carry the sample's baseline: only a "
                             "learning network's replaying X has them")
        eqs = POISSON_NEURON_EQS + (POISSON_OFF_EQS if off else "")
        return _spiking_group(n, eqs, POISSON_OFF_THRESHOLD if off else POISSON_THRESHOLD,
                              SPIKE_COUNT, "X_neurons", namespace, replay=replay,
                              learn_event=learn_event)

    def coded_group(self, area: str, n: int, signed: bool, namespace: dict,
                    config, *, replay: bool = False, learn_event: bool = True) -> b2.NeuronGroup:
        return _spiking_group(n, b2.Equations(LIF_NEURON_EQS) + _current_eqs(signed),
                              LIF_THRESHOLD, LIF_RESET + "\n" + SPIKE_COUNT,
                              f"{area}_neurons", namespace, replay=replay,
                              learn_event=learn_event,
                              replay_reset=LIF_REPLAY_RESET + "\n" + SPIKE_COUNT,
                              refractory=config.lif.refractory_ms * b2.ms, method="euler")

    def operations(self, area: str, group, *, coded: bool, slot, dendrite_dt) -> list:
        if not coded:
            return []
        return [group.run_regularly(LIF_PHASE_CODE, dt=slot, when="start", name=f"{area}_phase"),
                group.run_regularly(LIF_CURRENT_CODE, dt=dendrite_dt, when="before_groups",
                                    order=1, name=f"{area}_current")]

    def pathway(self, source, target, trace: str, name: str, namespace: dict) -> b2.Synapses:
        return b2.Synapses(source, target, "w : 1", on_pre=f"{trace}_post += w",
                           namespace=namespace, name=name)

    def weight_scale(self, config) -> float:
        """Divisor of sign W / gain_pre: a spike carries the share tau_syn of a second's rate."""
        return config.tau_syn_ms * 1e-3

    weight_unit = 1

    def noise_args(self, neurons: dict, coded_areas, rng: np.random.Generator) -> dict:
        """This run's Poisson phases, initial membrane phases and resting potentials."""
        args = {neurons["X"].phase: rng.random(len(neurons["X"]))}
        for area in coded_areas:
            n = len(neurons[area])
            args[neurons[area].v_phase] = rng.random(n)
            args[neurons[area].v_rest] = V_REST_MAX * rng.random(n)
        return args

    def monitors(self, neurons: dict, recorded, slot) -> dict:
        return {f"spikes_{area}": b2.SpikeMonitor(neurons[area], name=f"spikes_{area}")
                for area in recorded}


class RateUnits:
    """Rate units with the fitted LIF curve; synapses write w * r_pre with w = sign W / gain_pre."""

    name = "rate"
    emits_spikes = False

    def dt_ms(self, config) -> float:
        return config.rate_dt_ms

    def dendrite_dt_ms(self, config) -> float:
        return config.rate_dt_ms

    def input_group(self, n: int, namespace: dict, *, replay: bool = False,
                    learn_event: bool = True, off: bool = False) -> b2.NeuronGroup:
        if off:
            raise ValueError("rate units do not learn: they have no OFF pixel neurons")
        return b2.NeuronGroup(n, RATE_INPUT_EQS, namespace=namespace, name="X_neurons")

    def coded_group(self, area: str, n: int, signed: bool, namespace: dict,
                    config, *, replay: bool = False, learn_event: bool = True) -> b2.NeuronGroup:
        return b2.NeuronGroup(n, b2.Equations(RATE_NEURON_EQS) + _current_eqs(signed),
                              method="euler", namespace=namespace, name=f"{area}_neurons")

    def operations(self, area: str, group, *, coded: bool, slot, dendrite_dt) -> list:
        code = RATE_CURRENT_CODE if coded else RATE_INPUT_CODE
        return [group.run_regularly(code, dt=dendrite_dt, when="before_groups", order=1,
                                    name=f"{area}_current")]

    def pathway(self, source, target, trace: str, name: str, namespace: dict) -> b2.Synapses:
        model = f"w : second\n{TRACE_INPUT[trace]}_post = w * r_pre : 1 (summed)"
        return b2.Synapses(source, target, model, namespace=namespace, name=name)

    def weight_scale(self, config) -> float:
        return 1.0

    weight_unit = b2.second

    def noise_args(self, neurons: dict, coded_areas, rng: np.random.Generator) -> dict:
        return {}

    def monitors(self, neurons: dict, recorded, slot) -> dict:
        """The rates of the read areas at every slot start (before the reset)."""
        return {f"{area}.r": b2.StateMonitor(neurons[area], "r", record=True, dt=slot,
                                             when="start", order=-1, name=f"state_{area}_r")
                for area in ("H1", "H2", "XR")}


class PoissonUnits(LIFUnits):
    """Inhomogeneous-Poisson neurons at the LIF curve's rate; spikes drive synapses like LIF's."""

    name = "stochastic"

    def coded_group(self, area: str, n: int, signed: bool, namespace: dict,
                    config, *, replay: bool = False, learn_event: bool = True) -> b2.NeuronGroup:
        return _spiking_group(n, b2.Equations(STOCHASTIC_NEURON_EQS) + _current_eqs(signed),
                              STOCHASTIC_THRESHOLD, SPIKE_COUNT, f"{area}_neurons", namespace,
                              replay=replay, learn_event=learn_event)

    def operations(self, area: str, group, *, coded: bool, slot, dendrite_dt) -> list:
        if not coded:
            return []
        code = STOCHASTIC_RATE_CODE.format(rate=RATE_EXPRESSION)
        return [group.run_regularly(code, dt=dendrite_dt, when="before_groups", order=1,
                                    name=f"{area}_current")]

    def noise_args(self, neurons: dict, coded_areas, rng: np.random.Generator) -> dict:
        """This run's offsets of the pixels' and the coded neurons' uniform streams."""
        args = {neurons["X"].phase: rng.random(len(neurons["X"]))}
        for area in coded_areas:
            args[neurons[area].u_phase] = rng.random(len(neurons[area]))
        return args


UNIT_MODELS = {"spiking": LIFUnits, "rate": RateUnits, "stochastic": PoissonUnits}
VARIANTS = tuple(UNIT_MODELS)
