"""Speed of learning in the spiking network: each lever that cuts synaptic events, side by side
in one run, beside the same network doing INFERENCE only.

One compiled learning network of the model's shape runs the same digits under each setting
(every lever is a run argument or a schedule, so nothing recompiles):

- ``today``: the sample at the code's own rates, every area firing in every slot, a 12-slot
  feed-forward sweep (the learner as it stood before the levers);
- ``quiet``: the areas that are not sources fire nothing in the sample and teaching slots
  (no one reads them there; it changes no weight, tests/test_spiking_learning.py);
- ``paper_noise``: the sample at the paper's corruption size (rates x0.012-0.10: few spikes
  in the sample and replay);
- ``paper_noise+quiet``, and ``+ff8`` / ``+ff6``: an 8- or 6-slot feed-forward sweep instead
  of 12 before the 15 INFERENCE iterations (the network's 800 slots then hold 18 or 19 digits;
  the idle slots after them are silent when quiet).

For each: synaptic events per presentation, presentations per minute (wall time of the
learning runs), events per second, the four maps' cosines with the denoising gradient of
the same spike sample (every lever must keep them >= 0.9), and how far the spike-decoded
states at the end of INFERENCE lie from numpy's INFERENCE (rms over units, h1 and h2: the
E-step's accuracy, which a shorter sweep may cost); ratios against ``today``. The
inference-only network (no plasticity compiled in, sample and teaching slots held) gives the
bare network's events per second on the same machine in the same run.

    python benchmarks/spiking_learning_speed.py --run-dir runs/paper-seed1 --json figures/spiking_learning_speed.json
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from spiking_em import atomic
from spiking_em.data import load
from spiking_em.experiments.denoising import MIN_COSINE, same_vs_independent
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device, schedule
from spiking_em.spiking.areas import AreaNetwork
from spiking_em.spiking.replay import SampleConfig
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for, teach
from spiking_em.spiking.transfer import fitted_transfer

#: setting -> (sample phase, quiet areas, feed-forward slots)
SETTINGS = {
    "today": (SampleConfig(), False, 12),
    "quiet": (SampleConfig(), True, 12),
    "paper_noise": (SampleConfig.paper_noise(), False, 12),
    "paper_noise+quiet": (SampleConfig.paper_noise(), True, 12),
    "paper_noise+quiet+ff8": (SampleConfig.paper_noise(), True, 8),
    "paper_noise+quiet+ff6": (SampleConfig.paper_noise(), True, 6),
}
#: the setting the trainer's defaults and the from-scratch paper-noise learner use
CHOSEN = "paper_noise+quiet"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="a trained model (its shape is used)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--digits", type=int, default=100)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    model = TrainedModel.load(args.run_dir)
    x = load(model.meta.get("dataset", "mnist"), args.data_dir).train[:max(args.digits, 500)]
    base = SpikingTrainConfig()
    params = model.params.astype(np.float64)
    digits = x[:args.digits]
    transfer, _ = fitted_transfer(base.network.lif, r_max_hz=base.network.r_max_hz)
    net = AreaNetwork(params.sizes, "spiking", base.network, transfer, seed=0,
                      learning=base.teaching)
    out = {"digits": args.digits, "run_dir": str(args.run_dir), "synapses": net.n_synapses,
           "compile_s": net.compile_s, "settings": {}}
    for name, (sample, quiet, ff_slots) in SETTINGS.items():
        config = replace(base, sample=sample, quiet=quiet, ff_slots=ff_slots)
        res = same_vs_independent(net, params, model.prior, digits, x, config, seed=0,
                                  eta=1e-5)
        row = {"sample": sample.as_dict(), "quiet": quiet, "ff_slots": ff_slots,
               "slots_per_digit": config.slots_per_digit,
               "events_per_presentation": res["events_per_presentation"],
               "presentations_per_minute": res["presentations_per_minute"],
               "events_per_s": res["events_per_presentation"]
               * res["presentations_per_minute"] / 60,
               "cosine_same_sample": res["cosine_same_sample"],
               "cosines_at_least": min(res["cosine_same_sample"].values()) >= MIN_COSINE,
               "corruption_rms": res["corruption_rms"],
               "inference_rms_vs_numpy": _inference_rms(net, params, model.prior, digits[:34],
                                                        x, config)}
        out["settings"][name] = row
        acc = row["inference_rms_vs_numpy"]
        print(f"{name:28s} {row['events_per_presentation'] / 1e6:6.1f} M events/presentation, "
              f"{row['presentations_per_minute']:5.0f} presentations/min, cosines "
              + " ".join(f"{k} {v:.3f}" for k, v in row["cosine_same_sample"].items())
              + f"; h1/h2 vs numpy rms {acc['h1']:.3f}/{acc['h2']:.3f}", flush=True)
    device.reset()
    out["inference_only"] = _inference_only(params, model, x, digits, base, transfer)
    device.reset()
    today = out["settings"]["today"]
    for row in out["settings"].values():
        row["events_over_today"] = row["events_per_presentation"] / \
            today["events_per_presentation"]
        row["speed_over_today"] = row["presentations_per_minute"] / \
            today["presentations_per_minute"]
        row["events_per_s_over_inference_only"] = row["events_per_s"] / \
            out["inference_only"]["events_per_s"]
    chosen = out["settings"][CHOSEN]
    fastest = min(out["settings"].items(), key=lambda kv: kv[1]["events_per_presentation"])
    out["chosen"] = CHOSEN
    out["targets"] = {
        "events_at_most_half": chosen["events_over_today"] <= 0.5,
        "speed_at_least_double": chosen["speed_over_today"] >= 2.0,
        "fewest_events_setting": fastest[0],
    }
    out["compilations_per_training_run"] = 1
    out["projected_mnist_epoch_h"] = {name: 50_000 / row["presentations_per_minute"] / 60
                                      for name, row in out["settings"].items()}
    for name, row in out["settings"].items():
        print(f"{name:28s} events x{row['events_over_today']:.2f}, speed "
              f"x{row['speed_over_today']:.2f} of today; one MNIST epoch "
              f"{out['projected_mnist_epoch_h'][name]:.1f} h")
    print(f"inference only: {out['inference_only']['events_per_s']:.3g} events/s; chosen "
          f"({CHOSEN}): {chosen['events_per_s']:.3g} events/s")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


def _inference_rms(net, params, prior, digits, x_reference, config) -> dict:
    """rms difference (over digits and units) between the states h1, h2 that INFERENCE leaves
    in the network (frozen for the sample and teaching phases) and numpy's INFERENCE."""
    from spiking_em.model.config import InferenceConfig
    from spiking_em.model.inference import infer
    codes = codes_for(params, prior, x_reference[:config.n_reference], config)
    states = {"H1": [], "H2": []}
    rng = np.random.default_rng(1)
    for s in range(0, len(digits), config.digits_per_run):
        run = teach(net, params, codes, digits[s:s + config.digits_per_run], config, rng=rng,
                    eta=0.0)
        for area in states:
            states[area].append(run.teach_states[area])
    h1, h2 = infer(digits, params, InferenceConfig(config.n_steps, config.delta, config.alpha))
    return {"h1": float(np.sqrt(np.mean((np.concatenate(states["H1"]) - h1) ** 2))),
            "h2": float(np.sqrt(np.mean((np.concatenate(states["H2"]) - h2) ** 2))),
            "h1_rms_value": float(np.sqrt(np.mean((h1 - h1.mean(0)) ** 2))),
            "h2_rms_value": float(np.sqrt(np.mean((h2 - h2.mean(0)) ** 2)))}


def _inference_only(params, model, x, digits, config, transfer) -> dict:
    """The bare network (no plasticity compiled in): the same INFERENCE with the sample and
    teaching slots held, its events per second of wall time."""
    codes = codes_for(params, model.prior, x[:config.n_reference], config)
    plain = AreaNetwork(params.sizes, "spiking", config.network, transfer, seed=0)
    phases = schedule.inference_phases(config.n_steps, config.alpha, config.ff_slots) + \
        [schedule.Phase("hold", config.sample.slots + config.teach_slots)]
    model_args = plain.run_args(params, codes, delta=config.delta)
    pres = [schedule.Presentation(phases, clamp=xi.astype(np.float64)) for xi in digits]
    rng = np.random.default_rng(0)
    t0, run_s, events = time.perf_counter(), 0.0, 0
    for inputs in schedule.pack(pres, config.network.n_slots, params.sizes[0], params.sizes[2]):
        rec = plain.run(model_args, inputs, rng=rng)
        run_s, events = run_s + rec.run_s, events + rec.n_events
    wall = time.perf_counter() - t0
    return {"compile_s": plain.compile_s, "wall_s": wall, "binary_run_s": run_s,
            "events_per_presentation": events / len(digits),
            "presentations_per_minute": 60 * len(digits) / wall, "events_per_s": events / wall}


if __name__ == "__main__":
    raise SystemExit(main())
