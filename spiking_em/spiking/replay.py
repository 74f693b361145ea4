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

``rho`` and ``slots`` are the knob of the spikes' corruption: the sample carries
rho gain |d| T_sample expected spikes per neuron, so a smaller product means a coarser sample
(Poisson neurons: rms error ∝ (rho T_sample)^-1/2). They are run arguments: a sweep over
them compiles nothing.

The floor. An LIF neuron with reset by subtraction, started at a random phase, fires
floor(λ + U) spikes for λ expected ones (U uniform): unbiased, with variance f (1 - f), f the
fractional part of λ. A thin sample (λ = rho gain |d| T_sample well below one spike) is then
0 for most units and one whole spike for a few: most units are decoded at their centre, as if
dropped out, and the noise depends on the value. With ``floor`` extra expected spikes on both
polarities of every hidden unit (ON and OFF alike, so they cancel on average in the decoded
ON - OFF count), a unit near its centre fires ``floor + λ`` on one polarity and ``floor`` on
the other: at floor = 1/2 each count varies by about half a spike, whatever the value, so the
corruption is added to every unit rather than removing most of them. The pixels keep their
Poisson sample: X has one polarity, whose floor would not cancel.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from spiking_em.spiking.equations import AT_RESET, at_slot
from spiking_em.validation import check_nonnegative, check_positive, check_positive_int

#: the areas whose spikes feed plastic synapses (and therefore sample and replay)
SOURCE_AREAS = ("X", "H1", "H2")
#: the code kind of each source area, whose rho applies to it
SOURCE_KIND = {"X": "x", "H1": "h1", "H2": "h2"}

#: a source neuron's sample count and replay train
REPLAY_EQS = """
k_sample : 1                                     # spikes in this presentation's sample phase
dreplay/dt = g_teach_n * k_sample / teach_s : 1  # phase of the replay train (k spikes)
g_teach_n : 1 (shared)                           # 1 in teaching slots: replay
g_sample_n : 1 (shared)                          # 1 in sample slots: count
teach_s : second (shared, constant)              # length of the teaching phase
"""
#: every spike counts in sample slots and advances the replay train in teaching slots
REPLAY_RESET = "k_sample += g_sample_n\nreplay -= g_teach_n"
#: at slot starts: the gates; at presentation starts: an empty count, the replay phase at 1/2
#: (k spikes at the midpoints of k equal intervals of the teaching phase)
REPLAY_SLOT_START = "\n".join([
    f"g_teach_n = {at_slot('teach')}",
    f"g_sample_n = {at_slot('sample')}",
    f"k_sample = k_sample * (1 - {AT_RESET})",
    f"replay = replay + (0.5 - replay) * {AT_RESET}"])


def replay_threshold(own: str) -> str:
    """A source neuron's threshold: its own (``own``) outside teaching slots, the replay
    train's in them."""
    return f"(g_teach_n < 0.5 and ({own})) or (g_teach_n > 0.5 and replay > 1)"


#: refractoriness applies to the neuron's own spikes only (the replay keeps its exact count)
REPLAY_REFRACTORY = "t_refractory * (1 - g_teach_n)"


@dataclass(frozen=True)
class SampleConfig:
    """The sample phase: its length in slots, the rate factor of each source area and the
    floor of the hidden areas' samples.

    rate_x, rate_h1, rate_h2 : the factor by which X's, H1's and H2's rates are scaled while
        they sample (1: the code's own rates; smaller: fewer spikes, a coarser sample).
    floor_h1, floor_h2 : expected spikes that *each* polarity (ON and OFF) of every H1 / H2
        unit adds to its sample, on top of its code's (0: none). They cancel in the decoded
        value on average (it reads ON minus OFF) and add noise to every unit, also to units at
        their centre: a thin sample without a floor leaves most units at their centre and
        gives a few a whole spike (dropout-like noise), one with a floor jitters every unit by
        about one spike either way (module docstring).
    """

    slots: int = 10
    rate_x: float = 1.0
    rate_h1: float = 1.0
    rate_h2: float = 1.0
    floor_h1: float = 0.0
    floor_h2: float = 0.0

    def __post_init__(self):
        check_positive_int("sample slots", self.slots)
        for name in ("rate_x", "rate_h1", "rate_h2"):
            check_positive(f"sample {name}", getattr(self, name))
        for name in ("floor_h1", "floor_h2"):
            check_nonnegative(f"sample {name}", getattr(self, name))

    def rate(self, area: str) -> float:
        """The rate factor of source area ``area`` ("X", "H1" or "H2")."""
        return getattr(self, f"rate_{SOURCE_KIND[area]}")

    def floor_hz(self, area: str, slot_ms: float) -> float:
        """Rate (Hz) that each polarity of ``area``'s units adds in sample slots: its floor
        spread over the sample phase (0 for X: its pixels have one polarity, and a floor
        would not cancel)."""
        floor = 0.0 if area == "X" else getattr(self, f"floor_{SOURCE_KIND[area]}")
        return floor / (self.slots * slot_ms * 1e-3)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def paper_noise(cls) -> SampleConfig:
        """The rate factors whose samples corrupt x, h1 and h2 about as much as the ``paper``
        preset's noise (rms 0.49, 0.39, 0.18 against 0.5, 0.4, 0.18), read off the curve of
        rms against the factor on the 20-epoch rate model's codes
        (``simulations/spiking_denoising.py``, figures/spiking_denoising.json)."""
        return cls(slots=10, rate_x=0.0121, rate_h1=0.0143, rate_h2=0.103)
