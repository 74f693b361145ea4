"""The LIF rate-current curve: measured in Brian2, compared with theory, fitted, and inverted.

A spiking area represents a rate-model value by its firing rate, so each population's
nonlinearity is matched to the rate model's (softplus or sigmoid) through the neurons'
rate-current curve: the area computes the value it must represent, and its neurons receive the
current that the *inverse* of their measured, fitted curve assigns to the wanted rate.

The neurons are noise-free LIF units (rest 0, threshold 1, currents in units of the threshold)
with **reset by subtraction** (``v -= 1``). Reset to zero discards the overshoot above
threshold, so on a 0.2 ms grid a neuron with constant drive can only fire at 1 / (k dt):
185, 192, 200 or 208 Hz near 200 Hz. Subtraction keeps the overshoot, the spike count tracks
the integrated drive (a sigma-delta quantizer), and the curve is smooth. It is fitted by the
LIF formula itself, with the threshold theta = 1 fixed and two effective parameters,

    r(I) = 1 / (t_ref + tau ln(I / (I - theta)))   for I > theta, else 0,

whose inverse is one exponential, I = theta / (1 - exp(-(1/r - t_ref) / tau)): the areas
evaluate it for every unit and polarity each millisecond. The threshold is not fitted: near it
the curve is logarithmic (5.4 Hz at I = 1.0001), and a fitted theta of 1.0005 would turn
every wanted rate below 6 Hz into 6.4 Hz. In double precision the inverse reaches I = 1 (no
spike at all) for wanted rates below about 1.4 Hz.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import brian2 as b2
import numpy as np
from scipy.optimize import curve_fit

from spiking_em.atomic import write_json
from spiking_em.spiking import device
from spiking_em.validation import check_nonnegative, check_positive

LIF_EQS = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)   # membrane, in units of the threshold
I : 1 (constant)                                  # input current, in units of the threshold
tau_m : second (shared, constant)                 # membrane time constant
"""
LIF_THRESHOLD = "v > 1"
LIF_RESET = "v -= 1"   # reset by subtraction: the overshoot carries over to the next interval

#: Brian2 expression: the current that makes a fitted neuron fire at ``rate`` (0 when silent);
#: the names ``theta_fit``, ``t_fit``, ``tau_fit``, ``r_min`` and ``r_max`` come from
#: :meth:`TransferFit.namespace`
DRIVE_EXPRESSION = ("int({rate} > r_min) * theta_fit / "
                    "(1 - exp(-(1 / clip({rate}, r_min, r_max) - t_fit) / tau_fit))")
#: Brian2 expression: the fitted rate of a neuron with current ``I`` (0 at or below theta)
RATE_EXPRESSION = ("int(I > theta_fit) / (t_fit + tau_fit * log((I + int(I <= theta_fit)) / "
                   "(I - theta_fit + int(I <= theta_fit) * (theta_fit + 1))))")


@dataclass(frozen=True)
class LIFParams:
    """Membrane time constant, refractory period and time step (ms)."""

    tau_m_ms: float = 20.0
    refractory_ms: float = 2.0
    dt_ms: float = 0.2

    def __post_init__(self):
        check_positive("tau_m_ms", self.tau_m_ms)
        check_nonnegative("refractory_ms", self.refractory_ms)
        check_positive("dt_ms", self.dt_ms)


def lif_rate_theory(current, params: LIFParams = LIFParams()) -> np.ndarray:
    """Continuous-time LIF rate (Hz): 0 for I <= 1, else 1 / (t_ref + tau ln(I / (I - 1)))."""
    return lif_formula(current, params.refractory_ms * 1e-3, params.tau_m_ms * 1e-3, 1.0)


def lif_formula(current, t_ref_s: float, tau_s: float, theta: float) -> np.ndarray:
    """r(I) = 1 / (t_ref + tau ln(I / (I - theta))) for I > theta, else 0 (Hz)."""
    current = np.asarray(current, dtype=float)
    rate = np.zeros_like(current)
    above = current > theta
    rate[above] = 1 / (t_ref_s + tau_s * np.log(current[above] / (current[above] - theta)))
    return rate


def measure_rate_current(currents, *, params: LIFParams = LIFParams(), duration_s: float = 4.0,
                         seed: int = 0) -> dict:
    """Firing rate (Hz) of one LIF neuron per current, simulated in C++ standalone."""
    currents = np.asarray(currents, dtype=float)
    if currents.ndim != 1 or currents.size == 0:
        raise ValueError(f"currents must be a non-empty 1-d array, got shape {currents.shape}")
    check_positive("duration_s", duration_s)
    device.activate_standalone(seed)
    b2.defaultclock.dt = params.dt_ms * b2.ms
    group = b2.NeuronGroup(currents.size, LIF_EQS, threshold=LIF_THRESHOLD, reset=LIF_RESET,
                           refractory=params.refractory_ms * b2.ms, method="euler", name="lif")
    spikes = b2.SpikeMonitor(group, record=False, name="counts")
    net = b2.Network(group, spikes)
    net.run(duration_s * b2.second)
    directory = device.build_dir(f"transfer_{currents.size}_{params.dt_ms:g}ms_{duration_s:g}s")
    compile_s = device.build(directory)
    run_s = device.run(directory, {group.I: currents, group.tau_m: params.tau_m_ms * b2.ms})
    rates = np.asarray(spikes.count[:]) / duration_s
    device.reset()
    return {"current": currents, "rate_hz": rates, "params": asdict(params),
            "duration_s": duration_s, "seed": seed, "compile_s": compile_s, "run_s": run_s}


@dataclass(frozen=True)
class TransferFit:
    """Effective LIF parameters of a measured curve and its worst error over the fit (Hz)."""

    t_ref_s: float
    tau_s: float
    theta: float
    max_error_hz: float

    def rate(self, current) -> np.ndarray:
        """Fitted rate (Hz) at each current."""
        return lif_formula(current, self.t_ref_s, self.tau_s, self.theta)

    def current_for_rate(self, rate_hz) -> np.ndarray:
        """Inverse of :meth:`rate` on (0, 1 / t_ref): the current giving each rate."""
        rate_hz = np.atleast_1d(np.asarray(rate_hz, dtype=float))
        if np.any(rate_hz <= 0) or np.any(rate_hz >= 1 / self.t_ref_s):
            raise ValueError(f"current_for_rate needs rates in (0, {1 / self.t_ref_s:.0f}) Hz, "
                             f"got {rate_hz.min():g} to {rate_hz.max():g}")
        return self.theta / (1 - np.exp(-(1 / rate_hz - self.t_ref_s) / self.tau_s))

    def namespace(self, r_min_hz: float, r_max_hz: float) -> dict:
        """Brian2 constants for :data:`DRIVE_EXPRESSION` and :data:`RATE_EXPRESSION`."""
        if r_max_hz >= 1 / self.t_ref_s:
            raise ValueError(f"r_max_hz = {r_max_hz} is beyond the neurons' limit "
                             f"1 / t_ref = {1 / self.t_ref_s:.0f} Hz")
        return {"theta_fit": self.theta, "t_fit": self.t_ref_s * b2.second,
                "tau_fit": self.tau_s * b2.second, "r_min": r_min_hz * b2.Hz,
                "r_max": r_max_hz * b2.Hz}


def fit_transfer(current, rate_hz, *, theta: float = 1.0) -> TransferFit:
    """Least-squares fit of :func:`lif_formula` (t_ref and tau; the threshold ``theta`` is the
    neurons' own) to the firing part of a measured curve."""
    current, rate_hz = np.asarray(current, float), np.asarray(rate_hz, float)
    firing = rate_hz > 0
    if current.shape != rate_hz.shape or firing.sum() < 5:
        raise ValueError("fit_transfer needs matching current and rate arrays with >= 5 "
                         "firing points")
    popt, _ = curve_fit(lambda i, t_ref, tau: lif_formula(i, t_ref, tau, theta),
                        current[firing], rate_hz[firing], p0=[2e-3, 20e-3],
                        bounds=([0, 1e-3], [20e-3, 0.2]))
    err = float(np.max(np.abs(lif_formula(current, *popt, theta) - rate_hz)))
    return TransferFit(float(popt[0]), float(popt[1]), float(theta), max_error_hz=err)


#: the highest rate a coded neuron is driven to (Hz): the area network's default, and the top
#: of the measured curve (:class:`spiking_em.spiking.wiring.NetworkConfig` uses it)
R_MAX_HZ = 400.0


def fitted_transfer(params: LIFParams = LIFParams(), *, r_max_hz: float = R_MAX_HZ,
                    duration_s: float = 4.0, seed: int = 0) -> tuple[TransferFit, dict]:
    """Measure the rate-current curve up to ``1.1 * r_max_hz`` and fit it; cached on disk.

    The currents span from below threshold to the continuous-time current of
    ``1.1 * r_max_hz``; the fit and the measurement are stored as JSON in the Brian2 cache
    (keyed by the LIF parameters), so a network build measures its neurons once per machine.

    Returns
    -------
    (fit, measurement dict with "current", "rate_hz" and the fit).
    """
    check_positive("r_max_hz", r_max_hz)
    key = (f"subtract_theta1_tau{params.tau_m_ms:g}_ref{params.refractory_ms:g}_dt{params.dt_ms:g}_"
           f"rmax{r_max_hz:g}_T{duration_s:g}_seed{seed}")
    path = device.cache_dir("transfer_fits") / f"{key}.json"
    if path.is_file():
        saved = json.loads(path.read_text())
        return TransferFit(**saved["fit"]), saved
    # currents up to the continuous-time current of 1.1 r_max (one Euler step must charge the
    # membrane by less than 0.8 of threshold, or the discrete neuron stops being an LIF)
    i_step_max = 0.8 * params.tau_m_ms / params.dt_ms
    isi = 1 / (1.1 * r_max_hz) - params.refractory_ms * 1e-3
    i_top = 1 / (1 - np.exp(-isi / (params.tau_m_ms * 1e-3))) if isi > 0 else np.inf
    if not i_top < i_step_max:
        raise ValueError(f"r_max_hz = {r_max_hz} needs currents beyond what a {params.dt_ms} ms "
                         f"step resolves with a {params.refractory_ms} ms refractory period")
    # dense near the threshold, where the curve is logarithmic, then geometric up to i_top
    currents = np.concatenate([np.linspace(0.5, 1.0, 10, endpoint=False),
                               1 + np.geomspace(1e-4, 2.0, 80, endpoint=False),
                               np.geomspace(3.0, i_top, 70) if i_top > 3.0 else []])
    currents = currents[currents <= i_top]
    measured = measure_rate_current(currents, params=params, duration_s=duration_s, seed=seed)
    fit = fit_transfer(measured["current"], measured["rate_hz"])
    if fit.max_error_hz > 0.02 * r_max_hz:
        raise RuntimeError(f"the LIF formula fits the measured curve only within "
                           f"{fit.max_error_hz:.1f} Hz; check the neuron parameters")
    saved = {"fit": asdict(fit), "current": measured["current"].tolist(),
             "rate_hz": measured["rate_hz"].tolist(), "params": asdict(params),
             "duration_s": duration_s, "seed": seed}
    write_json(path, saved)
    return fit, saved
