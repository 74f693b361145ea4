import numpy as np
import pytest

from spiking_em.data.corruption import Corruption
from spiking_em.model.config import LayerCorruptions, TrainConfig
from spiking_em.model.inference import infer
from spiking_em.model.layers import Params, init_params
from spiking_em.model.learning import (
    RMSpropMomentum,
    layer_loss_and_grad,
    local_losses_and_grads,
    make_optimizer,
)

NO_NOISE = LayerCorruptions(*(Corruption() for _ in range(4)))


@pytest.mark.parametrize("layer", ["f1", "g1", "f2", "g2"])
def test_gradient_matches_finite_differences(layer, rng):
    p = init_params((9, 7, 5), rng=rng, dtype=np.float64)
    n_in, n_out = getattr(p, "w_" + layer).shape
    u, t = rng.random((4, n_in)), rng.random((4, n_out))
    _, gw, gb = layer_loss_and_grad(layer, u, t, p)
    w = getattr(p, "w_" + layer)
    eps = 1e-6
    for idx in [(0, 0), (n_in - 1, n_out - 1), (2, 1)]:
        w[idx] += eps
        up = layer_loss_and_grad(layer, u, t, p)[0]
        w[idx] -= 2 * eps
        down = layer_loss_and_grad(layer, u, t, p)[0]
        w[idx] += eps
        assert gw[idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)
    b = getattr(p, "b_" + layer)
    b[0] += eps
    up = layer_loss_and_grad(layer, u, t, p)[0]
    b[0] -= 2 * eps
    down = layer_loss_and_grad(layer, u, t, p)[0]
    b[0] += eps
    assert gb[0] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("optimizer, lr", [("rmsprop", 1e-4), ("sgd", 1e-3), ("adam", 1e-3)])
def test_a_few_m_steps_lower_every_local_loss(optimizer, lr, glyphs):
    """E-step once, then M-steps on the same batch: each of the four losses must fall."""
    rng = np.random.default_rng(0)
    p = init_params((784, 64, 10), rng=rng)
    x = glyphs.train[:100]
    h1, h2 = infer(x, p)
    config = TrainConfig.paper(optimizer=optimizer, learning_rate=lr, n_hidden1=64, n_hidden2=10)
    opt = make_optimizer(config, p)
    before, _ = local_losses_and_grads(x, h1, h2, p, NO_NOISE, rng=rng)
    for _ in range(20):
        _, grads = local_losses_and_grads(x, h1, h2, p, config.corruptions, rng=rng)
        opt.update(p, grads)
    after, _ = local_losses_and_grads(x, h1, h2, p, NO_NOISE, rng=rng)
    for layer in before:
        assert after[layer] < before[layer], (layer, before[layer], after[layer])


def test_rmsprop_step_by_hand(rng):
    p = init_params((3, 2, 2), rng=rng, dtype=np.float64)
    w0 = p.w_f1.copy()
    opt = RMSpropMomentum(p, learning_rate=0.1, momentum=0.9, decay=0.95, epsilon=1e-4)
    g = p.copy()
    for arr in g.as_dict().values():
        arr[...] = 2.0
    opt.update(p, g)
    n, a = 0.05 * 4.0, 0.05 * 2.0
    expected = w0 - 0.1 * 2.0 / np.sqrt(n - a * a + 1e-4)
    np.testing.assert_allclose(p.w_f1, expected, rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="lbfgs"), "optimizer"), (dict(learning_rate=0), "learning_rate"),
    (dict(momentum=1.0), "momentum"), (dict(batch_size=0), "batch_size"),
    (dict(prior_spread="iqr"), "prior_spread"), (dict(epochs=2.5), "epochs"),
    (dict(dtype="float16"), "dtype")])
def test_impossible_training_settings_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TrainConfig.paper(**kwargs)


def test_config_round_trips_through_dict():
    c = TrainConfig.poisson(window_s=0.2, epochs=3)
    assert TrainConfig.from_dict(c.as_dict()) == c
    with pytest.raises(ValueError, match="unknown preset"):
        TrainConfig.preset("nope")


@pytest.mark.parametrize("layout", ["C", "F"])
def test_blocked_optimisers_match_their_textbook_formulas(layout):
    """RMSprop and Adam update in cache-sized blocks; the result equals the formulas applied
    to whole arrays (float64, 3 steps), for parameters of either memory layout."""
    from spiking_em.model.learning import CHUNK, Adam
    rng = np.random.default_rng(3)
    shape = (CHUNK // 100 + 7, 300)                  # not a multiple of the block size
    w0 = np.asarray(rng.standard_normal(shape), order=layout)
    grads = [rng.standard_normal(shape) for _ in range(3)]

    def params(w):
        z = np.zeros((1, 1))
        return Params(w_f1=w, b_f1=z[0], w_g1=z, b_g1=z[0], w_f2=z, b_f2=z[0], w_g2=z, b_g2=z[0])

    def grad_params(g):
        z = np.zeros((1, 1))
        return Params(w_f1=g, b_f1=z[0], w_g1=z, b_g1=z[0], w_f2=z, b_f2=z[0], w_g2=z, b_g2=z[0])

    p = params(w0.copy(order=layout))
    rms = RMSpropMomentum(p, 1e-3, momentum=0.9, decay=0.95, epsilon=1e-4)
    w, n, a, v = w0.copy(), 0 * w0, 0 * w0, 0 * w0
    for g in grads:
        rms.update(p, grad_params(g))
        n = 0.95 * n + 0.05 * g * g
        a = 0.95 * a + 0.05 * g
        v = 0.9 * v - 1e-3 * g / np.sqrt(n - a * a + 1e-4)
        w = w + v
    np.testing.assert_allclose(p.w_f1, w, rtol=1e-12, atol=1e-14)

    p = params(w0.copy(order=layout))
    adam = Adam(p, 1e-3)
    w, m, s = w0.copy(), 0 * w0, 0 * w0
    for t, g in enumerate(grads, start=1):
        adam.update(p, grad_params(g))
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        w = w - 1e-3 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p.w_f1, w, rtol=1e-10, atol=1e-13)
