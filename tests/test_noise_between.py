"""The learner between weak and paper-sized spike noise: its rate factors read off the measured
curve, and its comparison with the committed learners."""
import json
from pathlib import Path

import pytest

from spiking_em.experiments import noise_between as nb
from spiking_em.spiking.replay import SampleConfig

FIGURES = Path(__file__).resolve().parent.parent / "figures"
CURVE = [{"rate": 1.0, "rms": {"x": 0.05, "h1": 0.05}},
         {"rate": 0.1, "rms": {"x": 0.2, "h1": 0.5}},
         {"rate": 0.01, "rms": {"x": 0.8, "h1": 5.0}}]


def test_rates_for_rms_hits_the_curve_points_and_interpolates_log_log():
    assert nb.rates_for_rms(CURVE, {"x": 0.2, "h1": 5.0}) == pytest.approx(
        {"x": 0.1, "h1": 0.01})
    # h1's rms ∝ ρ^-1 between the points: half-way in log rms is half-way in log ρ
    assert nb.rates_for_rms(CURVE, {"h1": 0.5 ** 0.5 * 0.05 ** 0.5})["h1"] == pytest.approx(
        0.1 ** 0.5)
    # x: 0.1 is half-way from 0.05 to 0.2 in log rms, so ρ is half-way from 1 to 0.1
    assert nb.rates_for_rms(CURVE, {"x": 0.1})["x"] == pytest.approx(10 ** -0.5)


def test_rms_outside_the_curve_is_refused_with_its_range():
    with pytest.raises(ValueError, match=r"h1 is outside.*\[0.05, 5\]"):
        nb.rates_for_rms(CURVE, {"h1": 0.01})


def test_the_whole_paper_rms_gives_back_the_long_runs_sample():
    """Fraction 1 on the committed curve is the paper-sized sample with the floor, which was
    read off the same curve; a half is between it and the weak sample on every area."""
    paper = SampleConfig.paper_noise_floor()
    whole = nb.sample_between(FIGURES / "spiking_denoising.json", 1.0)
    for area in ("x", "h1", "h2"):
        assert getattr(whole, f"rate_{area}") == pytest.approx(
            getattr(paper, f"rate_{area}"), rel=0.01)
    half = nb.sample_between(FIGURES / "spiking_denoising.json", 0.5)
    for area in ("x", "h1", "h2"):
        assert getattr(paper, f"rate_{area}") < getattr(half, f"rate_{area}") < 1.0
    assert (half.floor_h1, half.floor_h2) == (nb.FLOOR, nb.FLOOR)


def test_committed_rows_and_gaps_read_the_learners_results(tmp_path):
    row = {"parzen_generate": 100.0, "parzen_generate_se": 1.0, "frechet_generate": 90.0,
           "classes": 10, "inpaint_mse": 0.03, "parzen_ancestral": 120.0}
    (tmp_path / "spiking_at_scale.json").write_text(json.dumps({"checkpoints": [
        {"presentations": 5100, "spiking": {**row, "parzen_generate": 50.0},
         "numpy": {**row, "parzen_generate": 140.0}}]}))
    (tmp_path / "spiking_noise_size.json").write_text(json.dumps({"checkpoints": [
        {"presentations": 5100, "spiking_weak_noise": {
            **{k: v for k, v in row.items() if k != "classes"}, "classes_generate": 9,
            "parzen_generate": 130.0}}]}))
    rows = nb.committed_rows(tmp_path, 5100)
    assert set(rows) == {"spiking_paper_noise", "numpy", "spiking_weak_noise"}
    assert rows["spiking_weak_noise"]["classes"] == 9
    assert nb.committed_rows(tmp_path, 10200) == {}
    gaps = nb.gaps({"presentations": 5100, **rows, "spiking_noise_between": row})
    assert gaps["spiking_paper_noise"] == {"gap_nats": 90.0, "within_25": False}
    assert gaps["spiking_weak_noise"] == {"gap_nats": 10.0, "within_25": True}
    assert gaps["spiking_noise_between"]["gap_nats"] == 40.0
    assert "numpy" not in gaps


REPO = FIGURES.parent


@pytest.mark.parametrize("args, words", [
    (["--presentations", "7000"], "--presentations must be one of the long run's checkpoints"),
    (["--fraction", "1"], "--fraction must be in (0, 1)"),
    (["--fraction", "0.05"], "--fraction / --denoising-json: rms 0.025 for x is outside"),
    (["--denoising-json", "nowhere.json"], "--denoising-json: nowhere.json not found"),
])
def test_script_refuses_before_work(args, words, tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, str(REPO / "simulations" / "spiking_noise_between.py"),
                           "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path),
                           "--denoising-json", str(FIGURES / "spiking_denoising.json"), *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_the_figure_draws_every_learner(tmp_path):
    import sys
    sys.path.insert(0, str(REPO / "simulations"))
    import spiking_noise_between as script
    rows = [{"presentations": n, **nb.committed_rows(FIGURES, n),
             "spiking_noise_between": {"parzen_generate": p, "frechet_generate": 80.0}}
            for n, p in ((5100, 120.0), (10200, 130.0))]
    context = [{"presentations": n, **nb.committed_rows(FIGURES, n)}
               for n in (5100, 10200, 20400, 30600)]
    script._plot(rows, context, tmp_path / "between.png")
    assert (tmp_path / "between.png").stat().st_size > 10_000
