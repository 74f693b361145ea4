"""Training throughput of Algorithm 2 against the GEMM rate numpy reaches at the same shapes.

Times full TRAIN minibatches (E-step INFERENCE with N = 15 + the four-loss M-step + RMSprop) at
the paper's sizes (784-1000-100, batch 100) and, interleaved in the same run, a replay of just
the matrix products one minibatch performs (same shapes, same count, preallocated inputs):
that replay is the physical limit for this algorithm in numpy on this machine. Prints
examples/s, achieved GFLOP/s, the replay's GFLOP/s and the ratio, and a projection of the
20-epoch wall time. float32 is compared with float64 on identical inputs (no noise) to show
that single precision does not change the numbers.

    python benchmarks/train_throughput.py [--batches 60] [--rounds 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from spiking_em import atomic
from spiking_em.data.corruption import Corruption
from spiking_em.data.glyphs import render_digits
from spiking_em.model.config import LayerCorruptions, TrainConfig
from spiking_em.model.inference import infer, log_joint
from spiking_em.model.layers import init_params
from spiking_em.model.learning import local_losses_and_grads, make_optimizer
from spiking_em.model.sampling import fit_prior

B, NX, NH1, NH2, N_STEPS = 100, 784, 1000, 100, 15


def minibatch_gemm_shapes() -> list[tuple[int, int, int]]:
    """(m, k, n) of every matrix product in one TRAIN minibatch, in order."""
    big_up, big_down = (B, NX, NH1), (B, NH1, NX)
    up2, down2 = (B, NH1, NH2), (B, NH2, NH1)
    shapes = [big_up, up2, big_up, down2]              # f1(x), f2(h1), cached f1(x), g2(h2) once
    shapes += N_STEPS * [up2, up2, big_down, big_up, down2]   # f2(h1), f2(g2), g1, f1(g1), g2(new h2)
    shapes += [big_down, big_up, up2, down2]           # M-step forward passes of g1, f1, f2, g2
    shapes += [(NH1, B, NX), (NX, B, NH1), (NH1, B, NH2), (NH2, B, NH1)]  # weight gradients
    return shapes


def flops(shapes) -> float:
    return float(sum(2 * m * k * n for m, k, n in shapes))


def gemm_replay_seconds(shapes, dtype, repeats: int) -> float:
    """Seconds per minibatch spent in nothing but its matrix products."""
    rng = np.random.default_rng(0)
    operands = {s: (rng.random(s[:2]).astype(dtype), rng.random(s[1:]).astype(dtype))
                for s in set(shapes)}
    for a, b in operands.values():
        a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        for s in shapes:
            a, b = operands[s]
            a @ b
    return (time.perf_counter() - t0) / repeats


def train_seconds(dtype: str, n_batches: int, x: np.ndarray) -> float:
    config = TrainConfig.paper(dtype=dtype)
    rng = np.random.default_rng(0)
    params = init_params(rng=rng, dtype=np.dtype(dtype))
    opt = make_optimizer(config, params)
    x = x.astype(dtype)
    for k in range(n_batches + 3):
        if k == 3:
            t0 = time.perf_counter()          # 3 warm-up batches
        xb = x[(k * B) % len(x):][:B]
        h1, h2 = infer(xb, params, config.inference)
        _, grads = local_losses_and_grads(xb, h1, h2, params, config.corruptions, rng=rng)
        opt.update(params, grads)
    return (time.perf_counter() - t0) / n_batches


def precision_check(x: np.ndarray) -> dict:
    """float32 vs float64 on identical parameters and inputs: inference, log p, local losses."""
    p64 = init_params(rng=np.random.default_rng(1), dtype=np.float64)
    p32 = p64.astype(np.float32)
    x64, x32 = x[:B].astype(np.float64), x[:B].astype(np.float32)
    h1a, h2a = infer(x64, p64)
    h1b, h2b = infer(x32, p32)
    prior = fit_prior(h2a)
    lpa, lpb = log_joint(x64, h1a, h2a, p64, prior), log_joint(x64, h1b.astype(np.float64),
                                                                 h2b.astype(np.float64), p64, prior)
    clean = LayerCorruptions(*(Corruption() for _ in range(4)))
    la, _ = local_losses_and_grads(x64, h1a, h2a, p64, clean, rng=np.random.default_rng(0))
    lb, _ = local_losses_and_grads(x32, h1b, h2b, p32, clean, rng=np.random.default_rng(0))
    return {"max_rel_diff_h1": float(np.max(np.abs(h1a - h1b)) / np.max(np.abs(h1a))),
            "max_abs_diff_log_joint_nats": float(np.max(np.abs(lpa - lpb))),
            "max_rel_diff_local_losses": float(max(abs(la[k] - lb[k]) / la[k] for k in la))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    x, _ = render_digits(2000, rng=np.random.default_rng(0))
    shapes = minibatch_gemm_shapes()
    work = flops(shapes)
    out = {"gflop_per_batch": work / 1e9, "batches_timed": args.batches, "rounds": args.rounds}
    for dtype in ("float32", "float64"):
        train_s, replay_s = [], []
        for _ in range(args.rounds):   # interleave, so machine noise hits both alike
            replay_s.append(gemm_replay_seconds(shapes, np.dtype(dtype), 10))
            train_s.append(train_seconds(dtype, args.batches, x))
        t, r = float(np.median(train_s)), float(np.median(replay_s))
        out[dtype] = {"s_per_batch": t, "examples_per_s": B / t, "achieved_gflops": work / t / 1e9,
                      "gemm_replay_gflops": work / r / 1e9, "fraction_of_gemm_limit": r / t,
                      "projected_20_epochs_min": 500 * 20 * t / 60,
                      "raw_train_s": train_s, "raw_replay_s": replay_s}
        print(f"{dtype}: {B / t:6.0f} examples/s, {work / t / 1e9:6.1f} GFLOP/s achieved; numpy "
              f"GEMMs alone at the same shapes: {work / r / 1e9:6.1f} GFLOP/s -> {100 * r / t:.0f}% "
              f"of the limit; 20 epochs x 50k: {500 * 20 * t / 60:.1f} min "
              f"(limit {500 * 20 * r / 60:.1f} min)")
    out["precision"] = precision_check(x)
    print(f"float32 vs float64 (same inputs): h1 max rel diff "
          f"{out['precision']['max_rel_diff_h1']:.1e}, log p(x,h) max diff "
          f"{out['precision']['max_abs_diff_log_joint_nats']:.1e} nats, local losses max rel diff "
          f"{out['precision']['max_rel_diff_local_losses']:.1e}; speed-up "
          f"{out['float64']['s_per_batch'] / out['float32']['s_per_batch']:.2f}x")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
