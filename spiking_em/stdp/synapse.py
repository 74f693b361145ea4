"""The STDP rule dW = eta · S_pre · dV_post/dt as a Brian2 synapse on LIF neurons.

Curve network (Fig. 1): one post-synaptic LIF neuron per trial, driven by a ramp so that its
voltage drifts with the trial's slope, plus white noise; one pre-synaptic spike at t_spike_in for
all of them. Each neuron carries a reset-free copy of its membrane (same drive, same noise,
no threshold, no reset). The rule reads that copy's derivative ``vdot_free``: the raw
membrane derivative ``vdot`` jumps at every reset (the leak term (v_inf − v)/tau_m is large and
positive just after v is reset to 0), which would potentiate post-before-pre pairings; the
network records both so the artefact can be shown. Spikes are emitted when the driven
potential crosses threshold (``v_free > 1``) with a 1 ms refractory period, so repeated firing
above threshold does not shift the spike nearest to t_spike_in.

Delta-rule network (STDP as SGD): Poisson pre-synaptic neurons at rates ∝ x, post neurons whose
voltage starts at the feed-forward value Σ_i w_ij x_i of each presentation and is pulled by
feedback towards the target y*_j; ``on_pre`` applies w += eta · learn · vdot_post and also
accumulates the unscaled sum in ``dw_sum``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import brian2 as b2
import numpy as np

from spiking_em.spiking import device
from spiking_em.stdp.ramp import DeltaRuleConfig, PairingData, RampConfig, draw_trials

RAMP_NEURON_EQS = """
dv/dt = (v_inf - v) / tau_m + noise * xi_m : 1 (unless refractory)  # membrane, reset after spikes
dv_free/dt = (v_inf - v_free) / tau_m + noise * xi_m : 1          # reset-free copy, same drive and noise
v_inf = v_at_spike_in + slope * (t - t_spike_in) + slope * tau_m : 1   # ramp drive: v tracks the ramp
vdot = (v_inf - v) / tau_m : Hz                                   # membrane derivative (jumps at resets)
vdot_free = (v_inf - v_free) / tau_m : Hz                         # derivative of the reset-free membrane
slope : Hz (constant)                                             # the trial's drift V̇
v_at_spike_in : 1 (constant)                                           # ramp value at the pre spike (< threshold)
tau_m : second (shared, constant)                                 # membrane time constant
noise : second ** -0.5 (shared, constant)                         # white-noise amplitude
t_spike_in : second (shared, constant)                                 # time of the pre-synaptic spike
"""

RULE_SYNAPSE_EQS = """
w : 1           # weight changed by the rule with the reset-free derivative
w_raw : 1       # the same rule with the raw (reset-affected) membrane derivative
eta : 1 (shared, constant)
"""
RULE_ON_PRE = """
w += eta * vdot_free_post * second
w_raw += eta * vdot_post * second
"""


@dataclass
class RampNetwork:
    """A compiled curve network and the handles needed to re-run it."""

    n_trials: int
    directory: object
    post: object
    synapses: object
    spikes: object
    config: RampConfig
    compile_s: float
    t_pre_ms: float


def build_ramp_network(config: RampConfig, *, seed: int) -> RampNetwork:
    """Build and compile the curve network for ``config.n_trials`` trials (C++ standalone)."""
    device.activate_standalone(seed)
    b2.defaultclock.dt = config.dt_ms * b2.ms
    t_in = config.window_ms * b2.ms
    post = b2.NeuronGroup(config.n_trials, RAMP_NEURON_EQS, threshold="v_free > 1",
                          reset="v = 0", refractory=1 * b2.ms, method="euler", name="post")
    pre = b2.SpikeGeneratorGroup(1, [0], [t_in], name="pre")
    syn = b2.Synapses(pre, post, RULE_SYNAPSE_EQS, on_pre=RULE_ON_PRE, name="rule")
    syn.connect(i=0, j=np.arange(config.n_trials))
    spikes = b2.SpikeMonitor(post, name="post_spikes")
    net = b2.Network(post, pre, syn, spikes)
    net.run(2 * t_in + config.dt_ms * b2.ms)
    directory = device.build_dir(f"stdp_ramp_{config.n_trials}_{config.dt_ms:g}ms_{config.window_ms:g}ms")
    compile_s = device.build(directory)
    return RampNetwork(config.n_trials, directory, post, syn, spikes, config, compile_s,
                       config.window_ms)


def run_ramp_network(net: RampNetwork, *, rng: np.random.Generator,
                     config: RampConfig | None = None) -> tuple[PairingData, dict]:
    """Run the compiled curve network with trials drawn from ``rng``; returns pairings + timings.

    ``config`` may change slopes, noise, tau_m and eta (not the trial count, window or dt,
    which are compiled in). Each pairing is the post spike nearest to t_spike_in on each side.
    """
    config = config or net.config
    if (config.n_trials, config.window_ms, config.dt_ms) != (net.n_trials, net.config.window_ms,
                                                             net.config.dt_ms):
        raise ValueError("n_trials, window_ms and dt_ms are compiled into the network; build a "
                         "new one to change them")
    slopes, v_at_spike_in = draw_trials(config, rng=rng)
    t_pre_s = net.t_pre_ms * 1e-3
    v_start = v_at_spike_in - slopes * t_pre_s
    run_args = {net.post.slope: slopes * b2.Hz, net.post.v_at_spike_in: v_at_spike_in,
                net.post.v: np.where(v_start < 1, v_start, 0.0), net.post.v_free: v_start,
                net.post.tau_m: config.tau_m_ms * b2.ms,
                net.post.noise: config.noise * b2.second ** -0.5,
                net.post.t_spike_in: net.t_pre_ms * b2.ms, net.synapses.eta: config.eta,
                net.synapses.w: np.zeros(net.n_trials), net.synapses.w_raw: np.zeros(net.n_trials)}
    run_s = device.run(net.directory, run_args)
    idx = np.asarray(net.spikes.i[:])
    rel_ms = np.asarray(net.spikes.t[:] / b2.ms) - net.t_pre_ms
    order = np.asarray(net.synapses.j[:])
    w = np.empty(net.n_trials)
    w_raw = np.empty(net.n_trials)
    w[order] = np.asarray(net.synapses.w[:])
    w_raw[order] = np.asarray(net.synapses.w_raw[:])
    nearest_after = np.full(net.n_trials, np.inf)
    nearest_before = np.full(net.n_trials, -np.inf)
    after = rel_ms >= 0
    np.minimum.at(nearest_after, idx[after], rel_ms[after])
    np.maximum.at(nearest_before, idx[~after], rel_ms[~after])
    dts, dws, raws, slopes_out = [], [], [], []
    for nearest in (nearest_after, nearest_before):
        has = np.isfinite(nearest)
        dts.append(nearest[has])
        dws.append(w[has])
        raws.append(w_raw[has])
        slopes_out.append(slopes[has])
    pairs = PairingData(np.concatenate(dts), np.concatenate(dws), np.concatenate(slopes_out))
    raw = PairingData(pairs.dt_ms, np.concatenate(raws), pairs.slope)
    return pairs, {"run_s": run_s, "raw_derivative_pairs": raw}


DELTA_PRE_EQS = """
x = x_input(t, i) : 1                       # input value of the current pattern, in [0, 1]
"""
DELTA_POST_EQS = """
dv/dt = vdot : 1                            # voltage read as the unit's output y
vdot = (y_target(t, i) - v) / tau_fb : Hz   # feedback pulls v towards the target
y_ff : 1                                    # feed-forward value sum_i w_ij x_i (set by synapses)
tau_fb : second (shared, constant)
"""
DELTA_SYNAPSE_EQS = """
w : 1
dw_sum : 1                                  # sum of vdot_post * 1 s at pre spikes (rule, unscaled)
y_ff_post = w * x_pre : 1 (summed)
eta : 1 (shared, constant)
learn : 1 (shared, constant)                # 1: apply the rule to w online; 0: only accumulate
"""
DELTA_ON_PRE = """
dw_sum += vdot_post * second
w += learn * eta * vdot_post * second
"""


@dataclass
class DeltaNetwork:
    directory: object
    pre_rates: object
    x_input: object
    y_target: object
    post: object
    synapses: object
    weight_monitor: object
    config: DeltaRuleConfig
    n_presentations: int
    compile_s: float
    pre_idx: np.ndarray
    post_idx: np.ndarray


def build_delta_network(config: DeltaRuleConfig, n_presentations: int, *, seed: int) -> DeltaNetwork:
    """Compile the one-layer network for ``n_presentations`` presentations of ``present_ms``."""
    device.activate_standalone(seed)
    b2.defaultclock.dt = config.dt_ms * b2.ms
    present = config.present_ms * b2.ms
    x_input = b2.TimedArray(np.zeros((n_presentations, config.n_in)), dt=present, name="x_input")
    y_target = b2.TimedArray(np.zeros((n_presentations, config.n_out)), dt=present, name="y_target")
    pre = b2.NeuronGroup(config.n_in, DELTA_PRE_EQS, threshold="rand() < x * max_rate * dt",
                         namespace={"x_input": x_input, "max_rate": config.max_rate_hz * b2.Hz},
                         name="pre")
    post = b2.NeuronGroup(config.n_out, DELTA_POST_EQS, method="euler",
                          namespace={"y_target": y_target}, name="post")
    syn = b2.Synapses(pre, post, DELTA_SYNAPSE_EQS, on_pre=DELTA_ON_PRE, name="rule")
    # explicit all-to-all order: standalone indices are not readable before the first run
    pre_idx, post_idx = (a.ravel() for a in np.meshgrid(np.arange(config.n_in),
                                                        np.arange(config.n_out), indexing="ij"))
    syn.connect(i=pre_idx, j=post_idx)
    # each presentation starts from the feed-forward value of the current weights; "groups",
    # order 10 runs after the summed-variable update of y_ff for the new pattern
    post.run_regularly("v = y_ff", dt=present, when="groups", order=10, name="present")
    weights = b2.StateMonitor(syn, "w", record=np.arange(config.n_in * config.n_out), dt=present,
                              when="start", name="w_monitor")
    net = b2.Network(pre, post, syn, weights)
    net.run(n_presentations * present)
    directory = device.build_dir(f"stdp_delta_{config.n_in}x{config.n_out}_{n_presentations}")
    compile_s = device.build(directory)
    return DeltaNetwork(directory, pre, x_input, y_target, post, syn, weights, config,
                        n_presentations, compile_s, pre_idx, post_idx)


def run_delta_network(net: DeltaNetwork, x_sequence: np.ndarray, y_sequence: np.ndarray,
                      w0: np.ndarray, *, learn: bool) -> dict:
    """Present ``x_sequence[k]`` with target ``y_sequence[k]`` for k = 0..n-1 in one run.

    Returns final weights (n_in, n_out), the summed rule updates, weights at every presentation
    onset (n_presentations, n_in, n_out) and the run time.
    """
    cfg = net.config
    if x_sequence.shape != (net.n_presentations, cfg.n_in):
        raise ValueError(f"x_sequence must have shape {(net.n_presentations, cfg.n_in)}, got "
                         f"{x_sequence.shape}")
    if y_sequence.shape != (net.n_presentations, cfg.n_out):
        raise ValueError(f"y_sequence must have shape {(net.n_presentations, cfg.n_out)}, got "
                         f"{y_sequence.shape}")
    ii, jj = net.pre_idx, net.post_idx
    run_args = {net.x_input: x_sequence, net.y_target: y_sequence, net.synapses.w: w0[ii, jj],
                net.synapses.dw_sum: np.zeros(ii.size), net.synapses.eta: cfg.eta,
                net.synapses.learn: float(learn), net.post.tau_fb: cfg.tau_fb_ms * b2.ms}
    t0 = time.perf_counter()
    device.run(net.directory, run_args)
    run_s = time.perf_counter() - t0

    def as_matrix(values):
        m = np.zeros((cfg.n_in, cfg.n_out))
        m[ii, jj] = values
        return m

    history = np.asarray(net.weight_monitor.w[:])  # (n_synapses, n_presentations)
    w_hist = np.zeros((history.shape[1], cfg.n_in, cfg.n_out))
    w_hist[:, ii, jj] = history.T
    return {"w": as_matrix(np.asarray(net.synapses.w[:])),
            "dw_sum": as_matrix(np.asarray(net.synapses.dw_sum[:])),
            "w_history": w_hist, "run_s": run_s}
