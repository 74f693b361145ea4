"""Training throughput with 1 and 2 BLAS threads, on an idle machine and beside a one-core load.

Times full TRAIN minibatches at the paper's sizes (784-1000-100, batch 100; as in
``train_throughput.py``) under ``threadpoolctl`` limits of 1 and 2 BLAS threads, first with
nothing else running, then beside a background process that keeps one core busy (a pure-Python
loop, like another user's job). Prints examples/s for the four cases, their ratios, and the
number of threads ``spiking_em.threads.choose_blas_threads`` picks in each situation.

    python benchmarks/blas_threads.py [--batches 20] [--rounds 3] [--json figures/blas_threads.json]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
from train_throughput import B, train_seconds

from spiking_em import atomic
from spiking_em.data.glyphs import render_digits
from spiking_em.threads import available_cores, idle_cores


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def measure(threads: int, batches: int, x: np.ndarray) -> float:
    with threadpool_limits(limits=threads, user_api="blas"):
        return B / train_seconds("float32", batches, x)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    x, _ = render_digits(1000, rng=np.random.default_rng(0))
    blas = [{k: d.get(k) for k in ("internal_api", "version", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]
    out = {"cores": available_cores(), "blas": blas, "batches": args.batches,
           "rounds": args.rounds, "examples_per_s": {}}
    for load in ("idle", "one_core_busy"):
        stop, worker = mp.Event(), None
        if load == "one_core_busy":
            worker = mp.Process(target=_spin, args=(stop,), daemon=True)
            worker.start()
            time.sleep(2.0)
        try:
            runs = {1: [], 2: []}
            for _ in range(args.rounds):
                for threads in (1, 2):
                    runs[threads].append(measure(threads, args.batches, x))
            picked = idle_cores()   # the CPUs' busy share now, from /proc/stat
        finally:
            stop.set()
            if worker is not None:
                worker.join()
        out["examples_per_s"][load] = {str(t): float(np.median(v)) for t, v in runs.items()}
        out["examples_per_s"][load]["raw"] = {str(t): v for t, v in runs.items()}
        out.setdefault("threads_chosen", {})[load] = picked
        r = out["examples_per_s"][load]
        print(f"{load:14s}: 1 thread {r['1']:6.0f} ex/s, 2 threads {r['2']:6.0f} ex/s "
              f"(2/1 = {r['2'] / r['1']:.2f}); the trainer picks {picked}")
    e = out["examples_per_s"]
    out["busy_over_idle"] = {t: e["one_core_busy"][t] / e["idle"][t] for t in ("1", "2")}
    print(f"beside a one-core load, throughput keeps {out['busy_over_idle']['1']:.2f} of idle "
          f"with 1 thread and {out['busy_over_idle']['2']:.2f} with 2")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
