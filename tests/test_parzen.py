import numpy as np
import pytest

from spiking_em.evaluation.parzen import parzen_evaluate, parzen_log_likelihoods


def brute_force(samples, x, sigma):
    """Direct mixture density, one point at a time, with an explicit max-shift."""
    out = []
    d = samples.shape[1]
    for xi in x:
        e = -np.sum((xi - samples) ** 2, axis=1) / (2 * sigma ** 2)
        m = e.max()
        out.append(m + np.log(np.mean(np.exp(e - m))) - 0.5 * d * np.log(2 * np.pi * sigma ** 2))
    return np.array(out)


def test_matches_brute_force_on_a_tiny_case(rng):
    samples = rng.random((37, 6)).astype(np.float32)
    x = rng.random((11, 6)).astype(np.float32)
    sigmas = [0.05, 0.2, 1.0]
    fast = parzen_log_likelihoods(samples, x, sigmas, chunk_size=4)
    for k, s in enumerate(sigmas):
        np.testing.assert_allclose(fast[k], brute_force(samples.astype(np.float64),
                                                        x.astype(np.float64), s), rtol=1e-4)


def test_single_sample_is_a_gaussian_density():
    from scipy.stats import norm
    ll = parzen_log_likelihoods(np.zeros((1, 3)), np.array([[0.1, -0.2, 0.3]]), [0.5])
    assert ll[0, 0] == pytest.approx(norm.logpdf([0.1, -0.2, 0.3], 0, 0.5).sum(), rel=1e-5)


def test_sigma_is_chosen_on_validation(rng):
    centres = rng.random((5, 4))
    samples = centres[rng.integers(0, 5, 500)] + 0.1 * rng.standard_normal((500, 4))
    valid = centres[rng.integers(0, 5, 300)] + 0.1 * rng.standard_normal((300, 4))
    test = centres[rng.integers(0, 5, 300)] + 0.1 * rng.standard_normal((300, 4))
    res = parzen_evaluate(samples, valid, test, sigmas=[0.01, 0.05, 0.1, 0.2, 1.0, 5.0])
    curve = res.validation_curve
    assert res.sigma == curve["sigma"][int(np.argmax(curve["mean_ll"]))]
    assert res.sigma not in (0.01, 5.0)        # neither extreme of the grid wins
    assert res.se > 0 and np.isfinite(res.mean)
    assert res.as_dict()["mean_at_sigma_0.2"] == res.mean_at_reference


def test_bad_input_raises(rng):
    with pytest.raises(ValueError, match="equal widths"):
        parzen_log_likelihoods(rng.random((3, 4)), rng.random((2, 5)), [0.1])
    with pytest.raises(ValueError, match="> 0"):
        parzen_log_likelihoods(rng.random((3, 4)), rng.random((2, 4)), [0.0])
