"""Speed of learning in the spiking network, beside the same network doing INFERENCE only.

Both networks have the model's shape and the training schedule's slots; the learning one runs
INFERENCE plus a teaching phase per digit with the plastic synapses on (``eta`` > 0), the
inference-only one (no plasticity compiled in) runs the same digits with the same INFERENCE
and the teaching slots idle (``hold``). Prints presentations per minute, synaptic events per
second of binary run time for both and their ratio, the compilations per training run (one:
every run reuses the binary with new ``run_args``), and the projected time of one MNIST epoch
(50,000 presentations).

    python benchmarks/spiking_learning_speed.py --run-dir runs/paper-seed1 --json figures/spiking_learning_speed.json
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from spiking_em import atomic
from spiking_em.data import load
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device, schedule
from spiking_em.spiking.areas import AreaNetwork
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for, teach
from spiking_em.spiking.transfer import fitted_transfer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="a trained model (its shape is used)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--digits", type=int, default=100)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    model = TrainedModel.load(args.run_dir)
    x = load(model.meta.get("dataset", "mnist"), args.data_dir).train[:max(args.digits, 500)]
    config = SpikingTrainConfig()
    params = model.params.astype(np.float64)
    codes = codes_for(params, model.prior, x[:config.n_reference], config)
    transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    digits = x[:args.digits]
    out = {"digits": args.digits, "slots_per_digit": config.slots_per_digit,
           "digits_per_run": config.digits_per_run}
    # learning network
    net = AreaNetwork(params.sizes, "spiking", config.network, transfer, seed=0,
                      learning=config.teaching)
    out["learning"] = {"compile_s": net.compile_s, "synapses": net.n_synapses}
    t0, run_s, events = time.perf_counter(), 0.0, 0
    rng = np.random.default_rng(0)
    for s in range(0, len(digits), config.digits_per_run):
        run = teach(net, params, codes, digits[s:s + config.digits_per_run], config, rng=rng)
        params, run_s, events = run.params, run_s + run.run_s, events + run.n_events
    wall = time.perf_counter() - t0
    out["learning"].update(wall_s=wall, binary_run_s=run_s, synaptic_events=events,
                           presentations_per_minute=60 * len(digits) / wall,
                           events_per_binary_s=events / run_s, binary_runs=net.n_runs)
    device.reset()
    # inference-only network: same INFERENCE, teaching slots held
    plain = AreaNetwork(params.sizes, "spiking", config.network, transfer, seed=0)
    phases = schedule.inference_phases(config.n_steps, config.alpha, config.ff_slots) + \
        [schedule.Phase("hold", config.sample.slots + config.teach_slots)]
    model_args = plain.run_args(model.params.astype(np.float64), codes, delta=config.delta)
    pres = [schedule.Presentation(phases, clamp=xi.astype(np.float64)) for xi in digits]
    t0, run_s, events = time.perf_counter(), 0.0, 0
    for inputs in schedule.pack(pres, config.network.n_slots, params.sizes[0], params.sizes[2]):
        rec = plain.run(model_args, inputs, rng=rng)
        run_s, events = run_s + rec.run_s, events + rec.n_events
    wall = time.perf_counter() - t0
    out["inference_only"] = {"compile_s": plain.compile_s, "wall_s": wall,
                             "binary_run_s": run_s, "synaptic_events": events,
                             "presentations_per_minute": 60 * len(digits) / wall,
                             "events_per_binary_s": events / run_s}
    device.reset()
    lrn, inf = out["learning"], out["inference_only"]
    out["events_per_s_ratio_inference_over_learning"] = inf["events_per_binary_s"] / \
        lrn["events_per_binary_s"]
    out["compilations_per_training_run"] = 1
    out["projected_mnist_epoch_h"] = 50_000 / lrn["presentations_per_minute"] / 60
    print(f"learning: {lrn['presentations_per_minute']:.0f} presentations/min, "
          f"{lrn['events_per_binary_s']:.3g} synaptic events/s; inference only: "
          f"{inf['presentations_per_minute']:.0f}/min, {inf['events_per_binary_s']:.3g} events/s "
          f"(x{out['events_per_s_ratio_inference_over_learning']:.2f}); one compilation per "
          f"training run; one MNIST epoch: {out['projected_mnist_epoch_h']:.1f} h")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
