"""Data-parallel learning in the spiking network on a real Dask cluster (a ``dask scheduler``
and two ``dask worker`` processes): the weights move by the sum of the blocks' changes, a
worker killed mid-round costs only that round's re-run (the weights come out the same), and a
run resumed from its checkpoint ends where an uninterrupted one does."""
from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest
from conftest import external_dask

from spiking_em.model.start import initial_model
from spiking_em.spiking.areas import NetworkConfig
from spiking_em.spiking.parallel import ParallelLearner
from spiking_em.spiking.teaching import SpikingTrainConfig
from spiking_em.spiking.trainer import train_spiking

pytestmark = [pytest.mark.standalone, pytest.mark.slow]
# 4 digits per block (one binary run), two blocks per round: the learning network of
# test_spiking_learning.py (784-48-12, 189 slots), so the workers copy a compiled one if any
CONFIG = SpikingTrainConfig(network=NetworkConfig(n_slots=4 * 47 + 1), n_reference=100,
                            eta=3e-3)
N = 16   # two rounds of 2 x 4 digits


def test_rounds_sum_the_blocks_survive_a_lost_worker_and_resume_exactly(glyphs, tmp_path):
    from dask.distributed import Client
    start = initial_model((784, 48, 12), glyphs.train[:100], seed=0)
    x, xv = glyphs.train[:60], glyphs.valid[:40]
    kw = dict(seed=0, dataset_name="glyphs", n_prior=6, eval_every=1, checkpoint_every=1,
              shuffle=False)
    with external_dask(tmp_path, n_workers=2) as (address, _):
        client = Client(address, timeout="20s")
        try:
            client.wait_for_workers(2, timeout=60)
            learner = ParallelLearner(client, CONFIG, blocks=2, net_seed=0)
            rounds = []
            victim, pid = next(iter(client.run(os.getpid).items()))

            def kill_one_mid_round(record):
                """After the first round, kill a worker once a block of the second runs on
                it."""
                rounds.append(record.presentations)
                if len(rounds) == 1:
                    threading.Thread(target=_kill_when_busy, args=(client, victim, pid)).start()

            lost = train_spiking(x, xv, start, CONFIG, n_presentations=N, parallel=learner,
                                 out_dir=tmp_path / "lost", on_run=kill_one_mid_round, **kw)
            assert rounds == [8, 16]
            assert lost.meta["spiking"]["parallel_blocks"] == 2
            assert lost.meta["spiking"]["distinct_digits"] == N
            assert lost.meta["spiking"]["repeats"] == 0

            # the same run again on the surviving worker: every block's result depends on its
            # inputs only, so the lost round's re-run changed nothing
            again = train_spiking(x, xv, start, CONFIG, n_presentations=N, parallel=learner,
                                  out_dir=tmp_path / "again", **kw)
            _assert_same(lost, again)

            def interrupt(record):   # a Ctrl-C after the second round, before its checkpoint
                if record.presentations == N:
                    raise KeyboardInterrupt

            with pytest.raises(KeyboardInterrupt):
                train_spiking(x, xv, start, CONFIG, n_presentations=N, parallel=learner,
                              out_dir=tmp_path / "resumed", on_run=interrupt, **kw)
            with pytest.raises(ValueError, match="--workers 2"):
                train_spiking(x, xv, start, CONFIG, n_presentations=N,
                              out_dir=tmp_path / "resumed", resume=True, **kw)
            resumed = train_spiking(x, xv, start, CONFIG, n_presentations=N, parallel=learner,
                                    out_dir=tmp_path / "resumed", resume=True, **kw)
            _assert_same(lost, resumed)
            moved = max(np.max(np.abs(getattr(lost.params, k) - v))
                        for k, v in start.params.as_dict().items())
            assert moved > 1e-4
        finally:
            client.close()


def _kill_when_busy(client, address: str, pid: int) -> None:
    """SIGKILL a worker process and its nanny (a lost machine: no restart) as soon as a task
    is processing on it."""
    import time

    import psutil
    for _ in range(2000):
        if client.processing().get(address):
            break
        time.sleep(0.01)
    worker = psutil.Process(pid)
    for proc in (worker.parent(), worker):
        os.kill(proc.pid, signal.SIGKILL)


def _assert_same(a, b) -> None:
    for name, arr in a.params.as_dict().items():
        np.testing.assert_allclose(getattr(b.params, name), arr, rtol=0, atol=1e-12,
                                   err_msg=name)
