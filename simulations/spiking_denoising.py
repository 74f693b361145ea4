"""Spikes are the noise: the spiking learner as a denoising auto-encoder whose corruption is its
own spike sample, at the paper's size.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (the spikes' quantization as the
corruption of each layer's denoising auto-encoder). From the rate-trained 784-1000-100 model,
in one compiled learning network:

1. **The knob.** The rms corruption of x, h1 and h2 (value decoded from the sample phase's spike
   counts minus the value the spikes carry) and the synaptic events per presentation, against
   the sample's rate factor rho (``--rates``, on ``--curve-digits`` training digits, weights
   frozen). The *paper-sized* setting is the rho of each area at which its rms equals the
   ``paper`` preset's (x 0.5, h1 0.4 = the mean of its 0.3 and 0.5, h2 the Bernoulli-3 rms on
   the model's h2), interpolated log-log.
2. **Same sample vs independent sample.** ``--n-digits`` digits learned (a small ``--eta``:
   the weights barely move) at the paper-sized and at the weak (rho = 1) setting: each map's
   change against numpy's denoising gradient from the same spike sample and from an independent
   sample of the same digits (``spiking_em.experiments.denoising``), with the substitutes that
   must fail (a decoupled design, a clean numpy gradient), and the cost in events and
   presentations per minute.
3. **The floor.** The same curve with ``--floor`` expected spikes added to both polarities of
   every h1 and h2 unit (:class:`spiking_em.spiking.replay.SampleConfig`): the corruption's
   rms, its mean (bias) and the fraction of units decoded exactly at their centre (dropped
   out, for a thin sample without a floor); then part 2 at the paper-sized setting *with* the
   floor (``paper_floor``: h1's and h2's rho read off this curve, x's off part 1's).

About 15 minutes on 2 cores (one compilation). Steps are cached in RUN_DIR/denoising/ and a
rerun continues from them. Writes figures/spiking_denoising.{json,png}.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from _common import dataset_for, model_for_figures, model_parser

RATES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003)


def main(argv=None) -> int:
    parser = model_parser(__doc__)
    parser.add_argument("--n-digits", type=int, default=100, help="digits of part 2")
    parser.add_argument("--curve-digits", type=int, default=34, help="digits per knob setting")
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES),
                        help="sample rate factors of part 1")
    parser.add_argument("--floor", type=float, default=0.5,
                        help="part 3: expected spikes added to each polarity of every h1 and "
                             "h2 unit's sample")
    parser.add_argument("--eta", type=float, default=1e-5,
                        help="learning rate of part 2 (small: the weights barely move)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace figures/spiking_denoising.* and the cached steps")
    args = parser.parse_args(argv)
    if any(r <= 0 for r in args.rates) or args.n_digits < 1 or args.curve_digits < 1:
        parser.error("--rates must be > 0, --n-digits and --curve-digits >= 1")
    if not args.floor > 0:
        parser.error("--floor must be > 0 expected spikes")
    out = Path(args.out)
    json_path = out / "spiking_denoising.json"
    if json_path.exists() and not args.overwrite:
        parser.error(f"{json_path} exists; pass --overwrite to replace it")


    from spiking_em import atomic
    from spiking_em.experiments import denoising
    from spiking_em.experiments.denoising_figures import plot_denoising
    from spiking_em.model.training import infer_all
    from spiking_em.progress import ProgressBar
    from spiking_em.spiking import device
    from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.transfer import fitted_transfer

    out.mkdir(parents=True, exist_ok=True)
    model = model_for_figures(args.run_dir, args.quick, out)
    dataset = dataset_for(model, args.data_dir)
    config = SpikingTrainConfig(network=NetworkConfig(n_slots=189)) if args.quick \
        else SpikingTrainConfig()
    n_digits, curve_digits = (8, 4) if args.quick else (args.n_digits, args.curve_digits)
    cache = (out / "quick-denoising") if args.quick or args.run_dir is None \
        else Path(args.run_dir) / "denoising"
    cache.mkdir(parents=True, exist_ok=True)
    if args.overwrite:
        for f in cache.glob("*.json"):
            f.unlink()
    x_ref = dataset.train[:config.n_reference]
    # the last training digits (the codes' reference digits are the first ones)
    digits = dataset.train[-n_digits:]
    curve_x = dataset.train[-(n_digits + curve_digits):-n_digits]

    # Model: one compiled learning network for every setting (the knob is a run argument)
    transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    net = AreaNetwork(model.params.sizes, config.variant, config.network, transfer,
                      seed=args.seed, learning=config.teaching)

    def step(name, compute):
        path = cache / f"{name}.json"
        if path.exists():
            print(f"{name}: cached in {path}")
            return json.loads(path.read_text())
        result = compute()
        atomic.write_json(path, result)
        return result

    # 1. the knob
    bar = ProgressBar("corruption vs rate factor")
    curve = step("curve", lambda: denoising.corruption_curve(
        net, model.params, model.prior, curve_x, x_ref, config,
        args.rates, seed=args.seed, progress=bar.update))
    _, h2 = infer_all(digits, model.params, model.config.inference)
    paper_rms = denoising.paper_rms(h2)
    paper_sample = denoising.paper_sized(curve, paper_rms["h2"], config.sample.slots)
    settings = {"paper": paper_sample, "weak": SampleConfig(slots=config.sample.slots)}

    # 3. the floor: the knob's curve with a floor on h1 and h2, and its paper-sized setting
    bar = ProgressBar(f"corruption vs rate factor, floor {args.floor:g}")
    floored = SampleConfig(slots=config.sample.slots, floor_h1=args.floor,
                           floor_h2=args.floor)
    floor_curve = step(f"floor{args.floor:g}_curve", lambda: denoising.sample_statistics(
        net, model.params, model.prior, curve_x, x_ref, config,
        [replace(floored, rate_x=r, rate_h1=r, rate_h2=r) for r in args.rates],
        seed=args.seed, progress=bar.update))
    floor_curve = [{"rate": float(r), **p} for r, p in zip(args.rates, floor_curve, strict=True)]
    paper_floor = denoising.paper_sized(floor_curve, paper_rms["h2"], config.sample.slots)
    settings["paper_floor"] = replace(floored, rate_x=paper_sample.rate_x,
                                      rate_h1=paper_floor.rate_h1, rate_h2=paper_floor.rate_h2)

    # 2. same vs independent sample, and the cost, at both settings
    results = {}
    for label, sample in settings.items():
        bar = ProgressBar(f"{label} setting: same vs independent sample")
        name = label if label != "paper_floor" else f"paper_floor{args.floor:g}"
        results[label] = step(name, lambda sample=sample, bar=bar: denoising.same_vs_independent(
            net, model.params, model.prior, digits, x_ref, replace(config, sample=sample),
            seed=args.seed, eta=args.eta, progress=bar.update))
    bar = ProgressBar("bias and dropped-out units at the paper-sized settings")
    at_paper = step(f"paper_statistics_floor{args.floor:g}", lambda: denoising.sample_statistics(
        net, model.params, model.prior, digits, x_ref, config,
        [settings["paper"], settings["paper_floor"]], seed=args.seed, progress=bar.update))
    device.reset()

    # Analysis
    paper = results["paper"]
    reached = {k: bool(abs(paper["corruption_rms"][k] / paper_rms[k] - 1) <= 0.25)
               for k in ("x", "h1", "h2")}
    summary = {
        "description": "spike-sample corruption as a denoising auto-encoder's: cosines of each "
                       "map's synaptic change with numpy's denoising gradient from the same "
                       "spike sample and from an independent sample; rms corruption against "
                       "the sample rate factor; cost (simulations/spiking_denoising.py)",
        "run_dir": args.run_dir, "seed": args.seed, "n_digits": n_digits, "eta": args.eta,
        "neurons": config.variant, "network": config.network.as_dict(),
        "cosine_same_sample": paper["cosine_same_sample"],
        "cosine_independent_sample": paper["cosine_independent_sample"],
        "corruption_rms": paper["corruption_rms"], "paper_rms": paper_rms,
        "corruption_within_25_percent_of_paper": reached,
        "targets": {"cosine_same_sample_at_least_0.9": all(
                        v is not None and v >= 0.9 for v in paper["cosine_same_sample"].values()),
                    "same_above_independent_every_map": paper["passes"],
                    "corruption_within_25_percent": all(reached.values())},
        "curve": curve, "curve_digits": curve_digits,
        "settings": {label: {**results[label], "sample": settings[label].as_dict()}
                     for label in settings},
        "cost": {label: {"events_per_presentation": results[label]["events_per_presentation"],
                         "presentations_per_minute": results[label]["presentations_per_minute"]}
                 for label in settings},
        "floor": {
            "floor_spikes": args.floor,
            "description": "the paper-sized sample with (paper_floor) and without (paper) a "
                           "floor of floor_spikes expected spikes on both polarities of every "
                           "h1 and h2 unit: rms and mean of the corruption and the fraction of "
                           "units decoded exactly at their centre, on the part-2 digits",
            "curve": floor_curve,
            "paper": at_paper[0], "paper_floor": at_paper[1],
            "cosine_same_sample": results["paper_floor"]["cosine_same_sample"],
            "cosine_independent_sample": results["paper_floor"]["cosine_independent_sample"],
            "corruption_rms": results["paper_floor"]["corruption_rms"],
            "targets": {
                "cosine_same_sample_at_least_0.9": all(
                    v is not None and v >= 0.9
                    for v in results["paper_floor"]["cosine_same_sample"].values()),
                "same_above_independent_every_map": results["paper_floor"]["passes"],
                "corruption_within_25_percent": all(
                    abs(results["paper_floor"]["corruption_rms"][k] / paper_rms[k] - 1) <= 0.25
                    for k in ("x", "h1", "h2"))},
        },
    }
    if json_path.exists():   # the from-scratch experiment's part of this file stays
        previous = json.loads(json_path.read_text())
        summary.update({k: v for k, v in previous.items() if k.startswith("from_scratch")})
    atomic.write_json(json_path, summary)
    plot_denoising(summary, out / "spiking_denoising.png")
    for label in settings:
        r = results[label]
        print(f"{label:5s} ({settings[label]}):")
        print("  cosine same / independent: " + ", ".join(
            f"{n} {_fmt(r['cosine_same_sample'][n])}/{_fmt(r['cosine_independent_sample'][n])}"
            for n in r["cosine_same_sample"]))
        print("  rms corruption: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                r["corruption_rms"].items())
              + f" (paper: {', '.join(f'{k} {v:.3f}' for k, v in paper_rms.items())})")
        print(f"  {r['events_per_presentation'] / 1e6:.2f} M events per presentation, "
              f"{r['presentations_per_minute']:.0f} presentations/min")
    print(f"wrote {json_path} and {out / 'spiking_denoising.png'}")
    return 0


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
