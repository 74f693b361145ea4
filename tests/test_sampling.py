import numpy as np
import pytest

from spiking_em.model.sampling import (
    ancestral,
    fit_prior,
    generate,
    inpaint,
    random_half_mask,
)


def test_fit_prior_spread_readings(rng):
    h2 = rng.random((1000, 5))
    std = h2.std(axis=0)
    np.testing.assert_allclose(fit_prior(h2, spread="std", factor=4).std, 4 * std, rtol=1e-6)
    np.testing.assert_allclose(fit_prior(h2, spread="variance", factor=4).std, 2 * std, rtol=1e-6)
    with pytest.raises(ValueError, match="spread"):
        fit_prior(h2, spread="mad")


def test_generate_and_ancestral_give_images(small_model, rng):
    m = small_model
    for x in (generate(m.params, m.prior, 30, rng=rng, batch_size=7),
              ancestral(m.params, m.prior, 30, rng=rng)):
        assert x.shape == (30, 784) and 0 <= x.min() and x.max() <= 1
    with pytest.raises(ValueError, match="n must"):
        generate(m.params, m.prior, 0, rng=rng)


def test_seeds_reproduce_samples(small_model):
    m = small_model
    a = generate(m.params, m.prior, 5, rng=np.random.default_rng(1))
    b = generate(m.params, m.prior, 5, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


def test_inpainting_keeps_visible_pixels_and_beats_the_mean_image(small_model, glyphs, rng):
    m = small_model
    x = glyphs.test[:100]
    mask = random_half_mask(x.shape, rng=rng)
    assert (~mask).sum(axis=1).tolist() == [392] * 100
    filled = inpaint(x, mask, m.params, rng=rng, n_encode_decode=5)
    np.testing.assert_array_equal(filled[mask], x[mask])
    err = ((filled - x) ** 2)[~mask].mean()
    baseline = ((glyphs.train.mean(axis=0)[None] - x) ** 2)[~mask].mean()
    assert err < baseline


def test_inpainting_rejects_bad_input(small_model, rng):
    m = small_model
    x = rng.random((2, 784), dtype=np.float32)
    with pytest.raises(ValueError, match="visible_mask"):
        inpaint(x, np.ones((2, 10), bool), m.params, rng=rng)
    with pytest.raises(ValueError, match=r"\[0.0, 1.0\]"):
        inpaint(x * 255, np.ones_like(x, bool), m.params, rng=rng)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        inpaint(bad, np.ones_like(x, bool), m.params, rng=rng)
    with pytest.raises(ValueError, match=r"shape \(batch, 784\)"):
        inpaint(x[:, :100], np.ones((2, 100), bool), m.params, rng=rng)
    with pytest.raises(TypeError, match="numeric"):
        inpaint(np.array([["a"] * 784]), np.ones((1, 784), bool), m.params, rng=rng)
