"""Ctrl-C during training, as a real SIGINT to a real ``spiking-em train`` process: the run
resumes to the same model as an uninterrupted one, after one Ctrl-C (checkpoint written at the
next minibatch boundary) and after two in quick succession (stopped mid-minibatch: nothing is
written, the previous checkpoint stays)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from spiking_em.model.trained import TrainedModel

ARGS = ["train", "--dataset", "glyphs", "--n-train", "2000", "--epochs", "3", "--n-hidden1", "64",
        "--n-hidden2", "8", "--batch-size", "20", "--optimizer", "adam", "--learning-rate",
        "1e-3", "--seed", "4"]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")


def _cli(out, *extra, **kw):
    env = dict(os.environ, SPIKING_EM_BLAS_THREADS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "spiking_em", *ARGS, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            **kw)


def _interrupt_after_first_epoch(out, n_signals: int) -> str:
    proc = _cli(out)
    for line in proc.stdout:
        if line.startswith("epoch   1"):
            for _ in range(n_signals):
                proc.send_signal(signal.SIGINT)
            break
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    return err


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    proc = _cli(out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return TrainedModel.load(out)


@pytest.mark.slow
@pytest.mark.parametrize("n_signals", [1, 2])
def test_sigint_then_resume_matches_an_uninterrupted_run(n_signals, uninterrupted, tmp_path):
    out = tmp_path / "run"
    err = _interrupt_after_first_epoch(out, n_signals)
    assert "Traceback" not in err and "--resume" in err
    assert (out / "checkpoint.npz").is_file() and not (out / "model.npz").exists()
    proc = _cli(out, "--resume")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    resumed = TrainedModel.load(out)
    for name, arr in uninterrupted.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(resumed.params, name), err_msg=name)
    np.testing.assert_array_equal(uninterrupted.prior.std, resumed.prior.std)
