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


def test_spiking_config_is_the_long_runs_learner_with_off_pixels():
    from dataclasses import replace

    from spiking_em.experiments import at_scale
    from spiking_em.spiking.replay import SampleConfig
    config = pb.spiking_config(0.1, mean_pixel=0.13)
    assert config.teaching.pixel_off and config.sample.baseline_x == 0.1
    plain = SampleConfig.paper_noise_floor()
    # the same mean variance: (m + 2 b) / rho' = m / rho
    assert (0.13 + 0.2) / config.sample.rate_x == pytest.approx(0.13 / plain.rate_x)
    assert replace(config.sample, rate_x=plain.rate_x, baseline_x=0.0) == plain
    assert config.eta == at_scale.SPIKING_ETA and config.network.lif.dt_ms == 0.4


@pytest.mark.parametrize("script, args, words", [
    ("pixel_baseline.py", ["--presentations", "50"], "--presentations must be between"),
    ("spiking_pixel_baseline.py", ["--presentations", "50"], "--presentations must be between"),
    ("spiking_pixel_baseline.py", ["--baseline", "0"], "--baseline must be in (0, 1]"),
    ("spiking_pixel_baseline.py", ["--baseline", "nan"], "--baseline must be in (0, 1]"),
])
def test_scripts_refuse_before_work(script, args, words, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(repo / "simulations" / script),
                           "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_plot_rows_draws_bars_and_curves(tmp_path):
    row = {"parzen_generate": 90.0, "parzen_ancestral": 130.0, "frechet_generate": 110.0,
           "never_on_f1_weight_change": 0.01}
    rows = {"spiking, baseline 0.1": row, "spiking, plain": dict(row, parzen_generate=50.0)}
    pb.plot_rows(rows, "bars", tmp_path / "b.png")
    pb.plot_rows(rows, "bars and curves", tmp_path / "c.png",
                 curves={"baseline": ((5100, 10200), (90.0, 95.0)),
                         "plain": ((5100, 10200), (50.0, 52.0))})
    assert (tmp_path / "b.png").stat().st_size > 10_000
    assert (tmp_path / "c.png").stat().st_size > (tmp_path / "b.png").stat().st_size
