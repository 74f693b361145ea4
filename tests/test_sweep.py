"""Sweeps on Dask: a local cluster, resume without redoing finished runs, and an external
scheduler + worker pair started as separate processes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import external_dask

from spiking_em.experiments.from_scratch import rate_run
from spiking_em.model.start import initial_model
from spiking_em.model.trained import TrainedModel
from spiking_em.sweep import Run, run_sweep

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny_runs(tmp_path, glyphs):
    """Three real runs of the numpy learner on 200 glyphs (a second each)."""
    start = initial_model((784, 16, 4), glyphs.train[:200], seed=0)
    start.save(tmp_path / "start")
    np.save(tmp_path / "seq.npy", glyphs.train[:200])
    np.save(tmp_path / "valid.npy", glyphs.valid[:50])
    return [Run(f"lr-{lr:g}", rate_run,
                dict(start_dir=str(tmp_path / "start"), sequence_file=str(tmp_path / "seq.npy"),
                     valid_file=str(tmp_path / "valid.npy"), learning_rate=lr,
                     n_presentations=200, n_select=100, seed=0,
                     out_dir=str(tmp_path / f"lr-{lr:g}")))
            for lr in (1e-3, 3e-3, 1e-2)]


def test_local_sweep_runs_all_and_resumes_without_redoing(tiny_runs, tmp_path):
    messages = []
    results = run_sweep(tiny_runs, tmp_path / "sweep", n_workers=2, say=messages.append)
    assert sorted(results) == ["lr-0.001", "lr-0.003", "lr-0.01"]
    for name, r in results.items():
        assert json.loads((tmp_path / "sweep" / f"{name}.json").read_text()) == r
        history = r["history"]   # the learner really learned: reconstruction went down
        assert history[-1]["valid_reconstruction"] < history[0]["valid_reconstruction"]
    # a killed sweep: one result and its model are gone; the rerun does only that one
    (tmp_path / "sweep" / "lr-0.003.json").unlink()
    shutil.rmtree(tmp_path / "lr-0.003")
    kept = (tmp_path / "sweep" / "lr-0.001.json").stat().st_mtime_ns
    messages.clear()
    again = run_sweep(tiny_runs, tmp_path / "sweep", n_workers=1, say=messages.append)
    assert any("2 of 3 runs finished before; 1 to go" in m for m in messages)
    assert (tmp_path / "sweep" / "lr-0.001.json").stat().st_mtime_ns == kept
    assert again["lr-0.003"]["history"] == results["lr-0.003"]["history"]
    assert TrainedModel.load(tmp_path / "lr-0.003").params.sizes == (784, 16, 4)


def test_duplicate_run_names_are_refused(tiny_runs, tmp_path):
    with pytest.raises(ValueError, match="unique"):
        run_sweep(tiny_runs + tiny_runs[:1], tmp_path / "sweep")


def test_sweep_on_a_separately_started_scheduler_and_worker(tiny_runs, tmp_path):
    with external_dask(tmp_path) as (address, _):
        messages = []
        results = run_sweep(tiny_runs[:2], tmp_path / "sweep", scheduler=address,
                            say=messages.append)
        assert sorted(results) == ["lr-0.001", "lr-0.003"]
        assert any(f"the scheduler at {address}" in m for m in messages)


def test_a_finished_numpy_run_is_kept(tiny_runs):
    """rate_run with its model already in out_dir returns it as is when it went far enough:
    same history, file untouched (it read the spiking learner's metadata before, a KeyError)."""
    run = tiny_runs[0]
    first = rate_run(**run.kwargs)
    model_file = Path(run.kwargs["out_dir"]) / TrainedModel.FILE
    written = model_file.stat().st_mtime_ns
    again = rate_run(**run.kwargs)
    assert again["history"] == first["history"]
    assert model_file.stat().st_mtime_ns == written
    shorter = rate_run(**dict(run.kwargs, n_presentations=100))
    assert shorter["presentations"] == 200          # a longer run satisfies a shorter request


SCRIPTS = Path(__file__).resolve().parents[1] / "simulations"


@pytest.mark.parametrize("script,extra", [
    ("seed_sweep.py", ["--seeds", "1", "2"]),
    ("spiking_from_scratch.py", []),
    ("corruption_study.py", []),
    ("stochastic_budget.py", ["--run-dir", "nowhere"]),
])
@pytest.mark.parametrize("bad,names", [
    (["--scheduler", "not-an-address"], "--scheduler"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler"),   # nothing listens on port 9
    (["--workers", "0"], "--workers"),
])
def test_sweep_options_are_checked_before_any_work(script, extra, bad, names, tmp_path):
    """A bad --scheduler (malformed or unreachable) or --workers ends the script with one line
    naming the option, exit code 2, no traceback, no hang and no folder written."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(SCRIPTS / script), *extra, *bad, "--out",
                           str(out), "--quick"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in proc.stderr, lines
    assert sorted(p.name for p in tmp_path.iterdir()) == [], list(tmp_path.iterdir())
