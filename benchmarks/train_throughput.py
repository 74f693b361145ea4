"""Training throughput of Algorithm 2 against the GEMM rate numpy reaches at the same shapes.

Times full TRAIN minibatches (E-step INFERENCE with N = 15 + the four-loss M-step + RMSprop) on
MNIST-shaped data at the paper's sizes (784-1000-100, batch 100), counts the floating-point
operations of every matrix product, and prints the achieved GFLOP/s next to the rate of a bare
``(100 x 1000) @ (1000 x 784)`` product measured in the same run. Also compares float32 with
float64 (speed, and the first losses agree), and projects the 20-epoch wall time.

    python benchmarks/train_throughput.py [--batches 60] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from spiking_em.config import TrainConfig
from spiking_em.glyphs import render_digits
from spiking_em.inference import infer
from spiking_em.layers import init_params
from spiking_em.learning import local_losses_and_grads, make_optimizer


def flops_per_batch(batch: int, n_x: int, n_h1: int, n_h2: int, n_steps: int) -> float:
    """Multiply-add FLOPs (2 per MAC) of the matrix products in one TRAIN minibatch."""
    big, small = 2 * batch * n_x * n_h1, 2 * batch * n_h1 * n_h2
    feedforward = big + small
    # per iteration: f2(h1), g2 of the new h2, f2(g2(h2)), g1(h1), f1(g1(h1))
    per_step = 3 * small + 2 * big
    m_step = 2 * (2 * big + 2 * small)     # forward + weight gradient, four maps
    return feedforward + big + n_steps * per_step + m_step   # + f1(x) once


def gemm_rate(dtype, repeats: int = 200) -> float:
    rng = np.random.default_rng(0)
    a = rng.random((100, 1000)).astype(dtype)
    b = rng.random((1000, 784)).astype(dtype)
    a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * 100 * 1000 * 784 * repeats / (time.perf_counter() - t0) / 1e9


def time_training(dtype: str, n_batches: int, x: np.ndarray):
    config = TrainConfig.paper(dtype=dtype)
    rng = np.random.default_rng(0)
    params = init_params(rng=rng, dtype=np.dtype(dtype))
    opt = make_optimizer(config, params)
    x = x.astype(dtype)
    losses = []
    t0 = None
    for k in range(n_batches + 5):
        if k == 5:
            t0 = time.perf_counter()          # 5 warm-up batches
        xb = x[(k * 100) % len(x):][:100]
        h1, h2 = infer(xb, params, config.inference)
        loss, grads = local_losses_and_grads(xb, h1, h2, params, config.corruptions, rng=rng)
        opt.update(params, grads)
        losses.append(loss)
    return (time.perf_counter() - t0) / n_batches, losses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    x, _ = render_digits(2000, rng=np.random.default_rng(0))
    flops = flops_per_batch(100, 784, 1000, 100, 15)
    out = {"flops_per_batch": flops, "batches_timed": args.batches}
    for dtype in ("float32", "float64"):
        peak = gemm_rate(np.dtype(dtype))
        s_per_batch, losses = time_training(dtype, args.batches, x)
        achieved = flops / s_per_batch / 1e9
        out[dtype] = {"s_per_batch": s_per_batch, "examples_per_s": 100 / s_per_batch,
                      "achieved_gflops": achieved, "gemm_gflops": peak,
                      "fraction_of_gemm": achieved / peak,
                      "projected_20_epochs_min": 500 * 20 * s_per_batch / 60,
                      "first_losses": losses[0]}
        print(f"{dtype}: {100 / s_per_batch:7.0f} examples/s, {achieved:6.1f} GFLOP/s achieved, "
              f"GEMM at (100x1000)@(1000x784): {peak:6.1f} GFLOP/s -> ratio {achieved / peak:.2f}; "
              f"20 epochs of 50k: {500 * 20 * s_per_batch / 60:.1f} min")
    l32, l64 = out["float32"]["first_losses"], out["float64"]["first_losses"]
    worst = max(abs(l32[k] - l64[k]) / abs(l64[k]) for k in l64)
    out["float32_vs_float64_first_loss_rel_diff"] = worst
    print(f"float32 vs float64 first-batch losses: max relative difference {worst:.2e}; "
          f"float32 speed-up {out['float64']['s_per_batch'] / out['float32']['s_per_batch']:.2f}x")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
