"""The model as Brian2 LIF areas (spiking_em.spiking.areas): one compiled network per module."""
import numpy as np
import pytest

from spiking_em.inference import feedforward
from spiking_em.layers import init_params
from spiking_em.spiking import device
from spiking_em.spiking import schedule as S
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig, derive_gains
from spiking_em.spiking.readout import run_presentations
from spiking_em.spiking.transfer import fitted_transfer

pytestmark = pytest.mark.standalone
SIZES = (30, 20, 5)
CONFIG = NetworkConfig(n_slots=81)


def small_params(seed: int):
    rng = np.random.default_rng(seed)
    p = init_params(SIZES, rng=rng, dtype=np.float64)
    for name in ("b_f1", "b_g1", "b_f2", "b_g2"):
        getattr(p, name)[:] = rng.normal(0, 0.5, getattr(p, name).shape)
    return p


@pytest.fixture(scope="module")
def spiking():
    device.reset()
    fit, _ = fitted_transfer(CONFIG.lif, r_max_hz=CONFIG.r_max_hz)
    net = AreaNetwork(SIZES, "spiking", CONFIG, fit, seed=0)
    params = small_params(0)
    x = np.random.default_rng(1).random((4, SIZES[0]))
    h1, h2 = feedforward(x, params)
    gains = derive_gains({"x": x, "h1": h1, "h2": h2}, CONFIG.r_max_hz)
    yield net, fit, params, gains, x
    device.reset()


def test_hidden_rates_follow_the_fitted_transfer_curve(spiking):
    net, fit, params, gains, x = spiking
    n_slots = 40
    pres = [S.Presentation([S.Phase("ff", n_slots)], clamp=x[0])]
    ro = run_presentations(net, params, gains, pres, list(range(n_slots)), delta=0.1, window=1,
                           rng=np.random.default_rng(0))
    late = slice(10, None)                       # after the feed-forward sweep has settled
    rate = ro.decoded["H1"][0, late].mean(axis=0) * gains["h1"]   # Hz, from spike counts
    wanted = np.clip(ro.state["H1"][0, late], 0, None).mean(axis=0) * gains["h1"]
    inside = (wanted > 10) & (wanted < CONFIG.r_max_hz)
    assert inside.sum() >= 8
    # the LIF curve is matched within the fit's error plus one spike in 0.6 s of counting
    assert np.max(np.abs(rate[inside] - wanted[inside])) < fit.max_error_hz + 1 / 0.6 + 3
    assert np.corrcoef(rate[inside], wanted[inside])[0, 1] > 0.98


def test_new_weights_change_the_output_without_recompiling(spiking):
    net, _, params, gains, x = spiking
    binary = next(p for p in net.directory.iterdir() if p.name == "main")
    built = binary.stat().st_mtime_ns
    pres = [S.Presentation(S.inference_phases(5, 0.1, 4), clamp=x[1])]
    first = run_presentations(net, params, gains, pres, [8], delta=0.1, window=2,
                              rng=np.random.default_rng(3))
    flipped = params.copy()
    flipped.w_f1 *= -1
    second = run_presentations(net, flipped, gains, pres, [8], delta=0.1, window=2,
                               rng=np.random.default_rng(3))
    again = run_presentations(net, params, gains, pres, [8], delta=0.1, window=2,
                              rng=np.random.default_rng(3))
    assert binary.stat().st_mtime_ns == built
    assert np.abs(second.state["H1"] - first.state["H1"]).max() > 0.3
    # same weights and the same numpy-drawn noise: the run is reproduced exactly
    np.testing.assert_array_equal(again.state["H1"], first.state["H1"])


def test_clamped_inpainting_keeps_visible_input_rates(spiking):
    net, _, params, gains, _ = spiking
    x = np.zeros(SIZES[0])
    x[:10] = 1.0                                  # visible and bright
    visible = np.arange(SIZES[0]) < 20           # pixels 10..19 visible and dark, 20.. missing
    clamp = np.where(visible, x, S.UNCLAMPED)
    n_slots = 60
    pres = [S.Presentation(S.inpainting_phases(1, n_slots - 4, 0.001, 4), clamp=clamp)]
    ro = run_presentations(net, params, gains, pres, [n_slots - 1], delta=0.1, window=2,
                           rng=np.random.default_rng(5), keep_raster=True)
    _, idx = ro.raster["X"]
    counts = np.bincount(idx, minlength=SIZES[0])
    duration = n_slots * CONFIG.slot_ms * 1e-3
    expected = gains["x"] * duration              # Poisson count of a clamped pixel at x = 1
    assert np.all(np.abs(counts[:10] - expected) < 5 * np.sqrt(expected))
    assert counts[10:20].sum() == 0               # clamped dark pixels never fire
    assert counts[20:].sum() > 0                  # missing pixels follow the reconstruction


def test_mismatched_weights_raise(spiking):
    net, _, _, gains, x = spiking
    wrong = init_params((30, 21, 5), rng=np.random.default_rng(0), dtype=np.float64)
    pres = [S.Presentation(S.inference_phases(2, 0.1, 2), clamp=x[0])]
    with pytest.raises(ValueError, match="built for"):
        run_presentations(net, wrong, gains, pres, [3], delta=0.1, window=1,
                          rng=np.random.default_rng(0))
