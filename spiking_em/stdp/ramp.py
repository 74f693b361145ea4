"""Fig. 1 of the paper: the STDP curve from the rule dW_ij ∝ S_i · dV_j/dt, and STDP acting as SGD.

Curve (Sec. 2). Around a pre-synaptic spike at t = 0 the post-synaptic voltage drifts with a
locally constant slope V̇ (the average effect of the neuron's other inputs) plus membrane noise,
and is below threshold at t = 0. A depolarising drift makes the neuron fire after the pre spike
(ΔT > 0) with a weight change ∝ V̇ > 0, sooner for larger V̇; a hyperpolarising drift means the
neuron was above threshold, and fired, before the pre spike (ΔT < 0, ΔW < 0). Averaging ΔW per
ΔT bin gives the STDP window; its decay is set by the spread of slopes and starting voltages.

SGD (Sec. 2, last paragraph). If feedback moves each post-synaptic voltage towards a target,
V̇_j ∝ (y*_j − y_j), then summing S_i V̇_j over Poisson pre spikes at rates ∝ x_i gives, in
expectation, ∝ x_i (y*_j − y_j): the delta rule, i.e. SGD on the squared error.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import curve_fit

from spiking_em.validation import check_nonnegative, check_positive, check_positive_int

BI_POO_TAU_PLUS_MS = 16.8
BI_POO_TAU_MINUS_MS = 33.7


@dataclass(frozen=True)
class RampConfig:
    """Settings of the ramp simulation (voltages are dimensionless, threshold 1, rest 0).

    n_trials : number of independent trials (one pre spike each, at t = 0).
    window_ms : half-width of the simulated window around the pre spike.
    dt_ms : time step.
    slope_min, slope_max : |V̇| is log-uniform in [slope_min, slope_max] (1/s); signs are ±
        with equal probability.
    noise : amplitude of the membrane's white-noise input (1/sqrt(s)).
    tau_m_ms : membrane time constant: the noise is an OU process with this time constant.
    threshold : "hard" (fire at the first time V >= 1) or "escape" (hazard
        rate0_hz * exp((V - 1) / escape_width)).
    eta : learning rate of the rule (ΔW = eta * V̇).
    """

    n_trials: int = 20_000
    window_ms: float = 100.0
    dt_ms: float = 0.1
    slope_min: float = 2.0
    slope_max: float = 100.0
    noise: float = 0.3
    tau_m_ms: float = 20.0
    threshold: str = "hard"
    rate0_hz: float = 1000.0
    escape_width: float = 0.02
    eta: float = 1.0

    def __post_init__(self):
        check_positive_int("n_trials", self.n_trials)
        check_positive("window_ms", self.window_ms)
        check_positive("dt_ms", self.dt_ms)
        if self.dt_ms >= self.window_ms:
            raise ValueError(f"dt_ms ({self.dt_ms}) must be smaller than window_ms ({self.window_ms})")
        check_positive("slope_min", self.slope_min)
        if self.slope_max < self.slope_min:
            raise ValueError(f"slope_max ({self.slope_max}) must be >= slope_min ({self.slope_min})")
        check_nonnegative("noise", self.noise)
        check_positive("tau_m_ms", self.tau_m_ms)
        if self.threshold not in ("hard", "escape"):
            raise ValueError(f"threshold must be 'hard' or 'escape', got {self.threshold!r}")
        check_positive("rate0_hz", self.rate0_hz)
        check_positive("escape_width", self.escape_width)


@dataclass
class PairingData:
    """One record per (pre spike, post spike) pair: ΔT = t_post − t_pre (ms), ΔW, the trial's V̇."""

    dt_ms: np.ndarray
    dw: np.ndarray
    slope: np.ndarray


def draw_trials(config: RampConfig, *, rng: np.random.Generator):
    """Per-trial slope V̇ (1/s, signed, log-uniform magnitude) and voltage at t = 0 (U[0, 1))."""
    magnitude = np.exp(rng.uniform(np.log(config.slope_min), np.log(config.slope_max),
                                   config.n_trials))
    sign = np.where(rng.random(config.n_trials) < 0.5, -1.0, 1.0)
    v0 = rng.random(config.n_trials)
    return sign * magnitude, v0


def simulate_ramps(config: RampConfig, *, rng: np.random.Generator,
                   chunk: int = 2000) -> PairingData:
    """The paper's simulation: the post spike nearest to the pre spike on each side, and ΔW.

    Voltage V(t) = V0 + V̇ t + e(t) for t in [−window, window], where e is the membrane's
    noise: an Ornstein-Uhlenbeck process (time constant tau_m_ms, amplitude ``noise``) started
    at e(−window) = 0 and stepped with Euler-Maruyama, exactly as a leaky membrane driven by the
    ramp integrates white noise. Hard threshold: post spikes at every step where V >= 1;
    escape noise: Bernoulli with probability rate0 exp((V − 1)/width) dt per step. The spike
    nearest to t = 0 on each side is paired with the pre spike.

    ΔW = eta · dV/dt at t = 0, the deterministic membrane derivative V̇ − e(0)/tau_m: the rule
    S_i · dV_j/dt evaluated when the pre-synaptic spike arrives.
    """
    slopes, v0 = draw_trials(config, rng=rng)
    n_side = int(round(config.window_ms / config.dt_ms))
    dt_s = config.dt_ms * 1e-3
    tau_s = config.tau_m_ms * 1e-3
    t_ms = np.arange(-n_side, n_side + 1) * config.dt_ms
    i0 = n_side
    out_dt, out_dw, out_slope = [], [], []
    for start in range(0, config.n_trials, chunk):
        s = slopes[start:start + chunk]
        v = v0[start:start + chunk, None] + s[:, None] * (t_ms[None, :] * 1e-3)
        e = np.zeros(s.size)
        kicks = rng.standard_normal((s.size, t_ms.size)) * (config.noise * np.sqrt(dt_s))
        noise = np.empty_like(v)
        for k in range(t_ms.size):
            noise[:, k] = e
            e = e - e * (dt_s / tau_s) + kicks[:, k]
        v += noise
        if config.threshold == "hard":
            fired = v >= 1.0
        else:
            p = np.minimum(config.rate0_hz * dt_s * np.exp((v - 1.0) / config.escape_width), 1.0)
            fired = rng.random(v.shape) < p
        dw = config.eta * (s - noise[:, i0] / tau_s)
        after = fired[:, i0:]
        before = fired[:, :i0][:, ::-1]
        for side, sign in ((after, 1), (before, -1)):
            has = side.any(axis=1)
            nearest = side.argmax(axis=1)
            out_dt.append(sign * (nearest[has] + (0 if sign > 0 else 1)) * config.dt_ms)
            out_dw.append(dw[has])
            out_slope.append(s[has])
    return PairingData(np.concatenate(out_dt), np.concatenate(out_dw), np.concatenate(out_slope))


def bin_curve(pairs: PairingData, *, bin_ms: float = 5.0, max_ms: float = 100.0,
              min_count: int = 10) -> dict:
    """Mean ΔW per ΔT bin with standard errors; bins with fewer than ``min_count`` pairs dropped."""
    check_positive("bin_ms", bin_ms)
    edges = np.arange(-max_ms, max_ms + bin_ms / 2, bin_ms)
    idx = np.digitize(pairs.dt_ms, edges) - 1
    centres, means, ses, counts = [], [], [], []
    for b in range(len(edges) - 1):
        sel = pairs.dw[idx == b]
        if sel.size < min_count:
            continue
        centres.append(0.5 * (edges[b] + edges[b + 1]))
        means.append(sel.mean())
        ses.append(sel.std(ddof=1) / np.sqrt(sel.size))
        counts.append(int(sel.size))
    return {"dt_ms": centres, "mean_dw": [float(m) for m in means],
            "se_dw": [float(s) for s in ses], "n": counts, "bin_ms": bin_ms}


def parametric_curve(pairs: PairingData, *, n_levels: int = 12) -> dict:
    """The paper's view: for each V̇ level (quantile bins per sign), (mean ΔT, mean ΔW)."""
    check_positive_int("n_levels", n_levels)
    rows = []
    for sign in (-1, 1):
        sel = np.sign(pairs.slope) == sign
        mags = np.abs(pairs.slope[sel])
        if mags.size < n_levels:
            continue
        edges = np.quantile(mags, np.linspace(0, 1, n_levels + 1))
        level = np.clip(np.searchsorted(edges, mags, side="right") - 1, 0, n_levels - 1)
        for k in range(n_levels):
            m = level == k
            rows.append((float(pairs.dt_ms[sel][m].mean()), float(pairs.dw[sel][m].mean()),
                         float(sign * np.median(mags[m]))))
    rows.sort()
    return {"mean_dt_ms": [r[0] for r in rows], "mean_dw": [r[1] for r in rows],
            "slope_per_s": [r[2] for r in rows]}


def two_sided_exponential(dt_ms, a_plus, tau_plus, a_minus, tau_minus):
    """A+ exp(−ΔT/τ+) for ΔT > 0 and −A− exp(ΔT/τ−) for ΔT < 0 (the Bi & Poo window)."""
    dt_ms = np.asarray(dt_ms, dtype=float)
    return np.where(dt_ms > 0, a_plus * np.exp(-dt_ms / tau_plus),
                    -a_minus * np.exp(dt_ms / tau_minus))


def fit_window(dt_ms, mean_dw, se_dw) -> dict:
    """Weighted least-squares fit of :func:`two_sided_exponential`; values and 1-sd errors."""
    dt_ms, mean_dw, se_dw = (np.asarray(a, dtype=float) for a in (dt_ms, mean_dw, se_dw))
    if dt_ms.size < 4 or not (np.any(dt_ms > 0) and np.any(dt_ms < 0)):
        raise ValueError("fit_window needs at least 4 bins with both signs of ΔT, got "
                         f"{dt_ms.size} bins")
    pos, neg = dt_ms > 0, dt_ms < 0
    p0 = [abs(mean_dw[pos]).max(), 20.0, abs(mean_dw[neg]).max(), 20.0]
    sigma = np.where(se_dw > 0, se_dw, np.max(se_dw[se_dw > 0]) if np.any(se_dw > 0) else 1.0)
    popt, pcov = curve_fit(two_sided_exponential, dt_ms, mean_dw, p0=p0, sigma=sigma,
                           absolute_sigma=True, bounds=([0, 0.1, 0, 0.1], [np.inf, 1e4, np.inf, 1e4]),
                           maxfev=20_000)
    err = np.sqrt(np.diag(pcov))
    names = ("a_plus", "tau_plus_ms", "a_minus", "tau_minus_ms")
    out = {n: float(v) for n, v in zip(names, popt, strict=False)}
    out.update({n + "_err": float(e) for n, e in zip(names, err, strict=False)})
    return out


def check_stdp_shape(curve: dict, *, max_ms: float = 40.0) -> dict:
    """Does the curve have the STDP shape? Signs beyond 1 s.e. in (0, max] and [−max, 0), and decay.

    Decay: on each side, the mean |ΔW| of the half of the bins nearer to 0 exceeds that of the
    farther half.
    """
    dt = np.asarray(curve["dt_ms"])
    m, se = np.asarray(curve["mean_dw"]), np.asarray(curve["se_dw"])
    pos = (dt > 0) & (dt <= max_ms)
    neg = (dt < 0) & (dt >= -max_ms)

    def decays(sel_side):
        d, v = np.abs(dt[sel_side]), np.abs(m[sel_side])
        order = np.argsort(d)
        half = len(order) // 2
        return bool(half > 0 and v[order[:half]].mean() > v[order[half:]].mean())

    return {"positive_after": bool(pos.any() and np.all(m[pos] - se[pos] > 0)),
            "negative_before": bool(neg.any() and np.all(m[neg] + se[neg] < 0)),
            "decays_after": decays(dt > 0), "decays_before": decays(dt < 0)}


# ---------------------------------------------------------------- STDP as SGD (delta rule)

@dataclass(frozen=True)
class DeltaRuleConfig:
    """One-layer regression y = W x trained only by the rule ΔW_ij = eta S_i V̇_j.

    n_in, n_out : layer sizes. n_patterns : training set size. epochs : passes over it.
    present_ms : duration of each presentation; tau_fb_ms : time constant with which feedback
    pulls the post voltage from its feed-forward value W x towards the target y*.
    max_rate_hz : pre-synaptic rate for x_i = 1. eta : learning rate per spike.
    """

    n_in: int = 20
    n_out: int = 5
    n_patterns: int = 50
    epochs: int = 30
    present_ms: float = 100.0
    tau_fb_ms: float = 20.0
    dt_ms: float = 0.5
    max_rate_hz: float = 100.0
    eta: float = 0.001

    def __post_init__(self):
        for name in ("n_in", "n_out", "n_patterns", "epochs"):
            check_positive_int(name, getattr(self, name))
        for name in ("present_ms", "tau_fb_ms", "dt_ms", "max_rate_hz", "eta"):
            check_positive(name, getattr(self, name))

    def as_dict(self) -> dict:
        return asdict(self)


def regression_task(config: DeltaRuleConfig, *, rng: np.random.Generator):
    """Inputs x in [0, 1] (n_patterns, n_in), a teacher W*, targets y* = x W*."""
    x = rng.random((config.n_patterns, config.n_in))
    w_teacher = rng.standard_normal((config.n_in, config.n_out)) / np.sqrt(config.n_in)
    return x, w_teacher, x @ w_teacher


def squared_error(w, x, y_target) -> float:
    """Mean over patterns of sum_j (y*_j − (x W)_j)^2."""
    return float(np.mean(np.sum((y_target - x @ w) ** 2, axis=1)))


def present_pattern(w, x, y_target, config: DeltaRuleConfig, *, rng: np.random.Generator):
    """Σ_t S_i(t) V̇_j(t) for one presentation: Poisson pre spikes, feedback-driven post voltage.

    V_j starts at its feed-forward value (x W)_j and relaxes towards y*_j with τ_fb; the rule
    accumulates V̇_j at every pre spike. Returns the (n_in, n_out) sum (not yet times eta).
    """
    n_steps = int(round(config.present_ms / config.dt_ms))
    dt_s = config.dt_ms * 1e-3
    tau_s = config.tau_fb_ms * 1e-3
    t = np.arange(n_steps) * dt_s
    gap = y_target - x @ w                                    # (n_out,)
    vdot = gap[None, :] * np.exp(-t / tau_s)[:, None] / tau_s  # (n_steps, n_out) in 1/s
    spikes = rng.random((n_steps, x.size)) < (x * config.max_rate_hz * dt_s)[None, :]
    return spikes.T.astype(float) @ vdot


def rule_gradient_cosine(w, x, y_target, config: DeltaRuleConfig, *,
                         rng: np.random.Generator) -> float:
    """Cosine between the rule's summed updates over all patterns and −∂L/∂W (weights frozen)."""
    total = sum(present_pattern(w, xi, yi, config, rng=rng) for xi, yi in zip(x, y_target, strict=False))
    neg_grad = x.T @ (y_target - x @ w)
    return float(np.sum(total * neg_grad) / (np.linalg.norm(total) * np.linalg.norm(neg_grad)))


def train_with_rule(x, y_target, config: DeltaRuleConfig, *, rng: np.random.Generator,
                    w0: np.ndarray | None = None):
    """Online training by the rule alone; returns (weights, loss after each epoch incl. start)."""
    w = np.zeros((config.n_in, config.n_out)) if w0 is None else w0.copy()
    losses = [squared_error(w, x, y_target)]
    for _ in range(config.epochs):
        for k in rng.permutation(len(x)):
            w += config.eta * present_pattern(w, x[k], y_target[k], config, rng=rng)
        losses.append(squared_error(w, x, y_target))
    return w, np.array(losses)
