"""The LIF and stochastic networks against numpy on a small trained model, read from spikes.

One run of ``simulations/rate_vs_spike.py --quick`` (conftest's 784-256-32 ``sampling_model``,
12 test digits, 60 samples, both spiking unit models, two compilations) feeds every test here,
the script's own outputs included. Tolerances are set from what a working network gives with a
wide margin, and each one fails for a network that is broken in the way named beside it.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from test_simulations import finite_numbers, load

from spiking_em.evaluation.metrics import class_coverage, nearest_distances

pytestmark = [pytest.mark.standalone, pytest.mark.slow]


@pytest.fixture(scope="module")
def script_out(sampling_run, tmp_path_factory):
    """The folder that ``rate_vs_spike.py --quick`` wrote for the sampling model."""
    from spiking_em.spiking import device
    out = tmp_path_factory.mktemp("rate_vs_spike")
    try:
        assert load("rate_vs_spike").main(["--quick", "--out", str(out), "--run-dir",
                                           str(sampling_run), "--seed", "0",
                                           "--variants", "spiking", "stochastic"]) == 0
    finally:
        device.reset()
    return out


@pytest.fixture(scope="module")
def compared(script_out):
    """(results, arrays) as the script wrote them: its JSON and its samples."""
    results = json.loads((script_out / "rate_vs_spike.json").read_text())
    with np.load(script_out / "rate_vs_spike_samples.npz") as samples:
        return results, {"generation_samples": dict(samples)}


def test_the_script_writes_its_figures_with_one_build_per_network(script_out, compared):
    payload = compared[0]
    assert finite_numbers(payload)
    assert payload["n_compilations"] == 2                 # one build per variant, many runs
    assert payload["builds"]["spiking"]["runs"] > 1
    for name in ("logp", "images", "raster", "raster_stochastic"):
        assert (script_out / f"rate_vs_spike_{name}.png").stat().st_size > 1000
    samples = compared[1]["generation_samples"]
    assert {"numpy", "spiking", "stochastic", "spiking_dendrite"} <= set(samples)
    assert "real_training_images" not in samples          # no data set images in results
    assert samples["spiking"].shape == (60, 784)


def test_lif_h1_read_from_spikes_matches_numpy_after_inference(compared):
    inf = compared[0]["inference"]["spiking"]
    diff = inf["h1_rms_difference_to_numpy"]
    # a working network: about 4.5 % of h1's rms; wrong weights or codes: tens of percent
    assert diff["spike_read_end"] < 0.15 * diff["h1_rms"]
    assert inf["end_state"]["target_met"]
    assert inf["end_state"]["spike_read"]["mean"] > inf["end_state"]["numpy_start"]


def test_lif_inpainting_from_spike_counts_beats_the_mean_image(compared):
    inp = compared[0]["inpainting"]
    lif, mean_image = inp["spiking"]["mse"]["mean"], inp["mean_image"]["mse"]["mean"]
    assert lif < 0.5 * mean_image           # a working network: about 0.29
    assert inp["spiking"]["ratio_to_numpy"] < 1.3
    assert "start" in inp["numpy"]["settings"]


def test_fano_factors_tell_the_two_unit_models_apart(compared):
    inf = compared[0]["inference"]
    lif, poisson = inf["spiking"]["fano_factor"]["H1"], inf["stochastic"]["fano_factor"]["H1"]
    assert lif["pooled"] < 0.4                  # sigma-delta LIF: regular counts (0.18)
    assert 0.8 < poisson["pooled"] < 1.2        # Poisson: variance = mean
    assert poisson["n_pairs"] > 100


def test_the_sampler_check_fails_collapsed_and_random_samplers(compared, glyphs):
    rng = np.random.default_rng(0)
    noise = rng.random((40, 784))
    noise_distance = nearest_distances(noise, glyphs.train).mean()
    assert _good_sampler(glyphs.valid[:40], glyphs, noise_distance)        # real digits pass
    assert not _good_sampler(np.repeat(glyphs.valid[:1], 40, axis=0), glyphs, noise_distance)
    assert not _good_sampler(noise, glyphs, noise_distance)


def _good_sampler(samples, glyphs, noise_distance) -> bool:
    """Covers at least 6 of 10 classes (a collapsed sampler covers 1) and lies near the data
    (a random sampler's nearest training image is much farther)."""
    coverage = class_coverage(samples, glyphs.train, glyphs.train_labels)["classes_present"]
    near = nearest_distances(samples, glyphs.train).mean()
    return coverage >= 6 and near < 0.7 * noise_distance


def test_generate_samples_pass_a_check_that_collapsed_and_random_samplers_fail(compared, glyphs):
    # measured: numpy's samples cover 8 classes, the LIF network's 7; both lie 0.21 of a
    # random image's distance from their nearest training glyph
    samples = compared[1]["generation_samples"]
    rng = np.random.default_rng(0)
    noise = rng.random(samples["numpy"].shape)
    noise_distance = nearest_distances(noise, glyphs.train).mean()
    collapsed = np.repeat(samples["spiking"][:1], len(samples["spiking"]), axis=0)
    assert _good_sampler(samples["numpy"], glyphs, noise_distance)
    assert _good_sampler(samples["spiking"], glyphs, noise_distance)
    assert not _good_sampler(collapsed, glyphs, noise_distance)
    assert not _good_sampler(noise, glyphs, noise_distance)
    gen = compared[0]["generation"]
    assert gen["spiking"]["difference_to_numpy"] > -25
    assert "real_training_images" in gen
