import numpy as np
import pytest

from spiking_em.model.layers import (
    Params,
    f1,
    f2,
    g1,
    g2,
    init_params,
    semi_orthogonal,
    sigmoid,
    softplus,
)


def test_activations_match_reference_formulas():
    z = np.linspace(-30, 30, 1001)
    np.testing.assert_allclose(softplus(z), np.log1p(np.exp(z)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-15)
    assert np.isfinite(softplus(np.array([1e4, -1e4]))).all()


def test_semi_orthogonal_has_orthonormal_rows_or_columns(rng):
    w = semi_orthogonal(784, 100, rng=rng, dtype=np.float64)
    np.testing.assert_allclose(w.T @ w, np.eye(100), atol=1e-10)
    w = semi_orthogonal(100, 784, rng=rng, dtype=np.float64)
    np.testing.assert_allclose(w @ w.T, np.eye(100), atol=1e-10)


def test_maps_have_paper_shapes_and_ranges(rng):
    p = init_params(rng=rng)
    assert p.sizes == (784, 1000, 100)
    assert all(np.all(getattr(p, b) == 0) for b in ("b_f1", "b_g1", "b_f2", "b_g2"))
    x = rng.random((5, 784), dtype=np.float32)
    h1 = f1(x, p)
    h2 = f2(h1, p)
    assert h1.shape == (5, 1000) and h1.min() > 0          # softplus
    assert h2.shape == (5, 100) and 0 < h2.min() and h2.max() < 1   # sigmoid
    assert g2(h2, p).shape == (5, 1000) and g2(h2, p).min() > 0
    xr = g1(h1, p)
    assert xr.shape == (5, 784) and 0 <= xr.min() and xr.max() <= 1


def test_mismatched_weight_shapes_raise(rng):
    arrays = init_params((10, 6, 3), rng=rng).as_dict()
    arrays["w_g1"] = np.zeros((5, 10))
    with pytest.raises(ValueError, match="w_g1 has shape"):
        Params.from_dict(arrays)
    arrays = init_params((10, 6, 3), rng=rng).as_dict()
    del arrays["b_f2"]
    with pytest.raises(ValueError, match="missing"):
        Params.from_dict(arrays)


def test_bad_sizes_raise(rng):
    with pytest.raises(ValueError, match=">= 1"):
        init_params((784, 0, 10), rng=rng)
