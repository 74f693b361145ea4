"""Data-parallel learning in the spiking network on Dask.

A *round* sends the same weights and rate codes to ``blocks`` tasks; each task runs one
compiled learning network (one per worker process, built on the task's first call and kept)
over its own disjoint block of digits, learning as the one-process trainer does, and returns
its weight change; the driver adds the changes and starts the next round.

Why the sum, not the mean: the one-process learner takes one step of size eta per digit. In a
round of N blocks every digit still contributes its own step of size eta, taken from weights at
most one block old, so the sum keeps the learning rate per digit (N workers learn what one
learner learns on the same digits, up to that staleness); the mean would shrink every digit's
step N-fold and make N workers learn N times slower per digit.

Reproducibility: a block's noise comes from a seed that the driver draws from its own
Generator (checkpointed with the weights), and a block's result depends only on its inputs,
never on which worker ran it. So a round whose worker is lost is simply re-run (Dask
reschedules the task on another worker, which compiles its network first): nothing else is
lost and the weights come out the same; and a resumed run ends with the same weights as an
uninterrupted one, whatever the number of physical workers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spiking_em import interrupts
from spiking_em.model.layers import Params
from spiking_em.spiking.teaching import SpikingTrainConfig, TeachingRun, spike_h2, teach

#: this worker process's compiled learning network, by its build settings
_NETWORK: dict = {}


def worker_network(sizes, config: SpikingTrainConfig, seed: int):
    """The learning network of this process for ``sizes`` and ``config`` (built once)."""
    from spiking_em.spiking import device
    from spiking_em.spiking.areas import AreaNetwork
    from spiking_em.spiking.transfer import fitted_transfer
    key = (tuple(sizes), config.network, config.teaching, config.variant, seed)
    if _NETWORK.get("key") != key:
        if _NETWORK:
            device.reset()
        transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
        _NETWORK.update(key=key, net=AreaNetwork(sizes, config.variant, config.network,
                                                 transfer, seed=seed, learning=config.teaching))
    return _NETWORK["net"]


def learn_block(params: dict, codes: dict, x: np.ndarray, config: SpikingTrainConfig,
                block_seed: int, net_seed: int) -> dict:
    """One block of a round, on a worker: teach the digits ``x`` (binary run after binary run,
    the weights carried between them) from ``params``; returns the weight change, the h2
    decoded from the spikes at the end of every INFERENCE, the binary's seconds and the
    synaptic events."""
    from threadpoolctl import threadpool_limits
    start = Params.from_dict(params)
    with threadpool_limits(limits=1):
        net = worker_network(start.sizes, config, net_seed)
        rng = np.random.default_rng(block_seed)
        current, h2, run_s, events = start, [], 0.0, 0
        for s in range(0, len(x), config.digits_per_run):
            run = teach(net, current, codes, x[s:s + config.digits_per_run], config, rng=rng)
            current, run_s, events = run.params, run_s + run.run_s, events + run.n_events
            h2.append(run.h2)
    delta = {k: getattr(current, k) - v for k, v in start.as_dict().items()}
    return {"delta": delta, "h2": np.concatenate(h2), "run_s": run_s, "n_events": events}


def block_h2(params: dict, codes: dict, x: np.ndarray, config: SpikingTrainConfig,
             block_seed: int, net_seed: int) -> np.ndarray:
    """h2 decoded from H2's spikes at the end of INFERENCE for the digits ``x`` (frozen
    weights), on a worker."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        p = Params.from_dict(params)
        net = worker_network(p.sizes, config, net_seed)
        return spike_h2(net, p, codes, x, config, rng=np.random.default_rng(block_seed))


@dataclass
class ParallelLearner:
    """The trainer's step on a Dask cluster: ``blocks`` blocks of ``config.digits_per_run``
    digits per round.

    client : a ``dask.distributed.Client`` (a local cluster's or an external scheduler's).
    net_seed : Brian2's seed compiled into every worker's network.
    """

    client: object
    config: SpikingTrainConfig
    blocks: int
    net_seed: int

    @property
    def digits_per_step(self) -> int:
        return self.blocks * self.config.digits_per_run

    def _split(self, x: np.ndarray) -> list[np.ndarray]:
        size = self.config.digits_per_run
        return [x[s:s + size] for s in range(0, len(x), size)]

    def step(self, params: Params, codes: dict, x: np.ndarray,
             rng: np.random.Generator) -> TeachingRun:
        """One round: every block learns from ``params`` on its digits; the weights move by the
        sum of the blocks' changes."""
        config = self.config
        parts = self._split(x)
        seeds = rng.integers(0, 2 ** 63 - 1, size=len(parts))
        futures = [self.submit(learn_block, params, codes, part, config, int(seed),
                                self.net_seed)
                   for part, seed in zip(parts, seeds, strict=True)]
        results = self.gather(futures)
        new = {k: v + sum(r["delta"][k] for r in results)
               for k, v in params.as_dict().items()}
        return TeachingRun(params=Params.from_dict(new),
                           h2=np.concatenate([r["h2"] for r in results]),
                           sample_counts={}, replay_counts={}, teach_states={},
                           run_s=float(sum(r["run_s"] for r in results)),
                           n_events=int(sum(r["n_events"] for r in results)))

    def submit(self, function, params: Params, codes: dict, *args):
        """One task with the round's weights and codes in it. They travel inside each task
        (14 MB for the paper's model, ~0.1 s of a 4 s block): data scattered to the workers
        instead is lost with a worker that dies, and the round could not be re-run; Dask's
        warning about large task graphs is therefore silenced."""
        import warnings
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Large object of size")
            warnings.filterwarnings("ignore", message="Sending large graph of size")
            return self.client.submit(function, params.as_dict(), codes, *args, pure=False)

    def h2(self, params: Params, codes: dict, x: np.ndarray, seed: int) -> np.ndarray:
        """h2 decoded from the spikes for the digits ``x``, split over the workers."""
        futures = [self.submit(block_h2, params, codes, part, self.config, seed + k,
                                self.net_seed)
                   for k, part in enumerate(self._split(x))]
        return np.concatenate(self.gather(futures))

    def gather(self, futures: list) -> list:
        """The tasks' results. A Ctrl-C from a terminal reaches a local cluster's workers too
        (one process group) and kills the binaries they run: their tasks then fail with
        Brian2's "Project run failed", which is the user's interrupt, not a fault
        (:func:`spiking_em.spiking.device.interruptible` on the driver's side)."""
        try:
            return self.client.gather(futures)
        except BaseException as exc:
            self.client.cancel(futures)
            if interrupts.pending() and not isinstance(exc, KeyboardInterrupt):
                raise KeyboardInterrupt from exc
            raise


def open_client(workers: int | None, scheduler: str | None):
    """A Dask client: on the scheduler at ``scheduler``, or on a local cluster of ``workers``
    single-threaded worker processes (Brian2 imported when each starts). Returns (client,
    cluster or None, description)."""
    from dask.distributed import Client

    from spiking_em.sweep import check_options, distributed_logs_follow_root, local_cluster
    check_options(scheduler, workers)
    distributed_logs_follow_root()
    if scheduler is not None:
        return Client(scheduler, timeout="20s"), None, f"the scheduler at {scheduler}"
    n = workers or 1
    cluster = local_cluster(n)
    return Client(cluster), cluster, f"a local cluster of {n} workers"
