"""The spiking network learns: Algorithm 2's M-step by dW ∝ S_pre · dV_post/dt in the Brian2 areas.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 2 (STDP as SGD, Fig. 1) and
Sec. 3 (spikes as the noise), carried to the 784-1000-100 model. Two parts:

1. **STDP = SGD at scale** (``--part stdp``): from the rate-trained model, 100 training digits
   through the learning network (INFERENCE, then a teaching phase each); the change the
   plastic synapses accumulate, per map, against numpy gradients from the same presynaptic
   spike counts and targets (the matching loss the teaching descends, and the rate trainer's
   squared error), and whether one step along the spiking change lowers the squared error.
   About 5 minutes on 2 cores (one compilation of 3.8 M synapses).
2. **Continued training** (``--part continue``): ``--presentations`` digits (5000) learned by
   the network from the rate-trained model, then Parzen LL of GENERATE and in-painting of the
   result (``spiking-em evaluate``'s protocol) beside the start model's. About 40 minutes.

``--neurons poisson`` runs the learning network with Poisson neurons (Fano factor 1) instead of
the sigma-delta LIF and writes figures/spiking_learning_poisson.{json,png}: the size of the
spikes' corruption (``stdp_sgd.corruption``) against the ``paper`` preset's, at Fano factor 1.
``--quick`` trains a small glyph model and runs a few digits of each part (a few minutes).
Writes figures/spiking_learning.{json,png} (and the continued model in runs/spiking-continued).
"""
from __future__ import annotations

import time
from pathlib import Path

from _common import dataset_for, model_for_figures, model_parser


def main(argv=None) -> int:
    parser = model_parser(__doc__)
    parser.add_argument("--part", nargs="+", choices=["stdp", "continue"],
                        default=["stdp", "continue"])
    parser.add_argument("--n-digits", type=int, default=100, help="digits of part 1")
    parser.add_argument("--eta-probe", type=float, default=1e-5,
                        help="learning rate of part 1 (small: the weights barely move)")
    parser.add_argument("--presentations", type=int, default=5000, help="part 2")
    parser.add_argument("--eta", type=float, default=5e-5, help="learning rate of part 2")
    parser.add_argument("--continued-dir", default=None,
                        help="where part 2's model goes (default runs/spiking-continued, "
                             "with -poisson appended for --neurons poisson)")
    parser.add_argument("--neurons", choices=["lif", "poisson"], default="lif",
                        help="the learning network's neurons: sigma-delta LIF, or Poisson at "
                             "the same rates (results in spiking_learning_poisson.*)")
    args = parser.parse_args(argv)

    # Parameters / Model

    from spiking_em.experiments.plotting import write_json
    from spiking_em.experiments.spiking_learning import plot_summary, stdp_sgd_at_scale
    from spiking_em.spiking import device
    from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.transfer import fitted_transfer
    out = Path(args.out)
    model = model_for_figures(args.run_dir, args.quick, out)
    dataset = dataset_for(model, args.data_dir)
    variant = {"lif": "spiking", "poisson": "stochastic"}[args.neurons]
    # --quick: 4 digits a binary run (the test suite's learning network)
    config = SpikingTrainConfig(network=NetworkConfig(n_slots=189), variant=variant) \
        if args.quick else SpikingTrainConfig(variant=variant)
    n_digits = 8 if args.quick else args.n_digits
    results = {"settings": {"spiking": config.as_dict(), "seed": args.seed,
                            "run_dir": args.run_dir, "quick": args.quick}}
    stem = "spiking_learning" + ("" if args.neurons == "lif" else "_poisson")
    path = out / f"{stem}.json"
    if path.exists():
        import json
        results.update({k: v for k, v in json.loads(path.read_text()).items()
                        if k in ("stdp_sgd", "continued") and k not in args.part})
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    # Run
    say("building the learning network (one compilation for both parts)")
    transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    net = AreaNetwork(model.params.sizes, config.variant, config.network, transfer,
                      seed=args.seed, learning=config.teaching)
    if "stdp" in args.part:
        say(f"STDP = SGD at scale: {n_digits} training digits, eta {args.eta_probe:g}")
        results["stdp_sgd"] = stdp_sgd_at_scale(
            net, model, dataset.train[:n_digits], dataset.train[:config.n_reference], config,
            seed=args.seed, eta=args.eta_probe,
            progress=lambda d, n: say(f"  {d}/{n} digits"))
        results["stdp_sgd"]["compile_s"] = net.compile_s
        for name, m in results["stdp_sgd"]["maps"].items():
            say(f"  {name}: cosine {m['cosine_matching_loss']:.3f} (matching loss), "
                f"{m['cosine_squared_error']:.3f} (squared error); squared error "
                f"{m['squared_error_before']:.4g} -> {m['squared_error_after_step']:.4g}")
    if "continue" in args.part:
        from spiking_em.experiments.spiking_learning import continued_training
        n = 40 if args.quick else args.presentations
        say(f"continued training: {n} presentations, eta {args.eta:g}")
        results["continued"] = continued_training(
            model, dataset, config, n_presentations=n, eta=args.eta, seed=args.seed,
            out_dir=Path(args.continued_dir or "runs/" + stem.replace("_learning", "-continued")
                         .replace("_", "-")) if not args.quick else out / f"quick-{stem}",
            quick=args.quick, say=say, net=net, n_prior=40 if args.quick else 1000)
    device.reset()
    # Analysis and plotting
    write_json(path, results)
    png = plot_summary(results, out / f"{stem}.png")
    print(f"wrote {path} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
