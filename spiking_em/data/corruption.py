"""Corruption processes for denoising training: Gaussian, average-of-k Bernoulli, Poisson-rate.

Each corruption is a frozen settings record with ``apply(values, rng=...)`` returning a new
array (the input is never modified). The Poisson-rate quantizer treats a unit's value as a
firing rate ``rate = gain_hz * value`` (Hz), counts Poisson spikes in a window of ``window_s``
seconds, and maps the count back: ``count / (gain_hz * window_s)``. Its mean is the value and its
variance is ``value / (gain_hz * window_s)``: the window (or equivalently the number of
redundant neurons in an ensemble) is the noise knob. A value of 0 fires nothing and is never
corrupted (the black background of a digit); a ``baseline`` (in value units) makes every unit
fire at ``gain_hz * (value + baseline)`` and subtracts it again after counting, so zeros are
corrupted too (mean still the value, variance ``(value + baseline) / (gain_hz * window_s)``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from spiking_em.validation import check_nonnegative, check_positive, check_positive_int

KINDS = ("none", "gaussian", "bernoulli", "poisson")


@dataclass(frozen=True)
class Corruption:
    """Settings of one corruption process.

    Parameters
    ----------
    kind : {"none", "gaussian", "bernoulli", "poisson"}
    sigma : standard deviation of additive Gaussian noise (units of the layer's values).
    k : number of Bernoulli samples averaged (values must be probabilities in [0, 1]).
    gain_hz : firing rate in Hz that represents a value of 1 (Poisson-rate quantization).
    window_s : spike-counting window in seconds (Poisson-rate quantization).
    baseline : value added to every unit's rate before counting and subtracted after
        (Poisson-rate quantization; 0: silent units stay exactly 0).
    """

    kind: str = "none"
    sigma: float = 0.0
    k: int = 3
    gain_hz: float = 100.0
    window_s: float = 0.1
    baseline: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"corruption kind must be one of {KINDS}, got {self.kind!r}")
        check_nonnegative("sigma", self.sigma)
        check_positive_int("k", self.k)
        check_positive("gain_hz", self.gain_hz)
        check_positive("window_s", self.window_s)
        check_nonnegative("baseline", self.baseline)

    @classmethod
    def gaussian(cls, sigma: float) -> "Corruption":
        return cls(kind="gaussian", sigma=sigma)

    @classmethod
    def bernoulli(cls, k: int = 3) -> "Corruption":
        return cls(kind="bernoulli", k=k)

    @classmethod
    def poisson(cls, gain_hz: float, window_s: float, baseline: float = 0.0) -> "Corruption":
        return cls(kind="poisson", gain_hz=gain_hz, window_s=window_s, baseline=baseline)

    @classmethod
    def from_dict(cls, d: dict) -> "Corruption":
        return cls(**d)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def parse(cls, text: str) -> "Corruption":
        """From the CLI form ``none``, ``gaussian:SIGMA``, ``bernoulli:K`` or
        ``poisson:GAIN_HZ:WINDOW_S[:BASELINE]`` (e.g. ``poisson:100:0.05``)."""
        kind, *args = text.strip().split(":")
        expected = {"none": (0,), "gaussian": (1,), "bernoulli": (1,), "poisson": (2, 3)}
        if kind not in expected or len(args) not in expected[kind]:
            raise ValueError(f"corruption {text!r} not understood; use none, gaussian:SIGMA, "
                             "bernoulli:K or poisson:GAIN_HZ:WINDOW_S[:BASELINE]")
        try:
            if kind == "gaussian":
                return cls.gaussian(float(args[0]))
            if kind == "bernoulli":
                return cls.bernoulli(int(args[0]))
            if kind == "poisson":
                return cls.poisson(*(float(a) for a in args))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"corruption {text!r}: {exc}") from None
        return cls()

    def describe(self) -> str:
        if self.kind == "gaussian":
            return f"gaussian(sigma={self.sigma:g})"
        if self.kind == "bernoulli":
            return f"bernoulli-mean-of-{self.k}"
        if self.kind == "poisson":
            base = f", baseline={self.baseline:g}" if self.baseline else ""
            return f"poisson(gain={self.gain_hz:g} Hz, T={self.window_s * 1e3:g} ms{base})"
        return "none"

    def apply(self, values: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Return a corrupted copy of ``values`` (same shape and dtype).

        Inferred states can leave their map's range slightly (INFERENCE adds increments), so
        Bernoulli clips its input to [0, 1] and Poisson clips negative rates to 0.
        """
        if self.kind == "none":
            return np.array(values, copy=True)
        if self.kind == "gaussian":
            return gaussian(values, self.sigma, rng=rng)
        if self.kind == "bernoulli":
            return bernoulli_average(np.clip(values, 0, 1), self.k, rng=rng)
        return poisson_rate(np.maximum(values, 0), gain_hz=self.gain_hz, window_s=self.window_s,
                            rng=rng, baseline=self.baseline)


def gaussian(values: np.ndarray, sigma: float, *, rng: np.random.Generator) -> np.ndarray:
    """values + N(0, sigma^2) noise, elementwise; sigma = 0 returns an exact copy."""
    values = np.asarray(values)
    sigma = check_nonnegative("sigma", sigma)
    if sigma == 0:
        return values.copy()
    noise = rng.standard_normal(values.shape, dtype=np.float32 if values.dtype == np.float32
                                else np.float64)
    return (values + sigma * noise).astype(values.dtype, copy=False)


def bernoulli_average(probabilities: np.ndarray, k: int, *, rng: np.random.Generator) -> np.ndarray:
    """Mean of ``k`` Bernoulli(p) samples per element: a spike-like corruption of p in [0, 1].

    Mean p, variance p(1 - p) / k. Used by the paper for the top sigmoid layer (k = 3).
    """
    p = np.asarray(probabilities)
    k = check_positive_int("k", k)
    if p.size and (p.min() < 0 or p.max() > 1 or not np.all(np.isfinite(p))):
        raise ValueError("bernoulli_average needs probabilities in [0, 1], got values in "
                         f"[{np.nanmin(p):.4g}, {np.nanmax(p):.4g}]")
    counts = rng.binomial(k, p)
    return (counts / k).astype(p.dtype if p.dtype.kind == "f" else np.float64)


def poisson_rate(values: np.ndarray, *, gain_hz: float, window_s: float,
                 rng: np.random.Generator, baseline: float = 0.0) -> np.ndarray:
    """Poisson-rate quantization: spike count of rate ``gain_hz * (value + baseline)`` in
    ``window_s``, rescaled, minus the baseline.

    Parameters
    ----------
    values : array of non-negative unit values (sigmoid or softplus outputs).
    gain_hz : rate in Hz that encodes a value of 1.
    window_s : counting window in seconds.
    baseline : value units added to every rate (a spontaneous rate of ``gain_hz * baseline``
        Hz) and subtracted from the decoded count.

    Returns
    -------
    Array of ``count / (gain_hz * window_s) - baseline``: mean ``values``, variance
    ``(values + baseline) / (gain_hz * window_s)``. Without a baseline a value of 0 gives
    exactly 0 (no spikes).
    """
    v = np.asarray(values)
    gain_hz = check_positive("gain_hz", gain_hz)
    window_s = check_positive("window_s", window_s)
    if v.size and (v.min() < 0 or not np.all(np.isfinite(v))):
        raise ValueError("poisson_rate needs finite non-negative values (firing rates), got "
                         f"minimum {np.nanmin(v):.4g}")
    baseline = check_nonnegative("baseline", baseline)
    expected_count = gain_hz * window_s
    counts = rng.poisson((v + baseline) * expected_count)
    return (counts / expected_count - baseline).astype(v.dtype if v.dtype.kind == "f"
                                                       else np.float64)
