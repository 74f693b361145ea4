"""LIF rate-current curve in Brian2 standalone (spiking_em.spiking.transfer)."""
import numpy as np
import pytest

from spiking_em.spiking import transfer as tr

pytestmark = pytest.mark.standalone
PARAMS = tr.LIFParams()                      # tau 20 ms, refractory 2 ms, dt 0.2 ms
CURRENTS = np.concatenate([np.linspace(0.5, 1.0, 5, endpoint=False),
                           1 + np.geomspace(1e-4, 2.0, 50, endpoint=False), np.geomspace(3, 30, 40)])


@pytest.fixture(scope="module")
def curve():
    return tr.measure_rate_current(CURRENTS, params=PARAMS, duration_s=4.0, seed=0)


def test_rates_follow_the_lif_formula_and_vanish_below_threshold(curve):
    rate = curve["rate_hz"]
    assert np.all(rate[CURRENTS < 1] == 0)
    theory = tr.lif_rate_theory(CURRENTS, PARAMS)
    # the 0.2 ms grid shortens the effective refractory period by about one step, nothing else
    above = CURRENTS > 1.2
    assert np.max(np.abs(rate[above] - theory[above]) / theory[above]) < 0.1
    assert np.corrcoef(rate[above], theory[above])[0, 1] > 0.999


def test_reset_by_subtraction_gives_a_smooth_curve_the_formula_fits(curve):
    rate = curve["rate_hz"]
    fit = tr.fit_transfer(CURRENTS, rate)
    assert fit.max_error_hz < 1.5                  # reset to zero on this grid: > 6 Hz steps
    assert abs(fit.tau_s - 20e-3) < 0.5e-3 and fit.theta == 1.0
    assert 1.6e-3 < fit.t_ref_s < 2.0e-3
    # near threshold too (5.4 Hz at I = 1.0001): low wanted rates come out right
    slow = (rate > 0) & (rate < 10)
    assert slow.sum() >= 10 and np.max(np.abs(fit.rate(CURRENTS[slow]) - rate[slow])) < 0.5
    # no staircase: successive currents near 200 Hz give distinct rates
    near = (rate > 150) & (rate < 250)
    assert len(np.unique(rate[near])) == near.sum() >= 5
    rates = np.array([2.0, 5.0, 40.0, 120.0, 390.0])
    np.testing.assert_allclose(fit.rate(fit.current_for_rate(rates)), rates, rtol=1e-6)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="1-d"):
        tr.measure_rate_current(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=">= 5"):
        tr.fit_transfer([1, 2], [3, 4])
    fit = tr.TransferFit(1.8e-3, 20e-3, 1.0, 0.0)
    with pytest.raises(ValueError, match="rates in"):
        fit.current_for_rate([0.0])
    with pytest.raises(ValueError, match="rates in"):
        fit.current_for_rate([600.0])
    with pytest.raises(ValueError, match="beyond the neurons' limit"):
        fit.namespace(0.1, 600.0)
    with pytest.raises(ValueError, match="tau_m_ms"):
        tr.LIFParams(tau_m_ms=0)
    with pytest.raises(ValueError, match="beyond what"):
        tr.fitted_transfer(tr.LIFParams(dt_ms=1.0), r_max_hz=450.0)
