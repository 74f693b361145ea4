"""Data-parallel learning in the spiking network: presentations per minute with 1 and 2 Dask
workers (a local cluster each), on the same digits from the same model.

Each setting first runs one warm-up round (every worker compiles its network once; the
compile time is reported apart), then ``--rounds`` timed rounds of ``workers`` blocks of 17
digits. Prints presentations per minute for each, their ratio (target >= 1.7 with 2 workers
on 2 cores), the seconds a round spends outside the workers' binaries (the driver's codes,
sending the weights, adding the changes), and the projected time of one MNIST epoch (50,000
presentations) on this machine and on a 16-worker cluster (linear in the workers, plus the
measured overhead per round).

    python benchmarks/spiking_workers.py --run-dir runs/paper-seed1 --json figures/spiking_workers.json
    python benchmarks/spiking_workers.py --run-dir runs/paper-seed1 --coarse --json figures/spiking_workers_coarse.json
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from spiking_em import atomic
from spiking_em.data import load
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking.parallel import ParallelLearner, open_client
from spiking_em.spiking.replay import SampleConfig
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for
from spiking_em.spiking.wiring import NetworkConfig

EPOCH = 50_000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="a trained model (its shape is used)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", default=None)
    parser.add_argument("--coarse", action="store_true",
                        help="the coarse network (0.4 ms, 300 Hz: train-spiking --coarse)")
    args = parser.parse_args(argv)
    model = TrainedModel.load(args.run_dir)
    x = load(model.meta.get("dataset", "mnist"), args.data_dir).train[:2000]
    config = replace(SpikingTrainConfig(eta=1e-4), sample=SampleConfig.paper_noise())
    if args.coarse:
        config = replace(config, network=NetworkConfig.coarse(n_slots=config.network.n_slots))
    params = model.params.astype(np.float64)
    codes = codes_for(params, model.prior, x[:config.n_reference], config)
    out = {"run_dir": str(args.run_dir), "rounds": args.rounds,
           "network": config.network.as_dict(),
           "sample": config.sample.as_dict(), "workers": {}}
    for workers in (1, 2):
        client, cluster, where = open_client(workers, None)
        try:
            learner = ParallelLearner(client, config, blocks=workers, net_seed=0)
            rng = np.random.default_rng(0)
            per_round = learner.digits_per_step
            t0 = time.perf_counter()
            learner.step(params, codes, x[:per_round], rng)   # every worker compiles here
            warm_s = time.perf_counter() - t0
            t0, binary_s, p = time.perf_counter(), 0.0, params
            for r in range(args.rounds):
                chunk = x[per_round * (r + 1):per_round * (r + 2)]
                run = learner.step(p, codes, chunk, rng)
                p, binary_s = run.params, binary_s + run.run_s / workers
            wall = time.perf_counter() - t0
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        row = {"where": where, "digits_per_round": per_round, "warm_up_round_s": warm_s,
               "wall_s": wall, "presentations_per_minute": 60 * per_round * args.rounds / wall,
               "overhead_s_per_round": (wall - binary_s) / args.rounds,
               "binary_s_per_round": binary_s / args.rounds}
        out["workers"][str(workers)] = row
        print(f"{workers} worker(s): {row['presentations_per_minute']:.0f} presentations/min "
              f"({row['binary_s_per_round']:.1f} s binary + {row['overhead_s_per_round']:.1f} s "
              f"overhead per round of {per_round} digits; warm-up round {warm_s:.0f} s)",
              flush=True)
    one, two = out["workers"]["1"], out["workers"]["2"]
    out["speedup_2_over_1"] = two["presentations_per_minute"] / one["presentations_per_minute"]
    # one round of a 16-worker cluster: each worker's binary time, plus the overhead, which
    # grows with the weights sent and received (measured per worker at 2)
    per_worker_overhead = two["overhead_s_per_round"] / 2
    round_16 = one["binary_s_per_round"] + 16 * per_worker_overhead
    out["projected_epoch_h"] = {
        "2_workers_here": EPOCH / two["presentations_per_minute"] / 60,
        "16_workers": EPOCH / (16 * 17) * round_16 / 3600,
        "16_workers_assumes": "one core per worker, the driver's overhead growing linearly with "
                              "the workers (measured at 2)"}
    out["targets"] = {"speedup_at_least_1_7": out["speedup_2_over_1"] >= 1.7,
                      "epoch_on_2_cores_at_most_1_h": out["projected_epoch_h"]["2_workers_here"]
                      <= 1.0}
    print(f"2 workers over 1: x{out['speedup_2_over_1']:.2f}; one MNIST epoch: "
          f"{out['projected_epoch_h']['2_workers_here']:.1f} h here, "
          f"{out['projected_epoch_h']['16_workers']:.2f} h on 16 workers")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
