"""The long run's pieces (spiking_em.experiments.at_scale, simulations/spiking_at_scale.py):
checkpoints, the rate learners' snapshots, the summary and the script's refusals."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from spiking_em.experiments import at_scale
from spiking_em.experiments import from_scratch as fs
from spiking_em.model.start import initial_model
from spiking_em.model.trained import TrainedModel
from tests.conftest import REPO


def test_checkpoints_sorted_and_checked():
    assert at_scale.check_checkpoints([20_400, 5_100], 100, 50_000) == (5_100, 20_400)
    assert at_scale.check_checkpoints(at_scale.CHECKPOINTS, 100, 50_000)[-1] == 50_000
    for bad, words in (([150], "minibatch"), ([60_000], "beyond"), ([100, 100], "distinct"),
                       ([0], "positive"), ([], "positive")):
        with pytest.raises(ValueError, match=words):
            at_scale.check_checkpoints(bad, 100, 50_000)


@pytest.fixture(scope="module")
def tiny(glyphs):
    """A 784-32-8 start and 60 glyphs in order."""
    start = initial_model((784, 32, 8), glyphs.train[:200], seed=0)
    return start, glyphs.train[:60], glyphs.valid[:50]


def test_snapshot_is_the_run_stopped_there(tiny):
    """The parameters handed to on_snapshot at 20 digits are those of a run on the first 20
    digits alone (same seed), and later steps do not change the kept copy."""
    start, sequence, valid = tiny
    config = fs.rate_config(start.params.sizes, 3e-3)
    kept = {}
    fs.train_rate_on_sequence(start, sequence, valid, config, seed=4, eval_every=10 ** 6,
                              n_prior=20, also_at=(20, 40),
                              on_snapshot=lambda n, p: kept.setdefault(n, p.copy()))
    short = fs.train_rate_on_sequence(start, sequence[:20], valid, config, seed=4,
                                      eval_every=10 ** 6, n_prior=20)
    assert sorted(kept) == [20, 40]
    for k, v in short.params.as_dict().items():
        np.testing.assert_array_equal(kept[20].as_dict()[k], v)
    assert not np.array_equal(kept[20].w_f1, kept[40].w_f1)   # it kept learning after 20


def test_rate_learner_keeps_a_model_per_checkpoint(tiny, tmp_path):
    start, sequence, valid = tiny
    history = at_scale.train_rate_learner("numpy", start, sequence, valid, (20, 60), tmp_path,
                                          seed=1)
    assert history[0]["presentations"] == 0 and history[-1]["presentations"] == 60
    models = {n: TrainedModel.load(at_scale.snapshot_dir(tmp_path, "numpy", n))
              for n in (20, 60)}
    assert models[20].meta["presentations"] == 20
    assert not np.array_equal(models[20].params.w_g1, models[60].params.w_g1)
    # the numpy learner's reconstruction went down from the untrained start
    assert history[-1]["valid_reconstruction"] < history[0]["valid_reconstruction"]
    stamp = (at_scale.snapshot_dir(tmp_path, "numpy", 60) / TrainedModel.FILE).stat().st_mtime_ns
    again = at_scale.train_rate_learner("numpy", start, sequence, valid, (20, 60), tmp_path,
                                        seed=1)
    assert again == history     # all snapshots there: nothing re-run
    assert (at_scale.snapshot_dir(tmp_path, "numpy", 60) / TrainedModel.FILE) \
        .stat().st_mtime_ns == stamp


def _row(n, spiking, numpy, trainer=100.0):
    make = lambda ll: {"parzen_generate": ll, "frechet_generate": 1.0,  # noqa: E731
                       "classes": 10, "inpaint_mse": 0.03}
    return {"presentations": n, "spiking": make(spiking), "numpy": make(numpy),
            "trainer": make(trainer)}


def test_summary_gaps_and_targets():
    rows = [_row(5_100, 50.0, 70.0), _row(10_200, 90.0, 130.0), {"presentations": 20_400,
                                                                  "numpy": {}}]
    s = at_scale.summary(rows)
    assert s["parzen_gap_numpy_minus_spiking"] == {"5100": 20.0, "10200": 40.0}
    assert s["largest_gap"] == 40.0 and not s["within_25_nats_everywhere"]
    assert s["at_last_checkpoint"]["presentations"] == 10_200    # the incomplete row is left out
    assert not s["spiking_reached_200_nats"]
    assert at_scale.summary([_row(50_000, 210.0, 220.0)])["within_25_nats_everywhere"]
    assert at_scale.summary([_row(50_000, 210.0, 220.0)])["spiking_reached_200_nats"]
    assert at_scale.summary([]) == {}


@pytest.mark.parametrize("args, words", [
    (["--checkpoints", "150"], "--checkpoints: checkpoint 150 is not a multiple"),
    (["--continue-from", "nowhere"], "--continue-from: no spiking checkpoint"),
    (["--workers", "0"], "--workers"),
])
def test_script_refuses_before_work(args, words, mnist_path, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "simulations" / "spiking_at_scale.py"),
                           "--data-dir", str(mnist_path), "--runs-dir", str(tmp_path / "runs"),
                           "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()    # refused before any work


@pytest.mark.parametrize("args, words", [
    (["--presentations", "10"], "--presentations must be at least 34"),
    (["--eta", "0"], "--eta must be a positive"),
    (["--eta", "nan"], "--eta must be a positive"),
])
def test_workers_learning_refuses_before_work(args, words, tmp_path):
    proc = subprocess.run([sys.executable,
                           str(REPO / "simulations" / "spiking_workers_learning.py"),
                           "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_script_ctrl_c_is_one_line(mnist_path, tmp_path):
    """SIGINT to the process group during the rate learners: exit 130, one line, no
    traceback."""
    import os
    import signal
    proc = subprocess.Popen([sys.executable, "-u",
                             str(REPO / "simulations" / "spiking_at_scale.py"),
                             "--data-dir", str(mnist_path), "--runs-dir", str(tmp_path / "runs"),
                             "--out", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        for line in proc.stdout:          # wait until the numpy learner runs
            if "numpy:" in line:
                break
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "interrupted: the spiking checkpoint is kept; run the same command to resume"]


def test_figures_draw_a_partial_run(tmp_path):
    """The curves and samples of a run cut short after two checkpoints (one learner missing
    at the second) are drawn, with the untrained model at 0."""
    from spiking_em.experiments.at_scale_figures import plot_curves, plot_samples
    rows = [_row(5_100, 50.0, 70.0), _row(10_200, 60.0, 90.0)]
    del rows[1]["trainer"]
    for r in rows:
        for learner in at_scale.LEARNERS:
            if learner in r:
                r[learner]["parzen_generate_se"] = 1.0
    untrained = dict(rows[0]["numpy"], parzen_generate=-500.0)
    png = plot_curves({"checkpoints": rows, "untrained": untrained}, tmp_path / "c.png")
    assert png.stat().st_size > 10_000
    samples = {k: np.random.default_rng(0).random((100, 784)) for k in at_scale.LEARNERS}
    assert plot_samples(samples, rows[0], tmp_path / "s.png").stat().st_size > 10_000


def test_script_refuses_a_corrupt_checkpoint_to_continue_from(mnist_path, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "spiking_checkpoint.npz").write_bytes(b"not a checkpoint")
    proc = subprocess.run([sys.executable, str(REPO / "simulations" / "spiking_at_scale.py"),
                           "--data-dir", str(mnist_path), "--runs-dir", str(tmp_path / "runs"),
                           "--out", str(tmp_path), "--continue-from", str(other)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "spiking_checkpoint.npz" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()
