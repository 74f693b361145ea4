"""The model as Brian2 LIF areas (spiking_em.spiking.areas): one compiled network per module."""
from dataclasses import replace

import numpy as np
import pytest

from spiking_em.model.inference import feedforward, infer
from spiking_em.model.layers import init_params
from spiking_em.spiking import device
from spiking_em.spiking import schedule as S
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
from spiking_em.spiking.codes import derive_codes
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


def small_codes(params, config=CONFIG):
    """Codes from the small model's own values on random inputs and a prior fitted to them."""
    x = np.random.default_rng(7).random((400, SIZES[0]))
    h1, h2 = infer(x, params)
    reference = {"x": x, "h1": h1, "h2": h2, "prior_mean": h2.mean(axis=0),
                 "prior_std": 4 * h2.std(axis=0)}
    return derive_codes(reference, config.r_max_hz, config.clip_quantile,
                        pixel_rate_hz=config.pixel_rate_hz, signed=config.signed)


@pytest.fixture(scope="module")
def spiking():
    device.reset()
    fit, _ = fitted_transfer(CONFIG.lif, r_max_hz=CONFIG.r_max_hz)
    net = AreaNetwork(SIZES, "spiking", CONFIG, fit, seed=0)
    params = small_params(0)
    x = np.random.default_rng(1).random((4, SIZES[0]))
    yield net, params, small_codes(params), x
    device.reset()


def test_spike_counts_decode_the_state_they_quantize_with_on_and_off_neurons(spiking):
    net, params, codes, x = spiking
    h1_ff, _ = feedforward(x[:1], params)
    # centres alternately 0.3 above and 0.3 below each unit's feed-forward value: half of the
    # units must be carried by OFF neurons only, the other half by ON neurons only
    above = np.arange(SIZES[1]) % 2 == 0
    shifted = dict(codes, h1=replace(codes["h1"], centre=h1_ff[0] + np.where(above, 0.3, -0.3)))
    n_slots, late = 60, 20
    pres = [S.Presentation([S.Phase("ff", n_slots)], clamp=x[0])]
    ro = run_presentations(net, params, shifted, pres, list(range(late, n_slots)), delta=0.1,
                           window=1, rng=np.random.default_rng(0), keep_raster=True)
    _, unit, sign = ro.raster["H1"]
    late_spikes = ro.raster["H1"][0] >= late * CONFIG.slot_ms * 1e-3
    on = np.bincount(unit[late_spikes & (sign > 0)], minlength=SIZES[1])
    off = np.bincount(unit[late_spikes & (sign < 0)], minlength=SIZES[1])
    assert np.all(on[above] == 0) and np.all(off[above] > 5)
    assert np.all(off[~above] == 0) and np.all(on[~above] > 5)
    # sigma-delta: over 0.8 s a neuron's count is within a spike or two of its integrated
    # drive, so the decoded value is the state's mean over the window (sampled every slot)
    state = ro.state["H1"][0].mean(axis=0)
    decoded = ro.decoded["H1"][0].mean(axis=0)
    quantum = 1 / (codes["h1"].gain_hz[0] * (n_slots - late) * CONFIG.slot_ms * 1e-3)
    assert np.max(np.abs(decoded - state)) < 2 * quantum + 0.01
    assert np.corrcoef(decoded, state)[0, 1] > 0.999


def test_new_weights_change_the_output_without_recompiling(spiking):
    net, params, codes, x = spiking
    binary = next(p for p in net.directory.iterdir() if p.name == "main")
    built = binary.stat().st_mtime_ns
    pres = [S.Presentation(S.inference_phases(5, 0.1, 6), clamp=x[1])]
    first = run_presentations(net, params, codes, pres, [10], delta=0.1, window=2,
                              rng=np.random.default_rng(3))
    flipped = params.copy()
    flipped.w_f1 *= -1
    second = run_presentations(net, flipped, codes, pres, [10], delta=0.1, window=2,
                               rng=np.random.default_rng(3))
    again = run_presentations(net, params, codes, pres, [10], delta=0.1, window=2,
                              rng=np.random.default_rng(3))
    assert binary.stat().st_mtime_ns == built
    assert np.abs(second.state["H1"] - first.state["H1"]).max() > 0.3
    # same weights and the same numpy-drawn noise: the run is reproduced exactly
    np.testing.assert_array_equal(again.state["H1"], first.state["H1"])
    np.testing.assert_array_equal(again.decoded["H1"], first.decoded["H1"])


def test_clamped_inpainting_keeps_visible_input_rates(spiking):
    net, params, codes, _ = spiking
    x = np.zeros(SIZES[0])
    x[:10] = 1.0                                  # visible and bright
    visible = np.arange(SIZES[0]) < 20           # pixels 10..19 visible and dark, 20.. missing
    clamp = np.where(visible, x, S.UNCLAMPED)
    n_slots = 60
    pres = [S.Presentation(S.inpainting_phases(1, n_slots - 6, 0.001, 6), clamp=clamp)]
    ro = run_presentations(net, params, codes, pres, [n_slots - 1], delta=0.1, window=2,
                           rng=np.random.default_rng(5), keep_raster=True)
    _, unit, _ = ro.raster["X"]
    counts = np.bincount(unit, minlength=SIZES[0])
    duration = n_slots * CONFIG.slot_ms * 1e-3
    expected = CONFIG.pixel_rate_hz * duration    # Poisson count of a clamped pixel at x = 1
    assert np.all(np.abs(counts[:10] - expected) < 5 * np.sqrt(expected))
    assert counts[10:20].sum() == 0               # clamped dark pixels never fire
    assert counts[20:].sum() > 0                  # missing pixels follow the reconstruction


def test_mismatched_weights_and_codes_raise(spiking):
    net, params, codes, x = spiking
    wrong = init_params((30, 21, 5), rng=np.random.default_rng(0), dtype=np.float64)
    pres = [S.Presentation(S.inference_phases(2, 0.1, 2), clamp=x[0])]
    with pytest.raises(ValueError, match="built for"):
        run_presentations(net, wrong, codes, pres, [3], delta=0.1, window=1,
                          rng=np.random.default_rng(0))
    short = dict(codes, h2=replace(codes["h2"], centre=np.zeros(4), gain_hz=np.ones(4)))
    with pytest.raises(ValueError, match="centres"):
        run_presentations(net, params, short, pres, [3], delta=0.1, window=1,
                          rng=np.random.default_rng(0))
