"""LIF rate-current curve in Brian2 standalone (spiking_em.spiking.transfer)."""
import numpy as np
import pytest

from spiking_em.spiking import transfer as tr

pytestmark = pytest.mark.standalone
CURRENTS = np.linspace(0, 4, 41)


@pytest.fixture(scope="module")
def curves():
    noisy = tr.measure_rate_current(CURRENTS, duration_s=2.0, seed=0)
    clean = tr.measure_rate_current(CURRENTS, duration_s=2.0, seed=0, params=tr.LIFParams(sigma=0.0))
    return noisy, clean


def test_noise_free_rates_follow_the_lif_formula(curves):
    _, clean = curves
    theory = tr.lif_rate_theory(CURRENTS)
    # spike times are quantised to dt = 0.1 ms: at 130 Hz that is <= 1.7 Hz; counts add 0.5 Hz
    assert np.max(np.abs(clean["rate_hz"] - theory)) < 2.5
    assert np.all(clean["rate_hz"][CURRENTS < 1] == 0)


def test_noise_smooths_the_onset_and_the_fit_tracks_it(curves):
    noisy, _ = curves
    assert noisy["rate_hz"][np.argmin(np.abs(CURRENTS - 0.6))] > 1      # fires below threshold
    assert np.all(np.diff(noisy["rate_hz"][CURRENTS > 1]) > -5)          # increasing, up to count noise
    fit = tr.fit_transfer(CURRENTS, noisy["rate_hz"])
    assert fit.max_error_hz < 6
    rates = np.array([5.0, 40.0, 120.0])
    np.testing.assert_allclose(fit.rate(fit.current_for_rate(rates)), rates, rtol=1e-9)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="1-d"):
        tr.measure_rate_current(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=">= 5"):
        tr.fit_transfer([1, 2], [3, 4])
    fit = tr.TransferFit(10, 1, 0.2, 0.8, 0)
    with pytest.raises(ValueError, match="> 0 Hz"):
        fit.current_for_rate([0.0])
    with pytest.raises(ValueError, match="tau_m_ms"):
        tr.LIFParams(tau_m_ms=0)
