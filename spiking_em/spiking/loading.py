"""Loading a model into a compiled area network: the ``run_args`` that set its weights, biases,
rate codes and, for a learning network, its learning rates and sample phase.

Units. A pathway's synapse from a neuron of source unit i and polarity s to unit j carries
``s W_ij / (gain_i scale)`` per spike (the unit model's ``weight_scale``: tau_syn for spiking
synapses, 1 for rate units), so that a train at the code's rate gain_i d_i adds W_ij d_i to the
target's input; the code's centre c enters as the constant c W, folded into the target's bias
(b' = b + c W). Learning rates are per synapse, ``eta / (gain_i^2 tau_syn)`` times the replay
factor (:mod:`spiking_em.spiking.plasticity`), so every map learns ΔW = eta d ⊗ ΔV.
"""
from __future__ import annotations

import brian2 as b2
import numpy as np

from spiking_em.model.layers import Params
from spiking_em.spiking import plasticity
from spiking_em.spiking.codes import AREA_KIND, RateCode
from spiking_em.spiking.equations import AREA_EQUATIONS
from spiking_em.spiking.replay import SOURCE_AREAS, SampleConfig
from spiking_em.spiking.wiring import AREAS


def model_args(net, params: Params, codes: dict[str, RateCode], *, delta: float,
               eta: float = 0.0, sample: SampleConfig | None = None,
               teach_slots: int = 10, quiet: bool = True) -> dict:
    """The ``run_args`` that load a model's weights, biases and codes into the binary.

    ``eta``: learning rate of a learning network (ΔW = eta d ⊗ ΔV per teaching phase, see
    :mod:`spiking_em.spiking.plasticity`); 0 freezes the weights. ``sample``,
    ``teach_slots``: a learning network's sample phase and teaching-phase length (they
    must match the schedule's phases; default :class:`SampleConfig` and 10 slots).
    ``quiet``: a learning network's areas other than the sources fire nothing in sample and
    teaching slots (no one reads them there), and no area fires in the idle slots after a
    run's last presentation; False lets them fire on (the speed benchmark's baseline).
    """
    if params.sizes != net.sizes:
        raise ValueError(f"weights are for sizes {params.sizes}, but this network was built "
                         f"for {net.sizes}; build a network of the model's shape")
    for area, _, _ in AREAS:
        code = codes[AREA_KIND[area]]
        if code.centre.shape != (net.units(area),):
            raise ValueError(f"the {AREA_KIND[area]} code has {code.centre.shape[0]} "
                             f"centres, area {area} has {net.units(area)} units; derive "
                             "the codes from this model")
    scale = net.unit_model.weight_scale(net.config)
    args = {}
    biases = {area: np.asarray(getattr(params, bias), dtype=np.float64).copy()
              for area, _, bias in AREAS if bias is not None}
    for name, src, dst, _, weight in net.pathways:
        code = codes[AREA_KIND[src]]
        unit, sign = net.pathway_sources(name)     # source unit and sign of every synapse
        per_spike = sign / (code.gain_hz[unit] * scale)
        if weight is None:
            w = per_spike
        else:
            matrix = np.asarray(getattr(params, weight), dtype=np.float64)
            w = per_spike * matrix[unit, net.pathway_targets(name)]
            biases[dst] += code.centre @ matrix     # the centre's constant input
        args[net.synapses[name].w] = w * net.unit_model.weight_unit
    for area, kind, bias in AREAS:
        group = net.groups[area]
        code = codes[AREA_KIND[area]]
        if bias is not None:
            args[group.b] = biases[area]
        if AREA_EQUATIONS[kind].coded:
            args[group.centre] = np.asarray(code.centre, dtype=np.float64)
        args[group.gain] = np.asarray(code.gain_hz, dtype=np.float64) * b2.Hz
    for area in ("H1", "H2"):
        args[net.groups[area].delta] = float(delta)
    if net.learning is not None:
        sample = SampleConfig() if sample is None else sample
        tau_syn_s = net.config.tau_syn_ms * 1e-3
        for path, m in plasticity.PLASTIC_PATHWAYS.items():
            gain = codes[AREA_KIND[m.source]].gain_hz[net.pathway_sources(path)[0]]
            replayed = plasticity.replay_factor(sample, m.source, teach_slots)
            args[net.synapses[path].eta] = plasticity.learning_rates(
                eta * replayed, gain, tau_syn_s) * b2.second
        for area in plasticity.LEARNING_AREAS:
            n = net.units(area)
            args[net.synapses[f"bias_{area}"].eta_b] = np.full(
                n, eta / net.learning.bias_rate_hz) * b2.second
        args.update(sample_args(net, sample, teach_slots))
        args.update(baseline_args(net, sample, codes["pixel"]))
        for area, _, _ in AREAS:   # every area: the sources are quiet in idle slots
            args[net.groups[area].quiet] = float(quiet)
    return args


def baseline_args(net, sample: SampleConfig, pixel_code: RateCode) -> dict:
    """The pixels' baseline rate in sample slots, rho_x gain b, for X's ON and OFF neurons
    (none for a network without OFF pixel neurons, which refuses a baseline)."""
    if net.polarities("X") == 1:
        if sample.baseline_x > 0:
            raise ValueError(f"a pixel baseline ({sample.baseline_x:g}) needs X's OFF neurons; "
                             "build the network with TeachingConfig(pixel_off=True)")
        return {}
    unit, _ = net.neuron_layout("X")
    rate = sample.rate("X") * np.asarray(pixel_code.gain_hz, dtype=np.float64)[unit]
    return {net.neurons["X"].r_base: rate * sample.baseline_x * b2.Hz}


def sample_args(net, sample: SampleConfig, teach_slots: int) -> dict:
    """Rate factors, teaching-phase length and box-count weights of the sample phase."""
    c = net.config
    args = {}
    for area in SOURCE_AREAS:
        args[net.groups[area].rho] = sample.rate(area)
        args[net.neurons[area].floor_p] = sample.floor_probability(area)
        args[net.neurons[area].teach_s] = teach_slots * c.slot_ms * b2.ms
    for area, (box, box_t) in plasticity.box_weights(sample, c.slot_ms,
                                                     c.tau_syn_ms).items():
        args[net.groups[area].box] = box
        args[net.groups[area].box_t] = box_t
    return args
