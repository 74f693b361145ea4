import numpy as np
import pytest

from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import (
    feedforward,
    gaussian_log_density,
    infer,
    inference_step,
    log_joint,
    log_joint_trajectory,
)
from spiking_em.model.layers import f1, f2, g1, g2, init_params


def test_inference_never_lowers_log_joint_on_a_fixed_batch(small_model, glyphs):
    """Fig. 4: every INFERENCE iteration raises mean log p(x, h1, h2) of a trained model.

    Holds with a top-down step alpha = 0.1 (as it does on the full MNIST model for
    alpha >= 0.03, see RESULTS.md); with the paper's alpha = 0.001 see the xfail below.
    """
    m = small_model
    traj = log_joint_trajectory(glyphs.test[:200], m.params, m.prior,
                                InferenceConfig(n_steps=20, alpha=0.1))
    means = traj.mean(axis=1)
    assert np.all(np.diff(means) > 0), np.diff(means)
    assert means[-1] - means[0] > 10.0   # a real gain in nats, not round-off


@pytest.mark.xfail(strict=True, reason=(
    "measured deviation from the paper: with alpha = 0.001, target-prop raises log p(x|h1) "
    "but h1 drifts from g2(h2) faster than the h2 update follows, so the joint falls "
    "(full MNIST model: -2.9 nats over 20 iterations). Strict: if this starts passing, "
    "update RESULTS.md and remove the marker."))
def test_paper_alpha_never_lowers_log_joint(small_model, glyphs):
    m = small_model
    traj = log_joint_trajectory(glyphs.test[:200], m.params, m.prior, InferenceConfig(n_steps=20))
    assert np.all(np.diff(traj.mean(axis=1)) > 0)


def test_target_prop_first_step_raises_data_term(small_model, glyphs):
    """The data term log p(x | h1) rises on the first step (Eq. 12 estimates its gradient)."""
    m = small_model
    x = glyphs.test[:200]
    h1, h2 = feedforward(x, m.params)
    h1_new, _ = inference_step(x, h1, h2, m.params, delta=0.1, alpha=0.0)
    before = gaussian_log_density(x, g1(h1, m.params)).mean()
    after = gaussian_log_density(x, g1(h1_new, m.params)).mean()
    assert after > before


def test_step_matches_algorithm_2_by_hand(rng):
    p = init_params((12, 8, 4), rng=rng, dtype=np.float64)
    x = rng.random((3, 12))
    h1, h2 = feedforward(x, p)
    d, a = 0.1, 0.3
    h2_ref = h2 + d * (f2(h1, p) - f2(g2(h2, p), p))
    h1_ref = h1 + d * (f1(x, p) - f1(g1(h1, p), p)) + a * (g2(h2_ref, p) - h1)
    h1_new, h2_new = inference_step(x, h1, h2, p, delta=d, alpha=a)
    np.testing.assert_allclose(h2_new, h2_ref, rtol=1e-12)
    np.testing.assert_allclose(h1_new, h1_ref, rtol=1e-12)


def test_infer_leaves_inputs_untouched_and_zero_steps_is_feedforward(rng):
    p = init_params((12, 8, 4), rng=rng, dtype=np.float64)
    x = rng.random((3, 12))
    x0 = x.copy()
    h1, h2 = infer(x, p, InferenceConfig(n_steps=0))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_allclose(h1, f1(x, p))
    np.testing.assert_allclose(h2, f2(f1(x, p), p))


def test_log_joint_against_scipy(small_model, glyphs):
    from scipy.stats import multivariate_normal, norm
    m = small_model
    x = glyphs.test[:2].astype(np.float64)
    params = m.params.astype(np.float64)
    h1, h2 = feedforward(x, params)
    lp = log_joint(x, h1, h2, params, m.prior)
    for k in range(2):
        ref = (multivariate_normal.logpdf(x[k], g1(h1[k:k + 1], params)[0])
               + multivariate_normal.logpdf(h1[k], g2(h2[k:k + 1], params)[0])
               + norm.logpdf(h2[k], m.prior.mean, m.prior.std).sum())
        assert lp[k] == pytest.approx(ref, rel=1e-4)
    assert gaussian_log_density(np.zeros((1, 2)), np.zeros((1, 2)))[0] == pytest.approx(-np.log(2 * np.pi))


def test_in_painting_data_term_uses_reconstruction_on_missing_pixels(rng):
    p = init_params((12, 8, 4), rng=rng, dtype=np.float64)
    x = rng.random((2, 12))
    h1, h2 = feedforward(x, p)
    mask = np.ones_like(x, dtype=bool)
    mask[:, :6] = False
    h1_m, _ = inference_step(x, h1, h2, p, delta=0.1, alpha=0.0, visible_mask=mask)
    x_fill = np.where(mask, x, g1(h1, p))
    h1_ref = h1 + 0.1 * (f1(x_fill, p) - f1(g1(h1, p), p))
    np.testing.assert_allclose(h1_m, h1_ref, rtol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(n_steps=-1), dict(delta=-0.1), dict(alpha=float("nan"))])
def test_bad_inference_settings_raise(kwargs):
    with pytest.raises(ValueError):
        InferenceConfig(**kwargs)
