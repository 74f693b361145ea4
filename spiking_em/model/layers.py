"""The layer pairs (f_l, g_l) of Algorithm 2: feed-forward encoders and feedback decoders.

Architecture of the paper's Experiment 1: x (784) - h1 (1000) - h2 (100) with
f1 = softplus, g1 = sigmoid (pixels), f2 = sigmoid, g2 = softplus. Every map is one affine
transform followed by its nonlinearity, ``act(u @ W + b)``; weights are stored (n_in, n_out).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


def _float_copy(z) -> np.ndarray:
    z = np.asarray(z)
    return np.array(z, dtype=z.dtype if z.dtype.kind == "f" else np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), computed through tanh (no overflow)."""
    return _sigmoid_inplace(_float_copy(z))


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), stable for large |z|.

    Written with in-place ufuncs: 4x faster than the one-line expression at (100, 1000).
    """
    return _softplus_inplace(_float_copy(z))


def _sigmoid_inplace(z: np.ndarray) -> np.ndarray:
    z *= 0.5
    np.tanh(z, out=z)
    z *= 0.5
    z += 0.5
    return z


def _softplus_inplace(z: np.ndarray) -> np.ndarray:
    tail = np.abs(z)
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    np.maximum(z, 0, out=z)
    z += tail
    return z


ACTIVATIONS = {"sigmoid": sigmoid, "softplus": softplus}
#: the same functions overwriting their argument (used on fresh GEMM outputs only)
_ACTIVATIONS_INPLACE = {"sigmoid": _sigmoid_inplace, "softplus": _softplus_inplace}
LAYER_NAMES = ("f1", "g1", "f2", "g2")
#: nonlinearity of each map (Sec. 7 of the paper)
LAYER_ACTIVATION = {"f1": "softplus", "g1": "sigmoid", "f2": "sigmoid", "g2": "softplus"}


def activation_derivative(name: str, y: np.ndarray) -> np.ndarray:
    """d act(z) / dz from the output ``y = act(z)`` alone (one pass, no pre-activation).

    sigmoid: y (1 - y); softplus: sigmoid(z) = 1 - exp(-y), since exp(-softplus(z)) =
    1 / (1 + exp(z)).
    """
    if name == "sigmoid":
        return y * (1 - y)
    if name == "softplus":
        d = np.negative(y)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        return d
    raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")


@dataclass
class Params:
    """Learned parameters of the two layer pairs; weights (n_in, n_out), biases (n_out,)."""

    w_f1: np.ndarray
    b_f1: np.ndarray
    w_g1: np.ndarray
    b_g1: np.ndarray
    w_f2: np.ndarray
    b_f2: np.ndarray
    w_g2: np.ndarray
    b_g2: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(n_visible, n_hidden1, n_hidden2)."""
        return self.w_f1.shape[0], self.w_f1.shape[1], self.w_f2.shape[1]

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, arrays) -> "Params":
        missing = [f.name for f in fields(cls) if f.name not in arrays]
        if missing:
            raise ValueError(f"parameter arrays missing from checkpoint: {missing}")
        params = cls(**{f.name: np.array(arrays[f.name]) for f in fields(cls)})
        params.check()
        return params

    def copy(self) -> "Params":
        return Params(**{k: v.copy() for k, v in self.as_dict().items()})

    def astype(self, dtype) -> "Params":
        return Params(**{k: v.astype(dtype) for k, v in self.as_dict().items()})

    def check(self) -> None:
        """Raise ValueError if the shapes of the eight arrays do not chain x-h1-h2."""
        n_x, n_h1, n_h2 = self.w_f1.shape[0], self.w_f1.shape[1], self.w_f2.shape[1]
        expected = {"w_f1": (n_x, n_h1), "b_f1": (n_h1,), "w_g1": (n_h1, n_x), "b_g1": (n_x,),
                    "w_f2": (n_h1, n_h2), "b_f2": (n_h2,), "w_g2": (n_h2, n_h1), "b_g2": (n_h1,)}
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(
                    f"{name} has shape {got}, expected {shape} for sizes x={n_x}, h1={n_h1}, "
                    f"h2={n_h2}; the weight arrays do not belong to one model")
        for name, arr in self.as_dict().items():
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} contains NaN or inf; the model has diverged")


def semi_orthogonal(n_in: int, n_out: int, *, rng: np.random.Generator,
                    dtype=np.float32) -> np.ndarray:
    """A (n_in, n_out) matrix with orthonormal rows or columns (whichever are fewer).

    QR of a standard Gaussian matrix with the sign of R's diagonal folded in, so the result is
    Haar-distributed (Saxe et al., 2014).
    """
    a = rng.standard_normal((max(n_in, n_out), min(n_in, n_out)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    w = q if n_in >= n_out else q.T
    return w.astype(dtype)


def init_params(sizes=(784, 1000, 100), *, rng: np.random.Generator, dtype=np.float32) -> Params:
    """Semi-orthogonal weights and zero biases for an x - h1 - h2 model of the given sizes."""
    n_x, n_h1, n_h2 = (int(s) for s in sizes)
    if min(n_x, n_h1, n_h2) < 1:
        raise ValueError(f"layer sizes must be >= 1, got {sizes}")
    return Params(
        w_f1=semi_orthogonal(n_x, n_h1, rng=rng, dtype=dtype), b_f1=np.zeros(n_h1, dtype),
        w_g1=semi_orthogonal(n_h1, n_x, rng=rng, dtype=dtype), b_g1=np.zeros(n_x, dtype),
        w_f2=semi_orthogonal(n_h1, n_h2, rng=rng, dtype=dtype), b_f2=np.zeros(n_h2, dtype),
        w_g2=semi_orthogonal(n_h2, n_h1, rng=rng, dtype=dtype), b_g2=np.zeros(n_h1, dtype),
    )


def apply(layer: str, u: np.ndarray, params: Params) -> np.ndarray:
    """Output of map ``layer`` (one of f1, g1, f2, g2) for inputs ``u`` of shape (batch, n_in)."""
    z = u @ getattr(params, "w_" + layer)
    z += getattr(params, "b_" + layer)
    return _ACTIVATIONS_INPLACE[LAYER_ACTIVATION[layer]](z)


def f1(x, params):
    """Encoder x -> h1 (softplus)."""
    return apply("f1", x, params)


def g1(h1, params):
    """Decoder h1 -> x (sigmoid: pixel intensities in [0, 1])."""
    return apply("g1", h1, params)


def f2(h1, params):
    """Encoder h1 -> h2 (sigmoid)."""
    return apply("f2", h1, params)


def g2(h2, params):
    """Decoder h2 -> h1 (softplus)."""
    return apply("g2", h2, params)
