"""The pixel-baseline comparison's corruptions (spiking_em.experiments.pixel_baseline)."""
from __future__ import annotations

import numpy as np
import pytest

from spiking_em.experiments import pixel_baseline as pb
from spiking_em.model.layers import init_params


def test_spike_code_is_the_spiking_learners_sample():
    code = pb.spike_code_corruption()
    assert code.kind == "poisson" and code.baseline == 0
    # 200 Hz pixels at rho_x 0.0123 over 10 slots of 20 ms: 0.49 expected spikes at v = 1
    assert code.gain_hz * code.window_s == pytest.approx(200 * 0.0123 * 0.2)


def test_baseline_corrupts_the_background_at_the_same_overall_size(glyphs):
    x = glyphs.train[:500]
    rms = {name: pb.corruption_rms(c, x) for name, c in pb.settings(x).items()}
    # (the background, x < 0.05, holds faint pixels: the spike code corrupts those a little)
    assert 5 * rms["spike_code"]["background"] < rms["baseline_0.05"]["background"] \
        < rms["baseline_0.2"]["background"]
    for b in pb.BASELINES:      # the gain keeps the variance averaged over pixels
        assert rms[f"baseline_{b:g}"]["all"] == pytest.approx(rms["spike_code"]["all"], rel=0.03)
    assert rms["gaussian"]["background"] == pytest.approx(0.5, rel=0.02)


def test_never_on_weight_change_reads_only_always_black_pixels():
    start = init_params((16, 4, 2), rng=np.random.default_rng(0))
    x = np.zeros((5, 16))
    x[:, :10] = 0.5                                  # pixels 10..15 never on
    moved = start.copy()
    moved.w_f1[:10] += 1.0                           # only pixels that are on move
    assert pb.never_on_weight_change(moved, start, x) == 0.0
    moved.w_f1[12] += 2.0
    assert pb.never_on_weight_change(moved, start, x) == pytest.approx(2.0 / 6)
