"""Settings records with named presets: inference, local-target training, the top-level prior.

``TrainConfig.paper()`` reproduces the authors' code settings for Experiment 1 (Sec. 7).
Settings are frozen dataclasses; ``as_dict``/``from_dict`` round-trip them through JSON.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from spiking_em.data.corruption import Corruption
from spiking_em.validation import check_nonnegative, check_positive, check_positive_int

OPTIMIZERS = ("rmsprop", "sgd", "adam")
PRIOR_SPREADS = ("std", "variance")


@dataclass(frozen=True)
class InferenceConfig:
    """INFERENCE(x, N, delta, alpha) of Algorithm 2.

    n_steps : N, number of target-propagation iterations.
    delta : step size of the difference-target-propagation terms.
    alpha : step size of the top-down term alpha * (g2(h2) - h1).
    """

    n_steps: int = 15
    delta: float = 0.1
    alpha: float = 0.001

    def __post_init__(self):
        check_positive_int("n_steps", self.n_steps, minimum=0)
        check_nonnegative("delta", self.delta)
        check_nonnegative("alpha", self.alpha)

    @classmethod
    def paper(cls) -> "InferenceConfig":
        """Training and evaluation setting: N = 15, delta = 0.1, alpha = 0.001."""
        return cls()

    @classmethod
    def generation(cls) -> "InferenceConfig":
        """GENERATE's inner INFERENCE: alpha = 0.3 (strong top-down pull)."""
        return cls(alpha=0.3)


@dataclass(frozen=True)
class LayerCorruptions:
    """The corruption of each input in the four local losses of the M-step (Algorithm 2).

    x_for_f1 : corrupts x before f1 (target h1).
    h1_for_g1 : corrupts h1 before g1 (target x).
    h1_for_f2 : corrupts h1 before f2 (target h2).
    h2_for_g2 : corrupts h2 before g2 (target h1).
    """

    x_for_f1: Corruption = field(default_factory=lambda: Corruption.gaussian(0.5))
    h1_for_g1: Corruption = field(default_factory=lambda: Corruption.gaussian(0.3))
    h1_for_f2: Corruption = field(default_factory=lambda: Corruption.gaussian(0.5))
    h2_for_g2: Corruption = field(default_factory=lambda: Corruption.bernoulli(3))

    @classmethod
    def paper(cls) -> "LayerCorruptions":
        return cls()

    @classmethod
    def poisson(cls, window_s: float = 0.1, gain_x_hz: float = 100.0,
                gain_h1_hz: float = 50.0, gain_h2_hz: float = 100.0) -> "LayerCorruptions":
        """Poisson-rate quantization of every layer (pixels and sigmoid h2 at up to 100 Hz,
        softplus h1 at 50 Hz per unit value)."""
        return cls(x_for_f1=Corruption.poisson(gain_x_hz, window_s),
                   h1_for_g1=Corruption.poisson(gain_h1_hz, window_s),
                   h1_for_f2=Corruption.poisson(gain_h1_hz, window_s),
                   h2_for_g2=Corruption.poisson(gain_h2_hz, window_s))

    @classmethod
    def mixed(cls, window_s: float = 0.1, gain_h1_hz: float = 50.0,
              gain_h2_hz: float = 100.0) -> "LayerCorruptions":
        """Pixels as in ``paper`` (Gaussian, sigma 0.5); the hidden layers h1 and h2 by
        Poisson-rate quantization (the spikes of the hidden areas are the noise)."""
        return cls(h1_for_g1=Corruption.poisson(gain_h1_hz, window_s),
                   h1_for_f2=Corruption.poisson(gain_h1_hz, window_s),
                   h2_for_g2=Corruption.poisson(gain_h2_hz, window_s))

    def as_dict(self) -> dict:
        return {k: v.as_dict() for k, v in self.__dict__.items()}

    def with_overrides(self, specs) -> "LayerCorruptions":
        """Replace entries from ``["h2_for_g2=poisson:100:0.05", ...]`` (CLI ``--corrupt``)."""
        changes = {}
        for spec in specs:
            name, sep, value = spec.partition("=")
            if not sep or name not in self.__dataclass_fields__:
                raise ValueError(f"--corrupt {spec!r}: expected NAME=SPEC with NAME one of "
                                 f"{list(self.__dataclass_fields__)}")
            changes[name] = Corruption.parse(value)
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, d: dict) -> "LayerCorruptions":
        return cls(**{k: Corruption.from_dict(v) for k, v in d.items()})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of Algorithm 2 except the data and the seed."""

    n_hidden1: int = 1000
    n_hidden2: int = 100
    epochs: int = 20
    batch_size: int = 100
    optimizer: str = "rmsprop"
    learning_rate: float = 1e-5
    lr_decay: float = 1.0               # learning rate of epoch e (from 0): lr * lr_decay**e
    momentum: float = 0.9
    rms_decay: float = 0.95
    epsilon: float = 1e-4
    inference: InferenceConfig = field(default_factory=InferenceConfig.paper)
    corruptions: LayerCorruptions = field(default_factory=LayerCorruptions.paper)
    prior_spread: str = "std"
    prior_factor: float = 4.0
    dtype: str = "float32"

    def __post_init__(self):
        check_positive_int("n_hidden1", self.n_hidden1)
        check_positive_int("n_hidden2", self.n_hidden2)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        check_positive("learning_rate", self.learning_rate)
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1], got {self.lr_decay}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if not 0 < self.rms_decay < 1:
            raise ValueError(f"rms_decay must be in (0, 1), got {self.rms_decay}")
        check_positive("epsilon", self.epsilon)
        if self.prior_spread not in PRIOR_SPREADS:
            raise ValueError(f"prior_spread must be one of {PRIOR_SPREADS}, got {self.prior_spread!r}")
        check_positive("prior_factor", self.prior_factor)
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")

    @classmethod
    def paper(cls, **overrides) -> "TrainConfig":
        """The authors' code settings: RMSprop+momentum, lr 1e-5, Gaussian/Bernoulli-3 noise,
        prior spread = empirical std x 4."""
        return replace(cls(), **overrides)

    @classmethod
    def poisson(cls, window_s: float = 0.1, **overrides) -> "TrainConfig":
        """Like ``paper`` but every local loss is corrupted by Poisson-rate quantization."""
        return replace(cls(corruptions=LayerCorruptions.poisson(window_s)), **overrides)

    @classmethod
    def mixed(cls, window_s: float = 0.1, **overrides) -> "TrainConfig":
        """Like ``paper`` for the pixels, Poisson-rate quantization for h1 and h2."""
        return replace(cls(corruptions=LayerCorruptions.mixed(window_s)), **overrides)

    @classmethod
    def preset(cls, name: str, *, window_s: float | None = None, **overrides) -> "TrainConfig":
        """``paper``, ``poisson`` or ``mixed``; ``window_s`` sets the Poisson counting window."""
        presets = {"paper": cls.paper, "poisson": cls.poisson, "mixed": cls.mixed}
        if name not in presets:
            raise ValueError(f"unknown preset {name!r}; choose one of {sorted(presets)}")
        if window_s is None:
            return presets[name](**overrides)
        if name == "paper":
            raise ValueError("--window (window_s) applies to the 'poisson' and 'mixed' presets only")
        check_positive("window_s", window_s)
        return presets[name](window_s, **overrides)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["corruptions"] = self.corruptions.as_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        d = dict(d)
        d["inference"] = InferenceConfig(**d["inference"])
        d["corruptions"] = LayerCorruptions.from_dict(d["corruptions"])
        return cls(**d)
