"""``spiking-em`` command line.

Every failure ends in one line on stderr naming the file or option and what to do, with exit
code 2 and no traceback; option values and output paths are checked before any work starts,
and no command replaces a previous run's results unless asked (``--overwrite``).
"""
from __future__ import annotations

import argparse
import logging
import sys

from spiking_em import __version__, commands
from spiking_em.preflight import (
    nonnegative_float,
    nonnegative_int,
    open_fraction,
    positive_float,
    positive_int,
    remove_empty_created,
)

logger = logging.getLogger("spiking_em")


class _DefaultsFormatter(argparse.HelpFormatter):
    """Help that shows each option's default where it has a meaningful one."""

    def _get_help_string(self, action):
        text = action.help or ""
        silent = action.default is None or action.default is False
        if not silent and action.default != argparse.SUPPRESS and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``spiking-em train: error: argument --epochs: ...``)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


SEED_HELP = "seed of every random stream (numpy and Brian2)"
COMMANDS = {
    "demo": "short train + evaluate + figures on embedded data (about 3 minutes)",
    "fetch-data": "download MNIST or Fashion-MNIST into the user cache",
    "train": "train with Algorithm 2 (TRAIN)",
    "train-spiking": "train in the Brian2 network: INFERENCE + dW ∝ S_pre dV/dt teaching",
    "evaluate": "write RUN_DIR/metrics.json and figures 3-5",
    "compare": "rate vs spikes: numpy, Brian2 rate, LIF and Poisson networks on the same digits",
    "stdp-curve": "Fig. 1: the STDP curve",
    "stdp-sgd": "STDP acting as SGD (delta rule)",
}


def build_parser() -> argparse.ArgumentParser:
    fmt = _DefaultsFormatter
    parser = _Parser(prog="spiking-em", formatter_class=fmt,
                     description="Bengio et al. (2015), Towards Biologically Plausible Deep "
                                 "Learning: STDP as SGD, inference by target propagation, "
                                 "variational EM, and Brian2 spiking areas.")
    parser.add_argument("--version", action="version", version=f"spiking-em {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    def command(name, func):
        p = sub.add_parser(name, help=COMMANDS[name], description=COMMANDS[name],
                           formatter_class=fmt)
        p.set_defaults(func=func)
        return p

    def data_args(p):
        p.add_argument("--data-dir", default=None, help="directory with the four IDX files "
                       "(else $SPIKING_EM_DATA, then the user cache)")
        p.add_argument("--no-download", action="store_true", help="never try to download")

    def overwrite_arg(p):
        p.add_argument("--overwrite", action="store_true",
                       help="replace the results of a previous run in the output directory")

    p = command("demo", commands.demo_command)
    p.add_argument("--out", default="spiking-em-demo", help="output directory")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--data-dir", default=None, help="where to look for MNIST")
    overwrite_arg(p)

    p = command("fetch-data", commands.fetch_command)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"],
                   help="data set")
    p.add_argument("--data-dir", default=None, help="where to look before downloading")

    p = command("train", commands.train_command)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist", "glyphs"],
                   help="data set (glyphs: embedded, no download)")
    p.add_argument("--preset", default="paper", choices=["paper", "poisson", "mixed"],
                   help="paper: Gaussian + Bernoulli-3 noise; poisson: Poisson-rate quantization "
                        "of every layer; mixed: Gaussian pixels, Poisson h1 and h2")
    p.add_argument("--window", type=positive_float, default=None, metavar="SECONDS",
                   help="spike-counting window T of the poisson/mixed presets (preset: 0.1)")
    p.add_argument("--epochs", type=positive_int, help="training epochs (preset: 20)")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--out", required=True, help="run directory (checkpoint.npz, model.npz)")
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.npz")
    p.add_argument("--allow-changes", action="store_true",
                   help="with --resume: continue a finished or diverged run with another "
                        "--learning-rate or more --epochs")
    p.add_argument("--optimizer", choices=["rmsprop", "sgd", "adam"], help="optimizer (preset: rmsprop with momentum)")
    p.add_argument("--learning-rate", type=positive_float, help="learning rate (preset: 1e-5)")
    p.add_argument("--lr-decay", type=positive_float, metavar="FACTOR",
                   help="learning rate of epoch e is LR * FACTOR**e (preset: 1, constant)")
    p.add_argument("--batch-size", type=positive_int, help="minibatch size (preset: 100)")
    p.add_argument("--n-hidden1", type=positive_int, help="units in h1 (preset: 1000)")
    p.add_argument("--n-hidden2", type=positive_int, help="units in h2 (preset: 100)")
    p.add_argument("--prior-spread", choices=["std", "variance"],
                   help="p(h2) spread: empirical std x 4 (authors' code, preset) or variance x 4 "
                        "(text)")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help="use only the first N training images (default: all)")
    p.add_argument("--corrupt", action="append", default=[], metavar="NAME=SPEC",
                   help="per-layer corruption, repeatable: NAME in x_for_f1, h1_for_g1, h1_for_f2, "
                        "h2_for_g2; SPEC none | gaussian:SIGMA | bernoulli:K | "
                        "poisson:GAIN_HZ:WINDOW_S[:BASELINE] (a baseline corrupts zeros too)")
    data_args(p)

    p = command("train-spiking", commands.train_spiking_command)
    p.add_argument("--out", required=True, help="run directory (spiking_checkpoint.npz, "
                   "model.npz)")
    p.add_argument("--init", default=None, metavar="RUN_DIR",
                   help="continue from this model (e.g. a rate-trained run); default: an "
                        "untrained model of --n-hidden1/--n-hidden2 units")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"],
                   help="data set (default: the --init model's, else mnist)")
    p.add_argument("--presentations", type=positive_int, default=10_000,
                   help="digits presented (each: INFERENCE, then a teaching phase)")
    p.add_argument("--eta", type=positive_float, default=1e-3,
                   help="learning rate: dW = eta d (x) dV per teaching phase")
    p.add_argument("--teach-slots", type=positive_int, default=10,
                   help="teaching phase length in 20 ms slots")
    p.add_argument("--ff-slots", type=positive_int, default=12,
                   help="feed-forward sweep before INFERENCE, in 20 ms slots (8: 10 %% fewer "
                        "synaptic events per presentation, h2 0.004 further from numpy's "
                        "INFERENCE; benchmarks/spiking_learning_speed.py)")
    p.add_argument("--sample-slots", type=positive_int, default=10,
                   help="sample phase length in 20 ms slots (the spikes each map predicts "
                        "from and learns from)")
    p.add_argument("--sample-rate", type=positive_float, nargs=3, default=(1.0, 1.0, 1.0),
                   metavar=("X", "H1", "H2"),
                   help="rate factors of x, h1 and h2 in the sample phase: the knob of the "
                        "spikes' corruption (smaller: fewer spikes, more noise; "
                        "figures/spiking_denoising.json has the paper-sized setting)")
    p.add_argument("--sample-floor", type=nonnegative_float, nargs=2, default=(0.0, 0.0),
                   metavar=("H1", "H2"),
                   help="expected spikes that each polarity of every h1 and h2 unit adds to "
                        "its sample (they cancel on average): noise on every unit rather than "
                        "a thin sample's dropout-like noise")
    p.add_argument("--sample-baseline", type=nonnegative_float, default=0.0, metavar="B",
                   help="the pixels' baseline in the sample, in pixel values: X gets OFF "
                        "neurons and every pixel's ON and OFF neuron add B times its sample "
                        "rate, so black pixels are corrupted too and their synapses learn "
                        "(0: the plain Poisson pixels; figures/spiking_pixel_baseline.json)")
    p.add_argument("--coarse", action="store_true",
                   help="LIF neurons stepped at 0.4 ms with a 300 Hz top rate instead of "
                        "0.2 ms and 400 Hz: x1.35 presentations per minute, the E-step's "
                        "states a little further from numpy's (benchmarks/"
                        "spiking_learning_speed.py)")
    p.add_argument("--neurons", choices=["lif", "poisson"], default="lif",
                   help="lif: sigma-delta LIF neurons (regular counts); poisson: Poisson "
                        "neurons at the same rates (Fano factor 1)")
    p.add_argument("--n-prior", type=positive_int, default=1000,
                   help="training digits whose h2, decoded from the network's spikes at the "
                        "end, fit the written model's prior p(h2)")
    p.add_argument("--digits-per-run", type=positive_int, default=17,
                   help="presentations per run of the compiled binary (the weights are read "
                        "back and a checkpoint can be written between runs)")
    p.add_argument("--n-hidden1", type=positive_int, default=1000, help="units in h1 "
                   "(from scratch)")
    p.add_argument("--n-hidden2", type=positive_int, default=100, help="units in h2 "
                   "(from scratch)")
    p.add_argument("--n-valid", type=positive_int, default=1000,
                   help="validation digits for the learning curves")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--resume", action="store_true",
                   help="continue from RUN_DIR/spiking_checkpoint.npz")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="data-parallel learning on Dask: blocks of --digits-per-run digits "
                        "per round, each learned by its own worker from the same weights "
                        "(the weights move by the sum of their changes); without --scheduler "
                        "a local cluster of this many worker processes")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the blocks on the Dask scheduler at tcp://HOST:PORT (workers "
                        "started with --preload brian2); blocks per round: --workers, else "
                        "its worker count")
    data_args(p)

    p = command("evaluate", commands.evaluate_command)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory with model.npz")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"],
                   help="(default: the model's)")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--quick", action="store_true", help="small sample counts (smoke test)")
    p.add_argument("--figures", default=None, help="directory for the figures (default RUN_DIR)")
    overwrite_arg(p)
    data_args(p)

    p = command("compare", commands.compare_command)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory with model.npz")
    p.add_argument("--out", required=True, help="directory for rate_vs_spike.json and figures")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"],
                   help="(default: the model's)")
    p.add_argument("--n-digits", type=positive_int, default=None,
                   help="test digits for INFERENCE and in-painting (default 1000)")
    p.add_argument("--n-samples", type=positive_int, default=None,
                   help="GENERATE samples of the spiking networks and numpy (default 500)")
    p.add_argument("--rate-digits", type=nonnegative_int, default=None,
                   help="digits and samples through the Brian2 rate network (default 100; 0 skips)")
    p.add_argument("--clip-quantile", type=open_fraction, default=None,
                   help="quantile of |value - centre| that fires at the maximum rate, 400 Hz "
                        "(default 0.999: 0.1%% of values clipped)")
    p.add_argument("--code", choices=["signed", "plain"], default=None,
                   help="signed: ON/OFF neurons centred on the model's typical values (default); "
                        "plain: one neuron per unit firing at gain * value")
    p.add_argument("--variants", nargs="+", choices=["spiking", "stochastic", "rate"],
                   default=None, help="Brian2 networks to run: sigma-delta LIF, Poisson "
                   "(escape-noise) neurons, rate units (default: all three)")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--quick", action="store_true", help="20 digits (smoke test)")
    overwrite_arg(p)
    data_args(p)

    for name in ("stdp-curve", "stdp-sgd"):
        p = command(name, commands.stdp_command)
        p.add_argument("--backend", choices=["numpy", "brian2"], default="numpy",
                       help="numpy ramp model or Brian2 LIF synapse")
        p.add_argument("--out", required=True, help="output directory")
        p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
        p.add_argument("--quick", action="store_true", help="fewer trials (smoke test)")
        overwrite_arg(p)
    return parser


def main(argv=None) -> int:
    """Run one command; returns its exit code (0 done, 2 bad input or a failed run, 130 Ctrl-C)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # long silent phases say what they are doing: Brian2 compilation
    logging.getLogger("spiking_em.spiking.device").setLevel(logging.INFO)
    from spiking_em.model.training import TrainingDiverged
    from spiking_em.progress import ProgressBar
    try:
        return args.func(args)
    except KeyboardInterrupt:
        ProgressBar.end_line()
        remove_empty_created()
        print(f"spiking-em {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError, TrainingDiverged) as exc:
        remove_empty_created()
        # data, checkpoint and model errors (DataNotFoundError, DataCorruptError,
        # CorruptFileError) derive from these; an OSError is an unreadable or unwritable path
        ProgressBar.end_line()
        if args.verbose:
            logger.exception("traceback (-v)")
        message = " ".join(str(exc).split())
        print(f"spiking-em {args.command}: error: {message}", file=sys.stderr)
        return 2
