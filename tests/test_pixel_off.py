"""The pixels' baseline in spikes: X's OFF neurons put zero-mean noise on every pixel of the
sample, black ones included, their synapses (carrying -W) learn the same sample's denoising
gradient, and the f1 weights from pixels that are black in every digit learn only with a
baseline. Bad settings give clear errors."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import i0

from spiking_em.experiments.denoising import same_vs_independent
from spiking_em.spiking import device
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
from spiking_em.spiking.plasticity import LEARNING_MAPS, TeachingConfig
from spiking_em.spiking.replay import SampleConfig
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for, decoded_inputs, teach
from spiking_em.spiking.transfer import fitted_transfer

#: 4 digits a run; x and h1 sampled at 5 % of their rates (a large corruption), X with OFF
#: neurons and a baseline of 0.1
BASE = SpikingTrainConfig(network=NetworkConfig(n_slots=189), n_reference=300,
                          teaching=TeachingConfig(pixel_off=True),
                          sample=SampleConfig(slots=10, rate_x=0.05, rate_h1=0.05, rate_h2=1.0,
                                              baseline_x=0.1))
PLAIN = replace(BASE, sample=replace(BASE.sample, baseline_x=0.0))


def test_a_baseline_needs_the_off_neurons():
    with pytest.raises(ValueError, match="pixel_off=True"):
        replace(BASE, teaching=TeachingConfig())
    with pytest.raises(ValueError, match="baseline_x"):
        SampleConfig(baseline_x=-0.1)


def test_with_pixel_baseline_keeps_the_mean_variance():
    """(m + 2 b) / (rho' g T) = m / (rho g T): the rate factor grows by (m + 2 b) / m."""
    sample = SampleConfig.paper_noise_floor().with_pixel_baseline(0.1, mean_pixel=0.13)
    assert sample.baseline_x == 0.1
    assert sample.rate_x == pytest.approx(0.0123 * (0.13 + 0.2) / 0.13)
    assert (sample.rate_h1, sample.floor_h1) == (0.130, 0.5)
    with pytest.raises(ValueError, match="mean_pixel"):
        SampleConfig().with_pixel_baseline(0.1, mean_pixel=0.0)


@pytest.fixture(scope="module")
def tiny_off(learning_model):
    """A 784-48-12 rate model and the learning network of its shape with OFF pixel neurons."""
    model = learning_model
    device.reset()
    transfer, _ = fitted_transfer(BASE.network.lif, r_max_hz=BASE.network.r_max_hz)
    net = AreaNetwork(model.params.sizes, "spiking", BASE.network, transfer, seed=0,
                      learning=BASE.teaching)
    yield model, net
    device.reset()


def _samples(net, model, x, config, seed, eta=0.0):
    codes = codes_for(model.params.astype(np.float64), model.prior, x, config)
    run = teach(net, model.params.astype(np.float64), codes, x, config,
                rng=np.random.default_rng(seed), eta=eta)
    return run, decoded_inputs(run, codes, config, net.config.slot_ms)["X"]


@pytest.mark.standalone
@pytest.mark.slow
def test_the_baseline_corrupts_black_pixels_without_bias(tiny_off, glyphs):
    """Black pixels: sample exactly 0 without the baseline; with it, mean 0 and variance
    2 b / (rho g T) (two Poisson counts of mean rho g b T each; measured within 10 %)."""
    model, net = tiny_off
    x = glyphs.train[100:104]
    _, plain = _samples(net, model, x, PLAIN, seed=4)
    errors = []
    for seed in range(5, 10):
        _, based = _samples(net, model, x, BASE, seed=seed)
        errors.append(based[x == 0])
    black = x == 0
    assert np.all(plain[black] == 0.0)
    noise = np.concatenate(errors)
    g_t = 200.0 * BASE.sample.rate_x * BASE.sample.slots * net.config.slot_ms * 1e-3
    expected_var = 2 * BASE.sample.baseline_x / g_t
    assert noise.var() == pytest.approx(expected_var, rel=0.1), (noise.var(), expected_var)
    assert abs(noise.mean()) < 0.05 * noise.std(), noise.mean()
    # ON and OFF counts are Poisson of mean lam each: a sample below zero (OFF spikes only
    # can do that) as often as one above, each (1 - P(equal)) / 2, P(equal) = e^-2lam I0(2lam)
    lam = g_t * BASE.sample.baseline_x
    below = (1 - np.exp(-2 * lam) * i0(2 * lam)) / 2
    assert (noise < 0).mean() == pytest.approx(below, abs=0.02), ((noise < 0).mean(), below)
    assert (noise > 0).mean() == pytest.approx(below, abs=0.02), ((noise > 0).mean(), below)


@pytest.mark.standalone
@pytest.mark.slow
def test_weights_from_black_pixels_learn_only_with_the_baseline(tiny_off, glyphs):
    """ΔW ∝ x~ ΔV: a pixel black in every digit has x~ = 0 without the baseline (its f1
    weights do not move at all) and x~ of either sign with it."""
    model, net = tiny_off
    x = glyphs.train[100:104]
    never = np.all(x == 0, axis=0)
    moved = {}
    for name, config in (("plain", PLAIN), ("baseline", BASE)):
        run, _ = _samples(net, model, x, config, seed=11, eta=1e-3)
        dw = np.abs(run.params.w_f1.astype(np.float64) - model.params.w_f1.astype(np.float64))
        moved[name] = (dw[never].mean(), dw[~never].mean())
    assert moved["plain"][0] == 0.0 and moved["plain"][1] > 0, moved
    assert moved["baseline"][0] > 0.1 * moved["baseline"][1], moved


@pytest.mark.standalone
@pytest.mark.slow
def test_the_off_synapses_learn_the_same_samples_gradient(tiny_off, glyphs):
    """With the baseline every map's change matches the denoising gradient of the same sample
    (OFF spikes included, with their sign) better than an independent sample's: an OFF synapse
    learning with the ON synapse's sign would turn f1's cosine away from it."""
    model, net = tiny_off
    res = same_vs_independent(net, model.params, model.prior, glyphs.train[100:106],
                              glyphs.train[:300], BASE, seed=1, eta=1e-4)
    for name in LEARNING_MAPS:
        same, indep = res["cosine_same_sample"][name], res["cosine_independent_sample"][name]
        assert same >= 0.95 and same > indep, (name, same, indep)
    assert res["passes"]
