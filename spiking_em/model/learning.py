"""The M-step of Algorithm 2: four local denoising losses, one layer deep, and their optimisers.

With inferred states (h1, h2) held as constant targets:

    L_g1 = || g1(h1~) - x  ||^2      h1~ = corrupt(h1)
    L_f1 = || f1(x~)  - h1 ||^2      x~  = corrupt(x)
    L_f2 = || f2(h1~) - h2 ||^2      h1~ = corrupt(h1)
    L_g2 = || g2(h2~) - h1 ||^2      h2~ = corrupt(h2)   (paper: mean of 3 Bernoulli(h2))

Each loss is summed over units and averaged over the minibatch. The gradient of a loss
reaches only the weights of its own map: no back-propagation through more than one layer.
"""
from __future__ import annotations

import numpy as np

from spiking_em.model.config import LayerCorruptions, TrainConfig
from spiking_em.model.layers import LAYER_ACTIVATION, Params, activation_derivative, apply

#: (map, input, target) of each local loss; inputs/targets name entries of the state dict
LOCAL_LOSSES = (("g1", "h1_for_g1", "x"), ("f1", "x_for_f1", "h1"),
                ("f2", "h1_for_f2", "h2"), ("g2", "h2_for_g2", "h1"))
_CORRUPTED_SOURCE = {"x_for_f1": "x", "h1_for_g1": "h1", "h1_for_f2": "h1", "h2_for_g2": "h2"}


def layer_loss_and_grad(layer: str, inputs: np.ndarray, target: np.ndarray, params: Params):
    """Squared error of one map and its gradient w.r.t. that map's weight and bias.

    Returns
    -------
    loss : float, sum over units of (act(inputs @ W + b) - target)^2, mean over the batch.
    grad_w, grad_b : arrays shaped like W and b.
    """
    act = LAYER_ACTIVATION[layer]
    y = apply(layer, inputs, params)
    err = np.subtract(y, target, dtype=y.dtype)
    batch = inputs.shape[0]
    loss = float(np.vdot(err, err)) / batch
    dz = activation_derivative(act, y)
    dz *= err
    dz *= 2.0 / batch
    return loss, inputs.T @ dz, dz.sum(axis=0)


def local_losses_and_grads(x, h1, h2, params: Params, corruptions: LayerCorruptions, *,
                           rng: np.random.Generator):
    """The four local losses and gradients of one M-step.

    Returns
    -------
    losses : dict map name -> loss (nats-free squared error, per example).
    grads : :class:`Params` of gradients.
    """
    states = {"x": x, "h1": h1, "h2": h2}
    grads, losses = {}, {}
    for layer, corrupted, target in LOCAL_LOSSES:
        noisy = getattr(corruptions, corrupted).apply(states[_CORRUPTED_SOURCE[corrupted]], rng=rng)
        loss, gw, gb = layer_loss_and_grad(layer, noisy, states[target], params)
        losses[layer] = loss
        grads["w_" + layer] = gw
        grads["b_" + layer] = gb
    return losses, Params(**grads)


#: elements per block of the optimiser updates: a block's arrays stay in cache across the
#: dozen elementwise passes of one update instead of streaming each matrix from memory
CHUNK = 1 << 14


def _blocks(gradient, *updated):
    """Matching flat blocks of ``CHUNK`` elements: of ``gradient`` (read only) and of the
    ``updated`` arrays (views, written in place), all of one shape.

    The updated arrays (a parameter and its optimiser state) share one memory layout, C or
    Fortran; the gradient is brought into that layout if it differs.
    """
    layout = "C" if updated[0].flags.c_contiguous else "F"
    for a in updated:
        if not a.flags[f"{layout}_CONTIGUOUS"]:
            raise ValueError("a parameter and its optimiser state must share one contiguous "
                             "memory layout")
    flat = [np.asarray(gradient, order=layout).reshape(-1, order=layout)]
    flat += [a.reshape(-1, order=layout) for a in updated]
    for start in range(0, flat[0].size, CHUNK):
        yield [f[start:start + CHUNK] for f in flat]


class Optimizer:
    """Base class: holds per-parameter state and updates a :class:`Params` in place."""

    def __init__(self, params: Params):
        self.state: dict[str, np.ndarray] = {}
        self.n_updates = 0

    def update(self, params: Params, grads: Params) -> None:
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        out = {f"opt/{k}": v for k, v in self.state.items()}
        out["opt/n_updates"] = np.array(self.n_updates)
        return out

    def load_state_arrays(self, arrays) -> None:
        for key in self.state:
            stored = arrays[f"opt/{key}"]
            if stored.shape != self.state[key].shape:
                raise ValueError(f"optimizer state {key} has shape {stored.shape}, expected "
                                 f"{self.state[key].shape}")
            self.state[key] = np.array(stored, dtype=self.state[key].dtype)
        self.n_updates = int(arrays["opt/n_updates"])


class SGD(Optimizer):
    """Plain SGD with optional (heavy-ball) momentum: v <- mu v - lr g; theta <- theta + v."""

    def __init__(self, params: Params, learning_rate: float, momentum: float = 0.0):
        super().__init__(params)
        self.lr, self.mu = learning_rate, momentum
        self.state = {f"v/{k}": np.zeros_like(v) for k, v in params.as_dict().items()}

    def update(self, params, grads):
        for name, g in grads.as_dict().items():
            v = self.state[f"v/{name}"]
            v *= self.mu
            v -= self.lr * g
            getattr(params, name)[...] += v
        self.n_updates += 1


class RMSpropMomentum(Optimizer):
    """Centred RMSprop with momentum (Graves, 2013), the optimiser of the authors' code.

    n <- rho n + (1 - rho) g^2;  a <- rho a + (1 - rho) g
    v <- mu v - lr g / sqrt(n - a^2 + eps);  theta <- theta + v
    """

    def __init__(self, params: Params, learning_rate: float, momentum: float = 0.9,
                 decay: float = 0.95, epsilon: float = 1e-4):
        super().__init__(params)
        self.lr, self.mu, self.rho, self.eps = learning_rate, momentum, decay, epsilon
        self._scratch: dict[str, np.ndarray] = {}
        for k, v in params.as_dict().items():
            for slot in ("n", "a", "v"):
                self.state[f"{slot}/{k}"] = np.zeros_like(v)

    def update(self, params, grads):
        rho, tmp_block = self.rho, self._scratch.setdefault("tmp", np.empty(0))
        for name, g_all in grads.as_dict().items():
            arrays = (g_all, *(self.state[f"{s}/{name}"] for s in ("n", "a", "v")),
                      getattr(params, name))
            for g, n, a, v, theta in _blocks(*arrays):
                if tmp_block.size < g.size or tmp_block.dtype != g.dtype:
                    tmp_block = self._scratch["tmp"] = np.empty(CHUNK, dtype=g.dtype)
                tmp = tmp_block[:g.size]
                np.multiply(g, g, out=tmp)
                tmp *= 1 - rho
                n *= rho
                n += tmp
                np.multiply(g, 1 - rho, out=tmp)
                a *= rho
                a += tmp
                np.multiply(a, a, out=tmp)
                np.subtract(n, tmp, out=tmp)
                tmp += self.eps
                np.sqrt(tmp, out=tmp)
                np.divide(g, tmp, out=tmp)
                tmp *= self.lr
                v *= self.mu
                v -= tmp
                theta += v
        self.n_updates += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with beta1 = momentum, beta2 = decay."""

    def __init__(self, params: Params, learning_rate: float, momentum: float = 0.9,
                 decay: float = 0.999, epsilon: float = 1e-8):
        super().__init__(params)
        self.lr, self.b1, self.b2, self.eps = learning_rate, momentum, decay, epsilon
        for k, v in params.as_dict().items():
            self.state[f"m/{k}"] = np.zeros_like(v)
            self.state[f"s/{k}"] = np.zeros_like(v)

    def update(self, params, grads):
        self.n_updates += 1
        t = self.n_updates
        step = self.lr / (1 - self.b1 ** t)          # bias corrections folded into scalars
        root_correction = np.sqrt(1 - self.b2 ** t)
        for name, g_all in grads.as_dict().items():
            arrays = (g_all, self.state[f"m/{name}"], self.state[f"s/{name}"],
                      getattr(params, name))
            for g, m, s, theta in _blocks(*arrays):
                tmp = np.multiply(g, 1 - self.b1)
                m *= self.b1
                m += tmp
                np.multiply(g, g, out=tmp)
                tmp *= 1 - self.b2
                s *= self.b2
                s += tmp
                np.sqrt(s, out=tmp)             # sqrt(s_hat) + eps = (sqrt(s) + eps c) / c
                tmp += self.eps * root_correction
                np.divide(m, tmp, out=tmp)
                tmp *= step * root_correction
                theta -= tmp


def make_optimizer(config: TrainConfig, params: Params) -> Optimizer:
    """The optimiser named by ``config.optimizer`` with the config's hyper-parameters."""
    if config.optimizer == "rmsprop":
        return RMSpropMomentum(params, config.learning_rate, config.momentum, config.rms_decay,
                               config.epsilon)
    if config.optimizer == "sgd":
        return SGD(params, config.learning_rate, config.momentum)
    return Adam(params, config.learning_rate, config.momentum)
