"""Shared fixtures: the MNIST location, a small trained model, and Brian2 device resets."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spiking_em.data.glyphs import glyph_dataset
from spiking_em.model.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]
# the suite runs one pytest-xdist worker per core: one BLAS thread each, and the same thread
# count in every run of a test (OpenBLAS sums in another order with another count, so a
# resumed run is bit-identical to a straight one only at equal thread counts)
os.environ.setdefault("SPIKING_EM_BLAS_THREADS", "1")


def mnist_dir() -> Path | None:
    """$SPIKING_EM_DATA if set, else ../shared/data/mnist beside the repository, if present."""
    for candidate in (os.environ.get("SPIKING_EM_DATA"), REPO.parent / "shared" / "data" / "mnist"):
        if candidate and (Path(candidate) / "train-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = mnist_dir()
    if path is None:
        pytest.skip("MNIST not found: set SPIKING_EM_DATA to a directory with the four IDX "
                    "files (or place them in ../shared/data/mnist)")
    return path


@pytest.fixture(scope="session")
def glyphs():
    """A small embedded glyph data set (no download)."""
    return glyph_dataset(n_train=3000, n_valid=300, n_test=300, seed=3)


SMALL = dict(n_hidden1=128, n_hidden2=16, epochs=8, optimizer="adam", learning_rate=3e-4,
             batch_size=50)


@pytest.fixture(scope="session")
def small_model(glyphs, tmp_path_factory):
    """A 784-128-16 model trained for 8 epochs on glyphs with Algorithm 2 (seconds)."""
    from spiking_em.model.training import train
    out = tmp_path_factory.mktemp("small_model")
    return train(glyphs.train, glyphs.valid, TrainConfig.paper(**SMALL), seed=0, out_dir=out,
                 dataset_name="glyphs")


@pytest.fixture(scope="session")
def learning_run(glyphs, tmp_path_factory):
    """The run folder of a 784-48-12 model trained for 6 epochs on glyphs (``--run-dir``)."""
    from spiking_em.model.training import train
    out = tmp_path_factory.mktemp("tiny")
    train(glyphs.train[:2000], glyphs.valid, TrainConfig.paper(
        n_hidden1=48, n_hidden2=12, epochs=6, optimizer="adam", learning_rate=1e-3,
        batch_size=50), seed=0, out_dir=out, dataset_name="glyphs")
    return out


@pytest.fixture(scope="session")
def learning_model(learning_run):
    """The spiking learners' tiny model (784-48-12), from ``learning_run``."""
    from spiking_em.model.trained import TrainedModel
    return TrainedModel.load(learning_run)


SAMPLING = dict(n_hidden1=256, n_hidden2=32, epochs=20, optimizer="adam", learning_rate=3e-4,
                batch_size=50)


@pytest.fixture(scope="session")
def sampling_run(glyphs, tmp_path_factory):
    """The run folder of a 784-256-32 glyph model whose own GENERATE covers most classes
    (~20 s of training; ``--run-dir`` for the scripts).

    The 784-128-16 ``small_model`` cannot serve the sampling tests: its h2 units saturate at 0
    or 1 for every digit, so its prior is a point and its GENERATE one image."""
    from spiking_em.model.training import train
    out = tmp_path_factory.mktemp("sampling_model")
    train(glyphs.train, glyphs.valid, TrainConfig.paper(**SAMPLING), seed=0, out_dir=out,
          dataset_name="glyphs")
    return out


@pytest.fixture(scope="session")
def sampling_model(sampling_run):
    """The model in ``sampling_run``."""
    from spiking_em.model.trained import TrainedModel
    return TrainedModel.load(sampling_run)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def brian2_reset():
    """Reset Brian2's device before and after a test that builds a network."""
    from spiking_em.spiking import device
    device.reset()
    yield
    device.reset()


@contextlib.contextmanager
def external_dask(tmp_path: Path, n_workers: int = 1):
    """A ``dask scheduler`` and ``n_workers`` ``dask worker`` processes started as separate
    programs (one thread each, Brian2 preloaded), as a user would start them; yields
    (scheduler address, worker processes)."""
    scheduler_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--port", "0",
                               "--dashboard-address", ":0", "--scheduler-file",
                               str(scheduler_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if scheduler_file.exists() and scheduler_file.read_text().strip():
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = [subprocess.Popen([sys.executable, "-m", "dask", "worker", address,
                                     "--nthreads", "1", "--nworkers", "1", "--preload",
                                     "brian2", "--dashboard-address", ":0"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(n_workers)]
        procs += workers
        yield address, workers
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
