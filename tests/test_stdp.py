import numpy as np
import pytest

from spiking_em.stdp import ramp


@pytest.fixture(scope="module")
def numpy_curves():
    out = {}
    for threshold in ("hard", "escape"):
        cfg = ramp.RampConfig(n_trials=6000, threshold=threshold)
        out[threshold] = ramp.bin_curve(ramp.simulate_ramps(cfg, rng=np.random.default_rng(1)))
    return out


@pytest.mark.parametrize("threshold", ["hard", "escape"])
def test_curve_has_stdp_signs_and_decay(numpy_curves, threshold):
    shape = ramp.check_stdp_shape(numpy_curves[threshold])
    assert shape == {"positive_after": True, "negative_before": True,
                     "decays_after": True, "decays_before": True}


def test_check_rejects_a_flat_or_inverted_curve(numpy_curves):
    c = dict(numpy_curves["hard"])
    inverted = dict(c, mean_dw=[-m for m in c["mean_dw"]])
    shape = ramp.check_stdp_shape(inverted)
    assert not shape["positive_after"] and not shape["negative_before"]


def test_fit_recovers_known_time_constants():
    rng = np.random.default_rng(0)
    dt = np.concatenate([-np.arange(2.5, 100, 5), np.arange(2.5, 100, 5)])
    truth = ramp.two_sided_exponential(dt, 1.0, 16.8, 0.5, 33.7)
    se = np.full(dt.size, 0.01)
    fit = ramp.fit_window(dt, truth + se * rng.standard_normal(dt.size), se)
    assert abs(fit["tau_plus_ms"] - 16.8) < 4 * fit["tau_plus_ms_err"] + 0.1
    assert abs(fit["tau_minus_ms"] - 33.7) < 4 * fit["tau_minus_ms_err"] + 0.1
    assert abs(fit["a_minus"] - 0.5) < 0.05


def test_parametric_view_pairs_positive_slopes_with_positive_dt(numpy_curves):
    pairs = ramp.simulate_ramps(ramp.RampConfig(n_trials=3000), rng=np.random.default_rng(2))
    p = ramp.parametric_curve(pairs, n_levels=6)
    for dt, dw, slope in zip(p["mean_dt_ms"], p["mean_dw"], p["slope_per_s"], strict=False):
        assert np.sign(dt) == np.sign(dw) == np.sign(slope)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_trials=-5), "n_trials"), (dict(window_ms=0), "window_ms"),
    (dict(dt_ms=0), "dt_ms"), (dict(slope_min=10, slope_max=5), "slope_max"),
    (dict(threshold="soft"), "threshold"), (dict(dt_ms=200), "smaller than window")])
def test_bad_curve_parameters_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ramp.RampConfig(**kwargs)


def test_fit_needs_both_sides():
    with pytest.raises(ValueError, match="both signs"):
        ramp.fit_window([1, 2, 3, 4], [1, 1, 1, 1], [0.1] * 4)


def test_rule_follows_the_gradient_and_trains_the_layer():
    cfg = ramp.DeltaRuleConfig(epochs=10)
    rng = np.random.default_rng(0)
    x, _, y = ramp.regression_task(cfg, rng=rng)
    w0 = np.zeros((cfg.n_in, cfg.n_out))
    assert ramp.rule_gradient_cosine(w0, x, y, cfg, rng=rng) > 0.9
    _, losses = ramp.train_with_rule(x, y, cfg, rng=rng)
    assert losses[-1] < 0.1 * losses[0]


def test_bad_delta_rule_parameters_raise():
    with pytest.raises(ValueError, match="present_ms"):
        ramp.DeltaRuleConfig(present_ms=0)
    with pytest.raises(ValueError, match="n_in"):
        ramp.DeltaRuleConfig(n_in=0)
