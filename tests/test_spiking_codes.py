"""Rate codes (spiking_em.spiking.codes): pure numpy, no Brian2 build."""
import numpy as np
import pytest
from scipy.stats import norm

from spiking_em.spiking.codes import AREA_KIND, KINDS, RateCode, derive_codes

R_MAX = 400.0


def reference(rng, n=4000, n_x=6, n_h1=5, n_h2=4):
    h1 = np.abs(rng.normal(0.6, 0.5, (n, n_h1)))            # softplus-like: >= 0, skewed
    return {"x": rng.random((n, n_x)), "h1": h1, "h2": rng.random((n, n_h2)),
            "prior_mean": np.array([0.5, 0.004, 0.996, 0.3]),
            "prior_std": np.array([1.2, 0.007, 0.008, 0.9])}


def test_every_area_has_a_code_kind():
    assert set(AREA_KIND.values()) == set(KINDS)
    codes = derive_codes(reference(np.random.default_rng(0)), R_MAX, 0.999)
    assert set(codes) == set(KINDS)


def test_signed_code_round_trips_values_inside_its_range():
    rng = np.random.default_rng(1)
    code = RateCode(centre=np.array([0.5, 1.0, 0.0]), gain_hz=np.array([100.0, 50.0, 200.0]),
                    signed=True)
    values = code.centre + rng.uniform(-1.5, 1.5, (200, 3))
    rates = code.rates(values, R_MAX)                          # (200, 3, 2): ON, OFF
    assert rates.shape == (200, 3, 2) and np.all(rates >= 0)
    assert np.all(np.minimum(rates[..., 0], rates[..., 1]) == 0)   # one polarity at a time
    np.testing.assert_allclose(code.decode(rates[..., 0] - rates[..., 1]), values, atol=1e-12)


def test_a_unit_at_its_centre_is_silent_and_the_range_is_clipped():
    code = RateCode(centre=np.array([0.3]), gain_hz=np.array([100.0]), signed=True)
    np.testing.assert_array_equal(code.rates(np.array([0.3]), R_MAX), [[0.0, 0.0]])
    np.testing.assert_array_equal(code.rates(np.array([10.0]), R_MAX), [[R_MAX, 0.0]])
    plain = RateCode(centre=np.zeros(1), gain_hz=np.array([100.0]), signed=False)
    np.testing.assert_array_equal(plain.rates(np.array([-1.0, 0.5]), R_MAX), [[0.0], [50.0]])


def test_h2_gains_follow_each_units_prior_width():
    ref = reference(np.random.default_rng(2))
    q = 0.999
    codes = derive_codes(ref, R_MAX, q)
    h2 = codes["h2"]
    np.testing.assert_allclose(h2.centre, ref["prior_mean"])
    # the q-quantile of |N(0, std_k)| fires at R_MAX: gain_k * std_k is the same for every unit
    np.testing.assert_allclose(h2.gain_hz * ref["prior_std"], R_MAX / norm.ppf((1 + q) / 2))
    assert h2.gain_hz[1] > 100 * h2.gain_hz[0]                 # a dead unit: a tiny quantum


def test_h1_gain_clips_the_requested_fraction_and_pixels_use_their_rate():
    ref = reference(np.random.default_rng(3))
    codes = derive_codes(ref, R_MAX, 0.99, pixel_rate_hz=150.0)
    h1 = codes["h1"]
    np.testing.assert_allclose(h1.centre, ref["h1"].mean(axis=0))
    assert np.all(h1.gain_hz == h1.gain_hz[0])                # one gain for all of h1
    clipped = np.mean(np.abs(ref["h1"] - h1.centre) * h1.gain_hz[0] > R_MAX)
    assert 0.005 < clipped <= 0.01
    assert not codes["pixel"].signed and np.all(codes["pixel"].gain_hz == 150.0)
    plain = derive_codes(ref, R_MAX, 0.99, signed=False)
    assert not plain["h1"].signed and np.all(plain["h1"].centre == 0)


def test_bad_input_raises():
    ref = reference(np.random.default_rng(4))
    with pytest.raises(ValueError, match="quantile"):
        derive_codes(ref, R_MAX, 1.0)
    with pytest.raises(ValueError, match="pixel_rate_hz"):
        derive_codes(ref, R_MAX, 0.9, pixel_rate_hz=500.0)
    flat = dict(ref, h1=np.ones_like(ref["h1"]))
    with pytest.raises(ValueError, match="vary"):
        derive_codes(flat, R_MAX, 0.9)
    with pytest.raises(ValueError, match="one shape"):
        RateCode(centre=np.zeros(3), gain_hz=np.ones(2), signed=True)
    with pytest.raises(ValueError, match="> 0"):
        RateCode(centre=np.zeros(2), gain_hz=np.array([1.0, 0.0]), signed=True)
    with pytest.raises(ValueError, match="centre 0"):
        RateCode(centre=np.ones(2), gain_hz=np.ones(2), signed=False)
