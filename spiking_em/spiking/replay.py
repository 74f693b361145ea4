"""Sample and replay: the spikes that make a map's prediction are the spikes its synapses learn
from.

After INFERENCE has settled and frozen h1 and h2, a learning network runs two phases per digit:

- ``sample`` (plasticity off): the source areas X, H1 and H2 fire at their values' rates
  scaled by a factor ``rho`` per area (:class:`SampleConfig`); each neuron counts its spikes
  (``k_sample``), and each learning area adds every spike of its plastic pathway and of its
  nudging pathway to a *box count* (``zs``, ``zt`` in :mod:`equations`), which after the phase
  holds exactly W d~ and the target's deviation T~ - c, with d~ = k / (rho gain T_sample)
  the deviation that the sampled counts decode to;
- ``teach`` (plasticity on): every source neuron *replays* its sample: it fires its k sample
  spikes again, spread regularly over the teaching phase (the midpoints of k equal
  intervals), and no other spikes (its LIF or Poisson mechanism is off, and so is its
  refractoriness). Each synapse thus sees the same sample that made the prediction, and the
  predictions and targets stay held, so the replayed spikes' timing never enters the voltage
  they read. The plastic synapses' learning rates carry the factor T_teach / (rho T_sample)
  that turns k replayed spikes into the sample's decoded rate (:mod:`plasticity`), so a
  coarse sample costs few synaptic events in both phases.

Two events. A source neuron's sample and replay spikes are Brian2 ``learn`` events, its other
spikes (INFERENCE's) ``spike`` events, so that a plastic synapse runs two pathways: on a
``spike`` it only transmits (``z += w``, the cost of a plain synapse), on a ``learn`` event it
only adds to the box count and learns (:mod:`plasticity`). One pathway that did all three at
every spike, with the gates zeroing what does not apply, made INFERENCE's events ×1.5 dearer
for nothing. The split changes no number: the gates exclude each other, and in sample and
teaching slots nothing reads the traces that the transmission would have fed (h is frozen,
x clamped, the learning areas read their box counts).

``rho`` and ``slots`` are the knob of the spikes' corruption: the sample carries
rho gain |d| T_sample expected spikes per neuron, so a smaller product means a coarser sample
(Poisson neurons: rms error ∝ (rho T_sample)^-1/2). They are run arguments: a sweep over
them compiles nothing.

The floor. An LIF neuron with reset by subtraction fires about λ spikes for λ expected ones,
with an error below one spike (a sigma-delta quantizer). A thin sample (λ = rho gain |d|
T_sample well below one spike) is then 0 for most units and one whole spike for a few: most
units are decoded at their centre, as if dropped out (measured on the 20-epoch model at the
paper-sized rho: 99.8 % of the h1 units, 87 % of the h2 units), and the noise depends
on the value. The *floor* adds to every H1 and H2 neuron, ON and OFF alike, independent floor spikes: in each
sample slot one with probability ``floor / slots`` (a binomial count of mean ``floor``).
They count in the sample and are replayed like the neuron's own spikes, and they cancel on
average in the decoded ON - OFF count, so the corruption gains a zero-mean jitter of about
sqrt(2 floor) spikes on *every* unit, also on the units at their centre. They do not reset
the membrane (a sigma-delta neuron would otherwise cancel each one with one own spike fewer),
but they do start its refractory period (2 ms, 1 % of the sample per floor spike). A floor
carried by the drive instead (a rate added to both polarities) mostly fires nothing: an LIF
neuron far below its usual rate needs most of a period to reach threshold from where it
stands (measured: h1 at its centre 0.89 instead of 0.98 at rho 0.03; the floor spikes bring it to
0.46, the two binomial counts' chance of being equal). The pixels keep their
Poisson sample: X has one polarity, whose floor would not cancel.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from spiking_em.spiking.equations import AT_RESET, at_slot
from spiking_em.validation import check_nonnegative, check_positive, check_positive_int

#: the areas whose spikes feed plastic synapses (and therefore sample and replay)
SOURCE_AREAS = ("X", "H1", "H2")
#: the code kind of each source area, whose rho applies to it
SOURCE_KIND = {"X": "x", "H1": "h1", "H2": "h2"}

#: the event of a source neuron's sample and replay spikes (its other spikes are ``spike``
#: events): plastic synapses transmit on ``spike`` events and learn on ``learn`` events
LEARN_EVENT = "learn"

#: a source neuron's sample count and replay train
REPLAY_EQS = """
k_sample : 1                                     # spikes in this presentation's sample phase
n_learn : 1                                      # learn events in this run
dreplay/dt = g_teach_n * k_sample / teach_s : 1  # phase of the replay train (k spikes)
g_teach_n : 1 (shared)                           # 1 in teaching slots: replay
g_sample_n : 1 (shared)                          # 1 in sample slots: count
teach_s : second (shared, constant)              # length of the teaching phase
floor_p : 1 (shared, constant)                   # chance of a floor spike per sample slot
floor_now : 1                                    # 1: a floor spike is due in this slot
"""
#: every learn event counts in sample slots and advances the replay train in teaching slots;
#: a floor spike is spent
REPLAY_RESET = "n_learn += 1\nk_sample += g_sample_n\nreplay -= g_teach_n\nfloor_now = 0"
#: at slot starts: the gates; at presentation starts: an empty count, the replay phase at 1/2
#: (k spikes at the midpoints of k equal intervals of the teaching phase)
REPLAY_SLOT_START = "\n".join([
    f"g_teach_n = {at_slot('teach')}",
    f"g_sample_n = {at_slot('sample')}",
    "floor_now = int(g_sample_n > 0.5 and rand() < floor_p)",
    f"k_sample = k_sample * (1 - {AT_RESET})",
    f"replay = replay + (0.5 - replay) * {AT_RESET}"])


def infer_threshold(own: str) -> str:
    """A source neuron's ``spike`` event: its own threshold ``own`` outside sample and
    teaching slots."""
    return f"g_sample_n + g_teach_n < 0.5 and ({own})"


def learn_condition(own: str, refractory: bool) -> str:
    """A source neuron's ``learn`` event: its own threshold or a due floor spike in sample
    slots, the replay train's in teaching slots; with ``refractory``, only while not
    refractory (Brian2 applies refractoriness to ``spike`` events alone)."""
    condition = (f"(g_sample_n > 0.5 and (({own}) or floor_now > 0.5)) or "
                 "(g_teach_n > 0.5 and replay > 1)")
    return f"({condition}) and not_refractory" if refractory else condition


def one_event_threshold(own: str) -> str:
    """A source neuron's threshold when its sample and replay spikes are spikes too (no learn
    event, ``TeachingConfig.learn_event`` False): its own or a due floor spike outside
    teaching slots, the replay train's in them."""
    return (f"(g_teach_n < 0.5 and (({own}) or floor_now > 0.5)) or "
            "(g_teach_n > 0.5 and replay > 1)")


#: a learn event starts the refractory period as a spike would
LEARN_REFRACTORY_RESET = "lastspike = t\nnot_refractory = False"


#: an LIF source neuron's reset at a learn event: by subtraction for its own spikes only (a
#: floor spike that reset the membrane would delay the next own spike and cancel itself:
#: sigma-delta)
LIF_REPLAY_RESET = "v -= 1 - floor_now"


#: refractoriness applies to the neuron's own spikes only (the replay keeps its exact count)
REPLAY_REFRACTORY = "t_refractory * (1 - g_teach_n)"


@dataclass(frozen=True)
class SampleConfig:
    """The sample phase: its length in slots, the rate factor of each source area and the
    floor of the hidden areas' samples.

    rate_x, rate_h1, rate_h2 : the factor by which X's, H1's and H2's rates are scaled while
        they sample (1: the code's own rates; smaller: fewer spikes, a coarser sample).
    floor_h1, floor_h2 : expected floor spikes that *each* neuron (ON and OFF) of every H1 /
        H2 unit adds to its sample (0: none; at most ``slots``). They cancel in the decoded
        value on average (it reads ON minus OFF) and add noise to every unit, also to units at
        their centre: a thin sample without a floor leaves most units at their centre and
        gives a few a whole spike (dropout-like noise), one with a floor jitters every unit
        (module docstring).
    baseline_x : the pixels' baseline in the sample, in pixel values (a fraction of a white
        pixel's rate): each pixel's ON and OFF neuron add ``rate_x * gain * baseline_x`` to
        their rates, so that every pixel's sample is noisy, black ones included (0: X's
        plain Poisson sample; > 0 needs a network with ``TeachingConfig(pixel_off=True)``).
    """

    slots: int = 10
    rate_x: float = 1.0
    rate_h1: float = 1.0
    rate_h2: float = 1.0
    floor_h1: float = 0.0
    floor_h2: float = 0.0
    baseline_x: float = 0.0

    def __post_init__(self):
        check_positive_int("sample slots", self.slots)
        check_nonnegative("sample baseline_x", self.baseline_x)
        for name in ("rate_x", "rate_h1", "rate_h2"):
            check_positive(f"sample {name}", getattr(self, name))
        for name in ("floor_h1", "floor_h2"):
            check_nonnegative(f"sample {name}", getattr(self, name))
            if getattr(self, name) > self.slots:
                raise ValueError(f"sample {name} must be at most the sample's {self.slots} "
                                 f"slots (one floor spike per slot), got {getattr(self, name)}")

    def rate(self, area: str) -> float:
        """The rate factor of source area ``area`` ("X", "H1" or "H2")."""
        return getattr(self, f"rate_{SOURCE_KIND[area]}")

    def floor_probability(self, area: str) -> float:
        """Chance of a floor spike per sample slot for each neuron of ``area``: its floor
        spread over the sample's slots (0 for X: its pixels are Poisson already, and their
        noise on black pixels is the baseline, ``baseline_x``)."""
        floor = 0.0 if area == "X" else getattr(self, f"floor_{SOURCE_KIND[area]}")
        return floor / self.slots

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def paper_noise(cls) -> SampleConfig:
        """The rate factors whose samples corrupt x, h1 and h2 about as much as the ``paper``
        preset's noise (rms 0.49, 0.39, 0.18 against 0.5, 0.4, 0.18), read off the curve of
        rms against the factor on the 20-epoch rate model's codes
        (``simulations/spiking_denoising.py``, figures/spiking_denoising.json)."""
        return cls(slots=10, rate_x=0.0121, rate_h1=0.0143, rate_h2=0.103)

    @classmethod
    def paper_noise_floor(cls) -> SampleConfig:
        """The paper-sized corruption with a floor of half a spike on every h1 and h2 neuron
        (rms 0.49, 0.40, 0.19 against 0.5, 0.4, 0.18, with 40 % and 30 % of the h1 and h2
        units decoded at their centre instead of 99.8 % and 87 % without the floor): x's rate
        factor as in :meth:`paper_noise`, h1's and h2's read off the curve with the floor
        (``simulations/spiking_denoising.py`` part 3, figures/spiking_denoising.json)."""
        return cls(slots=10, rate_x=0.0123, rate_h1=0.130, rate_h2=0.226, floor_h1=0.5,
                   floor_h2=0.5)

    def with_pixel_baseline(self, baseline: float, mean_pixel: float) -> SampleConfig:
        """This sample with the pixels' baseline ``baseline`` and x's rate factor raised by
        (m + 2 b) / m, so that the corruption's variance averaged over pixels of mean value
        m = ``mean_pixel`` stays this sample's: (v + 2 b) / (rho' gain T) against
        v / (rho gain T). The same size of corruption, spread over every pixel."""
        check_positive("mean_pixel", mean_pixel)
        check_nonnegative("baseline", baseline)
        return replace(self, baseline_x=float(baseline),
                       rate_x=self.rate_x * (mean_pixel + 2 * baseline) / mean_pixel)
