"""Ctrl-C from a terminal during ``spiking-em train-spiking``: SIGINT to the whole process group,
Brian2's running binary included (and, with ``--workers``, the local Dask cluster's worker
processes and their binaries). The run stops with one line and exit code 130, keeps a
checkpoint, leaves no process behind, and resumes to the same model as an uninterrupted run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spiking_em.model.trained import TrainedModel

# the learning network of tests/test_spiking_learning.py (784-48-12, 4 digits a run, seed 0):
# one compilation serves both modules
ARGS = ["train-spiking", "--dataset", "glyphs", "--n-hidden1", "48", "--n-hidden2", "12",
        "--presentations", "12", "--digits-per-run", "4", "--eta", "3e-3", "--n-valid", "50",
        "--n-prior", "8", "--seed", "0"]
pytestmark = [pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals"),
              pytest.mark.standalone, pytest.mark.slow]


def _cli(out, *extra):
    env = dict(os.environ, SPIKING_EM_BLAS_THREADS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "spiking_em", *ARGS, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)   # its own process group, as a terminal's job


def _processes():
    """(command name, parent pid, process group) of every living process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        fields = rest.split()
        if fields[0] != "Z":   # zombies have exited
            yield comm, int(fields[1]), int(fields[2])


def _running_binary(pid: int) -> bool:
    """Whether a compiled Brian2 binary ("main") runs as a child of process ``pid``."""
    return any(comm == "main" and ppid == pid for comm, ppid, _ in _processes())


def _binary_in_group(group: int) -> bool:
    """Whether a compiled Brian2 binary runs anywhere in process group ``group`` (a Dask
    worker's child, with ``--workers``)."""
    return any(comm == "main" and pgrp == group for comm, _, pgrp in _processes())


def _one_line(err: str) -> list[str]:
    """stderr's lines beside the progress bar and the build's INFO log."""
    return [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip()
            and not ln.lstrip().startswith(("presentations", "INFO "))]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    proc = _cli(out)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    return TrainedModel.load(out)


def test_ctrl_c_to_the_process_group_then_resume(uninterrupted, tmp_path):
    out = tmp_path / "run"
    proc = _cli(out)
    deadline = time.monotonic() + 600
    runs_seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if _running_binary(proc.pid):
            runs_seen += 1
            if runs_seen == 2 or (out / "spiking_checkpoint.npz").exists():
                os.killpg(proc.pid, signal.SIGINT)   # what a terminal's Ctrl-C does
                break
            while _running_binary(proc.pid):
                time.sleep(0.01)
        time.sleep(0.01)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    lines = _one_line(err)   # beside the progress bar and the build's INFO log, one line
    assert len(lines) == 1 and "--resume" in lines[0], lines
    assert (out / "spiking_checkpoint.npz").is_file() and not (out / "model.npz").exists()
    proc = _cli(out, "--resume")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    resumed = TrainedModel.load(out)
    for name, arr in uninterrupted.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(resumed.params, name), err_msg=name)
    assert resumed.meta["spiking"]["repeats"] == 0


# a local cluster of one worker process (one more compilation), a block of 4 digits per
# round, four rounds
PARALLEL = ["--workers", "1", "--presentations", "16"]


def test_ctrl_c_to_the_process_group_with_dask_workers_then_resume(tmp_path):
    straight = _cli(tmp_path / "straight", *PARALLEL)
    _, err = straight.communicate(timeout=900)
    assert straight.returncode == 0, err
    # the cluster's scheduler and client log in this process: INFO only with --verbose
    assert "INFO distributed" not in err, err
    out = tmp_path / "run"
    proc = _cli(out, *PARALLEL)
    deadline = time.monotonic() + 600
    runs_seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if _binary_in_group(proc.pid):   # the group's id is the leader's pid
            runs_seen += 1
            if runs_seen == 3:           # mid-round: the third round's binary
                os.killpg(proc.pid, signal.SIGINT)
                break
            while _binary_in_group(proc.pid):
                time.sleep(0.01)
        time.sleep(0.01)
    assert runs_seen == 3, "the run ended before a third binary ran"
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    lines = _one_line(err)
    assert len(lines) == 1 and "--resume" in lines[0], lines
    assert (out / "spiking_checkpoint.npz").is_file() and not (out / "model.npz").exists()
    time.sleep(1)
    left = [comm for comm, _, pgrp in _processes() if pgrp == proc.pid]
    assert not left, f"processes left in the interrupted run's group: {left}"
    proc = _cli(out, *PARALLEL, "--resume")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    resumed, uninterrupted = TrainedModel.load(out), TrainedModel.load(tmp_path / "straight")
    for name, arr in uninterrupted.params.as_dict().items():
        np.testing.assert_array_equal(arr, getattr(resumed.params, name), err_msg=name)
    assert resumed.meta["spiking"]["parallel_blocks"] == 1
    assert resumed.meta["spiking"]["repeats"] == 0
