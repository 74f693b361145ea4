"""Algorithm 2's TRAIN run by the spiking network: INFERENCE by the areas' dynamics (E-step),
then a teaching phase in which the plastic synapses learn by dW ∝ S_pre · dV_post/dt (M-step).

numpy only orders the digits, derives the rate codes and carries the weights from one binary
run to the next: a compiled learning network (:class:`AreaNetwork` with ``learning=``) runs
``digits_per_run`` presentations per run with the weights living in its synapses, and
:func:`plasticity.read_back` turns them into the model's parameters at the run's end.

After INFERENCE the sources (X, H1, H2) fire a sample (:mod:`replay`): the Poisson pixels of
the clamped digit and the quantized h1 and h2 of the areas that INFERENCE left frozen, at rates
scaled by the sample's rate factors. That quantization is the corruption that makes each pair
of maps a denoising auto-encoder (Sec. 3: spikes are the noise): the same sample makes each
map's prediction and, replayed, drives its plastic synapses (:mod:`plasticity`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from spiking_em.model.inference import GaussianPrior, infer
from spiking_em.model.layers import Params
from spiking_em.model.sampling import fit_prior
from spiking_em.spiking import schedule
from spiking_em.spiking.areas import AreaNetwork, NetworkConfig
from spiking_em.spiking.codes import AREA_KIND, RateCode, derive_codes
from spiking_em.spiking.plasticity import LEARNING_MAPS, TeachingConfig, read_back
from spiking_em.spiking.readout import run_presentations, signed_counts
from spiking_em.spiking.replay import SOURCE_AREAS, SampleConfig
from spiking_em.validation import check_nonnegative, check_positive_int

#: unit models whose networks can learn (their synapses see presynaptic spikes)
LEARNING_VARIANTS = ("spiking", "stochastic")


@dataclass(frozen=True)
class SpikingTrainConfig:
    """Settings of training in the spiking network.

    eta : learning rate of every map, ΔW = eta d ⊗ ΔV per teaching phase (d: the presynaptic
        deviation from its code's centre, ΔV: the voltage's change).
    n_steps, delta, alpha : INFERENCE before each teaching phase (Algorithm 2's TRAIN:
        N = 15, delta = 0.1, alpha = 0.001).
    ff_slots, teach_slots : feed-forward sweep and teaching phase, in slots.
    sample : the sample phase before each teaching phase: its slots and the rate factors of
        X, H1 and H2, the knob of the spikes' corruption (:class:`replay.SampleConfig`).
    window_slots : spike-counting window for decoded values (codes, the prior's h2).
    n_reference : digits whose numpy INFERENCE sets the codes' centres and gains (every run).
    prior_factor : p(h2)'s standard deviation is this times the spike-decoded h2's.
    variant : the neurons of the learning network: ``"spiking"`` (sigma-delta LIF, regular
        counts) or ``"stochastic"`` (Poisson neurons at the same rates, Fano factor 1: the
        network's own spikes then corrupt about as much as the paper's noise).
    quiet : the areas that are not sources (F1X, XR, F1XR, F2H1, G2H2, F2G2) fire nothing in
        the sample and teaching slots, where no one reads them, and no area fires in the idle
        slots after a run's last digit (a run argument; it changes no weight, only the
        synaptic events: see ``benchmarks/spiking_learning_speed.py``).
    """

    eta: float = 1e-3
    n_steps: int = 15
    delta: float = 0.1
    alpha: float = 0.001
    ff_slots: int = 12
    teach_slots: int = 10
    sample: SampleConfig = field(default_factory=SampleConfig)
    window_slots: int = 3
    n_reference: int = 500
    prior_factor: float = 4.0
    # 17 presentations of 47 slots per binary run
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(n_slots=800))
    teaching: TeachingConfig = field(default_factory=TeachingConfig)
    variant: str = "spiking"
    quiet: bool = True

    def __post_init__(self):
        check_nonnegative("eta", self.eta)
        if self.variant not in LEARNING_VARIANTS:
            raise ValueError(f"variant must be one of {LEARNING_VARIANTS}, got {self.variant!r}")
        for name in ("n_steps", "ff_slots", "teach_slots", "window_slots", "n_reference"):
            check_positive_int(name, getattr(self, name))
        if self.window_slots > self.ff_slots:
            raise ValueError(f"the feed-forward sweep (ff_slots, --ff-slots) must hold the "
                             f"{self.window_slots}-slot counting window, got {self.ff_slots}")
        if self.sample.baseline_x > 0 and not self.teaching.pixel_off:
            raise ValueError(f"a pixel baseline (sample baseline_x {self.sample.baseline_x:g}) "
                             "is fired by X's OFF neurons; use TeachingConfig(pixel_off=True)")
        if self.slots_per_digit >= self.network.n_slots:
            raise ValueError(f"a digit needs {self.slots_per_digit} slots; build the network "
                             f"with n_slots > {self.slots_per_digit}")

    @property
    def slots_per_digit(self) -> int:
        return self.ff_slots + self.n_steps + self.sample.slots + self.teach_slots

    @property
    def digits_per_run(self) -> int:
        """Presentations packed into one binary run (its last slot idles)."""
        return (self.network.n_slots - 1) // self.slots_per_digit

    def packing(self, digits_per_run: int) -> SpikingTrainConfig:
        """This configuration with a network of ``digits_per_run`` presentations per binary
        run (n_slots = digits_per_run * slots_per_digit + 1)."""
        check_positive_int("digits_per_run", digits_per_run)
        n_slots = digits_per_run * self.slots_per_digit + 1
        return replace(self, network=replace(self.network, n_slots=n_slots))

    def phases(self) -> list:
        return schedule.teaching_phases(self.n_steps, self.alpha, self.ff_slots,
                                        self.sample.slots, self.teach_slots)

    def as_dict(self) -> dict:
        return asdict(self)


def codes_for(params: Params, prior: GaussianPrior, x_reference: np.ndarray,
              config: SpikingTrainConfig) -> dict[str, RateCode]:
    """Rate codes of the current parameters: centres and gains from numpy INFERENCE on
    ``x_reference`` and from ``prior`` (run arguments: no recompilation)."""
    from spiking_em.model.config import InferenceConfig
    h1, h2 = infer(x_reference, params, InferenceConfig(config.n_steps, config.delta,
                                                        config.alpha))
    c = config.network
    return derive_codes({"x": x_reference, "h1": h1, "h2": h2, "prior_mean": prior.mean,
                         "prior_std": prior.std}, c.r_max_hz, c.clip_quantile,
                        pixel_rate_hz=c.pixel_rate_hz, signed=c.signed)


@dataclass
class TeachingRun:
    """What one binary run of a learning network gives back.

    params : the parameters read back from the synapses at the run's end.
    h2 : (n_digits, n_h2) h2 decoded from H2's spikes at the end of each INFERENCE.
    sample_counts : per source area ("X", "H1", "H2"), (n_digits, n_units) signed spike
        counts (ON minus OFF) of each sample phase: the corrupted inputs of the maps.
    replay_counts : the same over each teaching phase (the replayed samples).
    teach_states : "H1", "H2": the frozen states h that those spikes carry, (n_digits, n).
    run_s, n_events : binary run time and synaptic events.
    """

    params: Params
    h2: np.ndarray
    sample_counts: dict
    replay_counts: dict
    teach_states: dict
    run_s: float
    n_events: int


def teach(net: AreaNetwork, params: Params, codes: dict[str, RateCode], x: np.ndarray,
          config: SpikingTrainConfig, *, rng: np.random.Generator,
          eta: float | None = None) -> TeachingRun:
    """One binary run: INFERENCE and a teaching phase for each digit of ``x`` (at most
    ``digits_per_run``), with the weights learning in the synapses; returns the new params."""
    if len(x) > config.digits_per_run:
        raise ValueError(f"{len(x)} digits do not fit one run of {config.digits_per_run}")
    phases = config.phases()
    presentations = [schedule.Presentation(phases, clamp=np.asarray(xi, dtype=np.float64))
                     for xi in x]
    (inputs,) = schedule.pack(presentations, net.config.n_slots, net.sizes[0], net.sizes[2])
    args = net.run_args(params, codes, delta=config.delta,
                        eta=config.eta if eta is None else eta, sample=config.sample,
                        teach_slots=config.teach_slots, quiet=config.quiet)
    rec = net.run(args, inputs, rng=rng)
    new_params = read_back(net, params, codes)
    c = net.config
    starts = np.asarray(inputs.starts)
    infer_end = starts + config.ff_slots + config.n_steps - 1
    counts = signed_counts(net, rec, "H2", infer_end, config.window_slots)
    h2 = codes["h2"].decode(counts / (config.window_slots * c.slot_ms * 1e-3))
    sample_end = infer_end + config.sample.slots
    teach_end = sample_end + config.teach_slots
    sample_counts, replay_counts = {}, {}
    for area in SOURCE_AREAS:
        counts = signed_counts(net, rec, area, np.concatenate([sample_end, teach_end]),
                               np.concatenate([np.full(len(x), config.sample.slots),
                                               np.full(len(x), config.teach_slots)]))
        sample_counts[area], replay_counts[area] = counts[:len(x)], counts[len(x):]
    teach_states = {area: rec.states[f"{area}.h"][teach_end + 1] for area in ("H1", "H2")}
    return TeachingRun(params=new_params, h2=h2, sample_counts=sample_counts,
                       replay_counts=replay_counts, teach_states=teach_states,
                       run_s=rec.run_s, n_events=rec.n_events)


def spike_h2(net: AreaNetwork, params: Params, codes: dict[str, RateCode], x: np.ndarray,
             config: SpikingTrainConfig, *, rng: np.random.Generator) -> np.ndarray:
    """h2 decoded from H2's spikes at the end of INFERENCE for every digit of ``x`` (no
    teaching phase, weights frozen; as many digits per binary run as fit)."""
    phases = schedule.inference_phases(config.n_steps, config.alpha, config.ff_slots)
    presentations = [schedule.Presentation(phases, clamp=np.asarray(xi, dtype=np.float64))
                     for xi in x]
    end = config.ff_slots + config.n_steps - 1
    ro = run_presentations(net, params, codes, presentations, [end], delta=config.delta,
                           window=config.window_slots, rng=rng)
    return ro.decoded["H2"][:, 0].astype(np.float64)


def decoded_inputs(run: TeachingRun, codes: dict[str, RateCode], config: SpikingTrainConfig,
                   slot_ms: float) -> dict[str, np.ndarray]:
    """Each sample's values decoded from its spike counts, k / (rho T_sample) per unit: the
    corrupted inputs x~, h1~, h2~ that the maps predicted from and learned from."""
    seconds = config.sample.slots * slot_ms * 1e-3
    return {area: codes[AREA_KIND[area]].decode(counts / (config.sample.rate(area) * seconds))
            for area, counts in run.sample_counts.items()}


def spike_prior(h2: np.ndarray, factor: float) -> GaussianPrior:
    """p(h2) fitted on h2 decoded from the spiking network's H2 (std x ``factor``)."""
    return fit_prior(np.asarray(h2, dtype=np.float64), spread="std", factor=factor)


#: map -> (input area, target area)
MAP_INPUT = {name: (m.source, m.target) for name, m in LEARNING_MAPS.items()}
