"""A variant of the long run's spiking learner: its kept rows, its checkpoint's refusal, and the
noise-size script's table of learners (simulations/spiking_noise_size.py) on kept models."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spiking_em.experiments import long_run_variant as variant
from spiking_em.model.config import TrainConfig
from spiking_em.model.layers import init_params
from spiking_em.model.sampling import fit_prior
from spiking_em.model.trained import TrainedModel

REPO = Path(__file__).resolve().parents[1]


def _kept(runs: Path, n: int, evaluation: dict | None, repeats: int = 0) -> None:
    """A kept 8-6-4 model after ``n`` digits, as the variant's learner leaves it."""
    params = init_params((8, 6, 4), rng=np.random.default_rng(0))
    meta = {"spiking": {"presentations": n, "distinct_digits": n - repeats, "repeats": repeats,
                        "wall_s": n / 5.0, "history": [{"valid_reconstruction": 12.5}]}}
    TrainedModel(params=params, prior=fit_prior(np.random.default_rng(1).random((20, 4))),
                 config=TrainConfig(), meta=meta).save(variant.snapshot(runs, n))
    if evaluation is not None:
        (variant.snapshot(runs, n) / "evaluation.json").write_text(json.dumps(evaluation))


def _evaluation(parzen: float, frechet: float) -> dict:
    return {"parzen_generate": parzen, "parzen_generate_se": 1.0, "frechet_generate": frechet,
            "classes": 10, "inpaint_mse": 0.03, "parzen_ancestral": 120.0}


def test_learner_row_reads_a_kept_evaluated_model(tmp_path):
    _kept(tmp_path, 5100, _evaluation(90.0, 110.0), repeats=3)
    _kept(tmp_path, 10200, None)
    row = variant.learner_row(tmp_path, 5100)
    assert row["parzen_generate"] == 90.0 and row["presentations"] == 5100
    assert row["distinct_digits"] == 5097 and row["repeats"] == 3
    assert row["presentations_per_minute"] == pytest.approx(300.0)
    assert row["valid_reconstruction"] == 12.5
    assert variant.learner_row(tmp_path, 10200) is None   # kept, not evaluated
    assert variant.learner_row(tmp_path, 20400) is None   # not kept


def test_an_evaluation_is_kept_with_its_samples(tmp_path, monkeypatch):
    """Samples are kept beside the evaluation; a kept evaluation without them is re-run for the
    samples and keeps its numbers; a complete one is not re-run (the evaluation itself, a
    minute of MNIST sampling, is replaced by a recorder here)."""
    from spiking_em.evaluation import classifier
    from spiking_em.experiments import at_scale
    calls = []

    def evaluate(model, dataset, classifier, config, *, seed):
        calls.append(seed)
        return _evaluation(50.0, 60.0), np.full((100, 8), 0.25 * len(calls))

    monkeypatch.setattr(at_scale, "evaluate_snapshot", evaluate)
    monkeypatch.setattr(classifier, "mnist_classifier", lambda dataset: None)
    _kept(tmp_path, 5100, _evaluation(90.0, 110.0))
    _kept(tmp_path, 10200, None)
    assert variant.kept_samples(tmp_path, 5100) is None
    model = TrainedModel.load(variant.snapshot(tmp_path, 5100))
    assert variant.evaluated(tmp_path, 5100, model, None, seed=4, say=print)["parzen_generate"] \
        == 90.0
    assert variant.kept_samples(tmp_path, 5100).shape == (100, 8)
    assert variant.evaluated(tmp_path, 10200, model, None, seed=4, say=print)["parzen_generate"] \
        == 50.0
    variant.evaluated(tmp_path, 5100, model, None, seed=4, say=print)
    assert calls == [4, 4]
    np.testing.assert_array_equal(variant.kept_samples(tmp_path, 10200), 0.5)


def test_a_checkpoint_of_other_settings_is_refused(tmp_path):
    from spiking_em.model import checkpoint
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.trainer import CHECKPOINT_FILE
    config = SpikingTrainConfig(eta=3e-3)
    assert variant.check_own_checkpoint(tmp_path, config, 1, 2) == (
        tmp_path / "spiking" / CHECKPOINT_FILE)   # none yet: nothing to refuse
    meta = {"parallel_blocks": 2, "dataset": variant.DATASET_NAME, "seed": 1,
            "config": SpikingTrainConfig(eta=1e-2).as_dict()}
    checkpoint.save_atomic(tmp_path / "spiking" / CHECKPOINT_FILE, {"w": np.zeros(2)}, meta)
    with pytest.raises(ValueError, match="other spiking settings"):
        variant.check_own_checkpoint(tmp_path, config, 1, 2)
    with pytest.raises(ValueError, match="--workers 2"):
        variant.check_own_checkpoint(tmp_path, config, 1, 1)
    (tmp_path / "spiking" / CHECKPOINT_FILE).write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError):
        variant.check_own_checkpoint(tmp_path, config, 1, 2)


@pytest.fixture
def noise_size():
    sys.path.insert(0, str(REPO / "simulations"))
    try:
        yield importlib.import_module("spiking_noise_size")
    finally:
        sys.path.remove(str(REPO / "simulations"))


def test_noise_size_table_and_targets(noise_size, tmp_path):
    weak, long_run, base = tmp_path / "weak", tmp_path / "at-scale", tmp_path / "baseline"
    _kept(weak, 5100, _evaluation(60.0, 100.0))
    _kept(long_run / "spiking", 5100, _evaluation(50.0, 150.0))
    _kept(base, 5100, _evaluation(95.0, 112.0))
    (long_run / "numpy" / "at-5100").mkdir(parents=True)
    (long_run / "numpy" / "at-5100" / "evaluation.json").write_text(
        json.dumps(_evaluation(140.0, 90.0)))
    row = noise_size._checkpoint(5100, weak, long_run, base)
    assert set(row) == {"presentations", "spiking_weak_noise", "spiking_paper_noise",
                        "spiking_paper_noise_pixel_baseline", "numpy"}
    for key in ("parzen_generate", "frechet_generate", "classes_generate", "inpaint_mse",
                "distinct_digits", "repeats"):
        assert all(key in row[k] for k in row if k != "presentations"), key
    assert row["numpy"]["distinct_digits"] == 5100 and row["numpy"]["repeats"] == 0
    targets = noise_size._targets({k: v for k, v in row.items() if k != "presentations"})
    assert targets["parzen_gap_paper_noise_vs_numpy"] == pytest.approx(90.0)
    assert not targets["parzen_within_10"] and not targets["frechet_no_worse"]
    assert targets["paper_noise_minus_weak_parzen"] == pytest.approx(-10.0)
    assert targets["parzen_gap_pixel_baseline_vs_numpy"] == pytest.approx(45.0)
    assert targets["pixel_baseline_minus_weak_parzen"] == pytest.approx(35.0)
    assert targets["no_repeats"]
    assert noise_size._checkpoint(10200, weak, long_run, base) is None   # weak learner absent
    noise_size._plot([row], tmp_path / "n.png")
    assert (tmp_path / "n.png").stat().st_size > 10_000


@pytest.mark.parametrize("args, words", [
    (["--presentations", "7000"], "--presentations must be one of the long run's checkpoints"),
    (["--at-scale-dir", "nowhere"], "--at-scale-dir: no start model at nowhere"),
])
def test_noise_size_script_refuses_before_work(args, words, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "simulations" / "spiking_noise_size.py"),
                           "--runs-dir", str(tmp_path / "runs"), "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()
