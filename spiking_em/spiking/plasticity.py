"""Learning inside the area network: Fig. 1's rule dW ∝ S_pre · dV_post/dt as Algorithm 2's M-step.

Four maps learn, each in the area that computes it, towards the value another area holds:

==========  ===============  ===========  ==========================================
map         plastic pathway  target area  nudging pathway (one-to-one, spike-borne)
==========  ===============  ===========  ==========================================
f1          X -> F1X         H1 (h1)      H1 -> F1X
g1          H1 -> XR         X (x)        X -> XR
f2          H1 -> F2H1       H2 (h2)      H2 -> F2H1
g2          H2 -> G2H2       H1 (h1)      H1 -> G2H2
==========  ===============  ===========  ==========================================

Each digit's M-step is a *sample* phase and a *teaching* phase (:mod:`replay`), after
INFERENCE has settled h1, h2 and froze them. In the sample phase the source areas fire at their
values' rates scaled by ``rho``; each learning area adds every spike of its plastic pathway to
a box count ``zs`` and every spike of its nudging pathway to ``zt``, so that after the phase
``zs = W d~`` and ``zt = T~ - c``, where d~ = k / (rho gain T_sample) is the deviation that
the sampled counts k decode to: the *corrupted input* x~ = c + d~ of the map, and its target
T~. In the teaching phase the nudge n of every learning unit integrates the gap between the
target and its value, ``tau_teach dn/dt = T~ - u`` with ``u = act(zs + b + n)``; the
dendritic voltage ``V_dend = zs + b + m`` (m: the nudge as it shows in the voltage,
``tau_v dm/dt = n - m``) moves from the prediction towards the target; every source neuron
*replays* its k sample spikes, spread regularly over the phase; and at every presynaptic spike
the synapse changes by ``w += eta * dV_dend/dt``, eta carrying the factor T_teach / (rho
T_sample) (:func:`replay_factor`) that makes k replayed spikes count as a train at the
sample's decoded rate gain d~ = k / (rho T_sample) for the whole phase. Biases learn by the
same rule from a constant source. The sample and replay spikes are the sources' ``learn``
events (:mod:`replay`): the plastic synapses count and learn at those alone and only
transmit (``z += w``) at the INFERENCE spikes, which cost no more than a plain synapse's.

Why the expected change is the denoising gradient. A synapse from a neuron that replays its k_i
sample spikes over the teaching phase accumulates ``eta' Σ_spikes dV_j/dt``. Neither V_dend
nor the nudge depends on the replayed spikes' times (the prediction zs and the target zt are
held, and u reads zs, not the live trace), so the sum is k_i times the mean slope
ΔV_j / T_teach (the spikes sit at the midpoints of k_i equal intervals), and with
eta' = eta T_teach / (rho T_sample) it is eta gain d~_i ΔV_j; in matrix units (below)
ΔW_ij = eta d~_i ΔV_j. For a phase short against tau_teach, ΔV_j ∝ T~_j - act(b_j + Σ_i W_ij
d~_i): the gradient of the map's matching loss (cross-entropy for the sigmoid maps g1, f2,
its softplus analogue for f1, g2) at the *same* corrupted sample d~ in the prediction and in
the presynaptic factor. Its expectation over the spikes' noise is therefore
E[d~ ⊗ (T - act(b + W d~))], the gradient of the expected reconstruction loss of a denoising
auto-encoder whose corruption is the spike sample (Vincent et al. 2008; Bengio et al. 2013),
not the plain auto-encoder's gradient at the mean input, d ⊗ (T - act(b + W d)), which an
independent sample in the presynaptic factor would give (the regularising covariance term
-Cov(d~, act(b + W d~)) drops out). The targets' own sampling noise is independent of the
input's and enters linearly: it adds variance, no bias. Holding the prediction also keeps out
the drift a live copy gave: each presynaptic neuron's own earlier spikes raising V and its
later spikes reading V's decay (measured: cosine with -W up to 0.6 when V followed the live
trace).

The bias source is one regular neuron at ``bias_rate_hz``.

Coordinates: the network carries a signed source's values as deviations d = h - c from the
code's centre (ON and OFF neurons), with the centre's input folded into the bias, b' = b + c W.
Each polarity's synapse learns on its own during a run; :func:`read_back` ties them into one
W (the sum of their changes, in matrix units) and converts b' back to the model's bias. Per
synapse learning rates ``eta / (gain_pre^2 tau_syn)`` make every map's update
``ΔW = eta_w d ⊗ ΔV`` whatever the source's gain.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import brian2 as b2
import numpy as np

from spiking_em.model.layers import Params
from spiking_em.spiking.replay import LEARN_EVENT
from spiking_em.validation import check_nonnegative, check_positive


@dataclass(frozen=True)
class LearningMap:
    """One map that learns: its plastic pathway from ``source`` into ``area``, and the
    one-to-one ``nudge`` pathway that brings the value of ``target`` to ``area``."""

    pathway: str
    source: str
    area: str
    target: str
    nudge: str


LEARNING_MAPS = {
    "f1": LearningMap("x_f1x", "X", "F1X", "H1", "h1_f1x_teach"),
    "g1": LearningMap("h1_xr", "H1", "XR", "X", "x_xr_teach"),
    "f2": LearningMap("h1_f2h1", "H1", "F2H1", "H2", "h2_f2h1_teach"),
    "g2": LearningMap("h2_g2h2", "H2", "G2H2", "H1", "h1_g2h2_teach"),
}
#: extra one-to-one pathways of a learning network: (name, source, target, box count, None)
NUDGING_PATHWAYS = tuple((m.nudge, m.target, m.area, "zt", None)
                         for m in LEARNING_MAPS.values())
LEARNING_AREAS = tuple(m.area for m in LEARNING_MAPS.values())
PLASTIC_PATHWAYS = {m.pathway: m for m in LEARNING_MAPS.values()}

#: the plastic synapses: transmit at the source's INFERENCE spikes; at its sample and replay
#: spikes (learn events, :mod:`replay`) add the sample to the box count and learn from the
#: dendritic voltage's rate of change
PLASTIC_MODEL = """
w : 1                       # share of one spike in the target trace (sign W / (gain tau_syn))
eta : second (constant)     # learning rate of this synapse
"""
PLASTIC_TRANSMIT = "z_post += w"
PLASTIC_LEARN = """
zs_post += w * g_sample_post * box_post
w += eta * g_teach_post * dV_dend_dt_post
"""
#: one pathway doing all three at every spike (the design before the learn event; the speed
#: benchmark's baseline, :attr:`TeachingConfig.learn_event` False)
PLASTIC_ON_PRE = PLASTIC_TRANSMIT + PLASTIC_LEARN
#: the nudging synapses: add the target area's sample to the target's box count
NUDGE_MODEL = "w : 1   # share of one spike in the target trace (sign / (gain tau_syn))"
NUDGE_ON_PRE = "zt_post += w * g_sample_post * box_t_post"


def plastic_synapses(source, area_group, name: str, namespace: dict, *,
                     learn_event: bool) -> b2.Synapses:
    """A plastic pathway: with ``learn_event``, two Brian2 pathways on the source's ``spike``
    and ``learn`` events (transmit / count and learn); else one doing all at every spike."""
    if not learn_event:
        return b2.Synapses(source, area_group, PLASTIC_MODEL, on_pre=PLASTIC_ON_PRE,
                           namespace=namespace, name=name)
    return b2.Synapses(source, area_group, PLASTIC_MODEL,
                       on_pre={"pre": PLASTIC_TRANSMIT, "learn": PLASTIC_LEARN},
                       on_event={"pre": "spike", "learn": LEARN_EVENT},
                       namespace=namespace, name=name)
#: the bias source's synapses: no transmission, the same rule on the postsynaptic bias
BIAS_MODEL = "eta_b : second (constant)   # learning rate of the bias"
BIAS_ON_PRE = "b_post += eta_b * g_teach_post * dV_dend_dt_post"
#: one neuron firing regularly at bias_rate
BIAS_SOURCE_EQS = """
dphase/dt = bias_rate : 1   # regular firing at bias_rate
"""


@dataclass(frozen=True)
class TeachingConfig:
    """Time constants of the teaching dynamics (ms) and the bias source's rate (Hz).

    tau_teach_ms : integration time of the nudge; a teaching phase much shorter than it keeps
        ΔV proportional to T - u (the matching loss's gradient).
    tau_v_ms : how fast the nudge shows in the dendritic voltage V_dend.
    bias_rate_hz : rate of the constant source that teaches the biases.
    learn_event : the sources' sample and replay spikes are their own Brian2 event, on which
        alone the plastic synapses learn (and at whose spikes alone they do not transmit);
        False compiles the earlier design, one synaptic pathway that transmits, counts and
        learns at every spike (same numbers, dearer events: the speed benchmark's baseline).
    pixel_off : X gets OFF neurons beside its ON neurons (one per pixel, synapses carrying
        -W), which fire only the sample's pixel baseline (``SampleConfig.baseline_x``, see
        :mod:`spiking_em.spiking.replay`): noise on every pixel, black ones included. They
        add n_x neurons and n_x n_h1 synapses, and fire nothing when the baseline is 0.
    """

    tau_teach_ms: float = 400.0
    tau_v_ms: float = 10.0
    bias_rate_hz: float = 100.0
    learn_event: bool = True
    pixel_off: bool = False

    def __post_init__(self):
        for name in ("tau_teach_ms", "tau_v_ms", "bias_rate_hz"):
            check_positive(name, getattr(self, name))

    def namespace(self) -> dict:
        return {"tau_teach": self.tau_teach_ms * b2.ms, "tau_v": self.tau_v_ms * b2.ms,
                "bias_rate": self.bias_rate_hz * b2.Hz}

    def as_dict(self) -> dict:
        return asdict(self)


def bias_source(namespace: dict) -> b2.NeuronGroup:
    """One neuron firing regularly at ``bias_rate`` (its spikes teach the biases)."""
    return b2.NeuronGroup(1, BIAS_SOURCE_EQS, threshold="phase > 1", reset="phase -= 1",
                          method="euler", namespace=namespace, name="bias_source")


def nudging_synapses(source, area_group, name: str, namespace: dict, *,
                     learn_event: bool) -> b2.Synapses:
    """A one-to-one pathway that adds the target area's sample to a learning area's ``zt``
    (at the target area's learn events only, with ``learn_event``)."""
    return b2.Synapses(source, area_group, NUDGE_MODEL, on_pre=NUDGE_ON_PRE,
                       on_event=LEARN_EVENT if learn_event else "spike",
                       namespace=namespace, name=name)


def replay_factor(sample, source: str, teach_slots: int) -> float:
    """T_teach / (rho T_sample) of a source area: a synapse that sees a sample's k spikes
    replayed over the teaching phase, with its learning rate times this factor, learns as from
    a train at the sample's decoded rate k / (rho T_sample) for the whole phase."""
    return teach_slots / (sample.rate(source) * sample.slots)


def box_weights(sample, slot_ms: float, tau_syn_ms: float) -> dict:
    """Per learning area: (box, box_t), the share of one source / target spike in its box
    count, tau_syn / (rho T_sample), so that a count of k spikes adds k w tau_syn / (rho
    T_sample) = W d~ (the synapse's w is sign W / (gain tau_syn))."""
    sample_s = sample.slots * slot_ms * 1e-3
    tau_syn_s = tau_syn_ms * 1e-3
    return {m.area: (tau_syn_s / (sample.rate(m.source) * sample_s),
                     tau_syn_s / (sample.rate(m.target) * sample_s))
            for m in LEARNING_MAPS.values()}


def bias_synapses(source, area_group, area: str, namespace: dict) -> b2.Synapses:
    syn = b2.Synapses(source, area_group, BIAS_MODEL, on_pre=BIAS_ON_PRE, namespace=namespace,
                      name=f"bias_{area}")
    syn.connect()
    return syn


def learning_rates(eta: float, gain_hz: np.ndarray, tau_syn_s: float) -> np.ndarray:
    """Per-synapse rates (s) so that a map's update is eta * d ⊗ ΔV whatever the source gain:
    ``eta / (gain_pre^2 tau_syn)`` for each synapse's presynaptic unit's gain (Hz)."""
    check_nonnegative("eta", eta)
    return eta / (np.asarray(gain_hz, dtype=np.float64) ** 2 * tau_syn_s)


def read_back(net, params: Params, codes: dict) -> Params:
    """The model's parameters after a run of a learning network, from its synapses and biases.

    Each plastic pathway's synapses hold sign W / (gain tau_syn) plus what they learned; the
    change of every synapse, in matrix units (gain tau_syn sign), is summed over the source's
    polarities (one W per unit pair). The learned bias b' = b + c W of the centred code gives
    the model's bias b = b' - c W_new.
    """
    from spiking_em.spiking.codes import AREA_KIND

    new = params.astype(np.float64)
    scale = net.unit_model.weight_scale(net.config)
    for name, m in LEARNING_MAPS.items():
        path, area, code = m.pathway, m.area, codes[AREA_KIND[m.source]]
        unit, sign = net.pathway_sources(path)
        old = getattr(new, f"w_{name}")
        w = np.asarray(net.synapses[path].w[:], dtype=np.float64)
        # synapses run over (source neuron = polarity * n_units + unit, target) in C order
        as_matrix = (w * code.gain_hz[unit] * scale * sign).reshape(-1, *old.shape)
        w_new = old + (as_matrix - old).sum(axis=0)
        b_centred = np.asarray(net.groups[area].b[:], dtype=np.float64)
        setattr(new, f"w_{name}", w_new)
        setattr(new, f"b_{name}", b_centred - code.centre @ w_new)
    return new.astype(params.w_f1.dtype)
