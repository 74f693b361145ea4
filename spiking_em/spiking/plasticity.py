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

In a *teaching* slot (after INFERENCE has settled h1, h2 and froze them) the nudge n of every
learning unit integrates the gap between its target T (read from the nudging pathway's spikes)
and its value u = act(z + b + n): ``tau_teach dn/dt = T - u``. The unit's voltage
``V = zs + b + m`` (zs: a copy of the synaptic input z that is held while teaching; m: the
nudge as it shows in the voltage, ``tau_v dm/dt = n - m``) moves from its prediction towards
the target, and at every presynaptic spike the synapse changes by ``w += eta * dV/dt``
(plasticity on only in teaching slots; the bias's own learned change is left out of dV/dt). Over a teaching phase a synapse from a neuron firing at rate r therefore
accumulates ``eta * r * ΔV``: the delta rule in the network's own coordinates, with
ΔV ≈ (T - u) t_teach / tau_teach for a short phase, i.e. SGD on the *matching loss* of each
map's nonlinearity (cross-entropy for the sigmoid maps g1 and f2, its softplus analogue for f1
and g2), whose gradient with respect to the pre-activation is u - T. Holding the input inside
V matters: with a live copy, each presynaptic neuron's own earlier spikes raise V and its
later spikes read V's decay, a drift of every weight towards zero that swamped the gradient
of the maps fed by the regular LIF spikes of H1 (measured: cosine with -W up to 0.6); and a
V that still relaxes towards its input when teaching starts adds its catch-up to every weight
of a saturated unit, whose gradient is nil.

Biases learn by the same rule from a constant source (one regular neuron at ``bias_rate_hz``).

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
#: extra one-to-one pathways of a learning network: (name, source, target, trace, None)
NUDGING_PATHWAYS = tuple((m.nudge, m.target, m.area, "z_teach", None)
                         for m in LEARNING_MAPS.values())
LEARNING_AREAS = tuple(m.area for m in LEARNING_MAPS.values())
PLASTIC_PATHWAYS = {m.pathway: m for m in LEARNING_MAPS.values()}

#: the plastic synapses: transmit, then learn from the postsynaptic voltage's rate of change
PLASTIC_MODEL = """
w : 1                       # share of one spike in the target trace (sign W / (gain tau_syn))
eta : second (constant)     # learning rate of this synapse
"""
PLASTIC_ON_PRE = """
z_post += w
w += eta * g_teach_post * dVdt_post
"""
#: the bias source's synapses: no transmission, the same rule on the postsynaptic bias
BIAS_MODEL = "eta_b : second (constant)   # learning rate of the bias"
BIAS_ON_PRE = "b_post += eta_b * g_teach_post * dVdt_post"
#: one neuron firing regularly at bias_rate
BIAS_SOURCE_EQS = """
dphase/dt = bias_rate : 1   # regular firing at bias_rate
"""


@dataclass(frozen=True)
class TeachingConfig:
    """Time constants of the teaching dynamics (ms) and the bias source's rate (Hz).

    tau_teach_ms : integration time of the nudge; a teaching phase much shorter than it keeps
        ΔV proportional to T - u (the matching loss's gradient).
    tau_v_ms : how fast the nudge shows in the voltage V.
    tau_z_ms : the copy of the synaptic input inside V follows z with this time constant
        and is held during teaching: V then moves by the nudge alone, and neither the
        presynaptic spikes' own effect on V (a drift of every weight towards zero) nor the
        input's spike noise enters the weights through dV/dt.
    bias_rate_hz : rate of the constant source that teaches the biases.
    """

    tau_teach_ms: float = 400.0
    tau_v_ms: float = 10.0
    tau_z_ms: float = 20.0
    bias_rate_hz: float = 100.0

    def __post_init__(self):
        for name in ("tau_teach_ms", "tau_v_ms", "tau_z_ms", "bias_rate_hz"):
            check_positive(name, getattr(self, name))

    def namespace(self) -> dict:
        return {"tau_teach": self.tau_teach_ms * b2.ms, "tau_v": self.tau_v_ms * b2.ms,
                "tau_z": self.tau_z_ms * b2.ms,
                "bias_rate": self.bias_rate_hz * b2.Hz}

    def as_dict(self) -> dict:
        return asdict(self)


def bias_source(namespace: dict) -> b2.NeuronGroup:
    """One neuron firing regularly at ``bias_rate`` (its spikes teach the biases)."""
    return b2.NeuronGroup(1, BIAS_SOURCE_EQS, threshold="phase > 1", reset="phase -= 1",
                          method="euler", namespace=namespace, name="bias_source")


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
        unit, sign = net._unit[path], net._sign[path]
        old = getattr(new, f"w_{name}")
        w = np.asarray(net.synapses[path].w[:], dtype=np.float64)
        # synapses run over (source neuron = polarity * n_units + unit, target) in C order
        as_matrix = (w * code.gain_hz[unit] * scale * sign).reshape(-1, *old.shape)
        w_new = old + (as_matrix - old).sum(axis=0)
        b_centred = np.asarray(net.groups[area].b[:], dtype=np.float64)
        setattr(new, f"w_{name}", w_new)
        setattr(new, f"b_{name}", b_centred - code.centre @ w_new)
    return new.astype(getattr(params, "w_f1").dtype)
