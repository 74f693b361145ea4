"""Brian2 equations of the area network, as named parts.

Each area is a *dendrite* group (one compartment per unit) and a *neuron* group. The dendrite
equations below are assembled per kind of area (:data:`AREA_EQUATIONS`); the neuron equations
of the two unit models (LIF and rate) live in :mod:`spiking_em.spiking.units`.

Every dendrite trace ``z*`` filters synaptic input with time constant ``tau_syn``; the LIF
synapses jump the trace itself, the rate synapses write the input variable beside it
(:data:`TRACE_INPUT`). Slot-start code (run at the start of every slot of ``slot`` seconds)
reads the slot's gates from TimedArrays and resets the state at presentation starts.
"""
from __future__ import annotations

from dataclasses import dataclass

from spiking_em.spiking.transfer import DRIVE_EXPRESSION

ENCODER_INPUT = """
dz/dt = (zin - z) / tau_syn : 1   # filtered synaptic input (pre-activation without the bias)
zin : 1                           # rate variant: sum of w * r_pre (spiking: stays 0)
"""
BIAS_FIXED = """
b : 1 (constant)                  # bias of the map, plus the constant input of a centred source
"""
BIAS_LEARNED = """
b : 1                             # bias, plus the centre's input; learned (plasticity.BIAS_ON_PRE)
"""
#: a learning area's teaching signal and voltage (Sec. 2 and Fig. 1: dW ∝ S_pre dV/dt); the
#: input and the target are box counts of the sample phase's spikes (see :mod:`replay`)
TEACHING_EQS = """
zs : 1                                                # input W d~ from the source's sample (box count)
zt : 1                                                # target - centre, from the target's sample
box : 1 (shared, constant)                            # a source spike's share of its box count
box_t : 1 (shared, constant)                          # a target spike's share of its box count
dn/dt = g_teach * (centre + zt - u_held) / tau_teach : 1   # nudge towards the target value
dm/dt = (n - m) / tau_v : 1                           # the nudge as the dendritic voltage shows it
V_dend = zs + b + m : 1                               # dendritic voltage: prediction + nudge
dV_dend_dt = (n - m) / tau_v : Hz                     # its rate of change (read at spikes)
g_teach : 1 (shared)                                  # 1 in teaching slots: plasticity on
g_sample : 1 (shared)                                 # 1 in sample slots: the box counts fill
"""
#: a source area of a learning network (X, H1, H2): its rates are scaled by ``rho`` in sample
#: slots, the knob of the spikes' corruption
SAMPLING_EQS = """
rho : 1 (shared, constant)                            # rate factor of the sample phase
g_sample : 1 (shared)                                 # 1 in sample slots
quiet : 1 (shared, constant)                          # 1: silent in idle slots
g_idle : 1 (shared)                                   # 1 in slots no presentation fills
"""
#: a source area's rate factor: rho in sample slots, 0 in idle slots when ``quiet``, else 1
RATE_FACTOR = "(1 + (rho - 1) * g_sample) * (1 - quiet * g_idle)"
#: any other coded area of a learning network: with ``quiet`` = 1 it is silent in sample and
#: teaching slots, where no one reads its spikes (h is frozen, x clamped and the learning
#: areas' predictions and targets are box counts of the sources' spikes), and in idle slots
QUIET_EQS = """
quiet : 1 (shared, constant)                          # 1: silent in sample, teaching, idle slots
g_idle : 1 (shared)                                   # 1 in slots no presentation fills
"""
QUIET_GATE_EQS = """
g_teach : 1 (shared)                                  # 1 in teaching slots
g_sample : 1 (shared)                                 # 1 in sample slots
"""
#: a quiet area's rate factor: 0 in sample, teaching and idle slots when ``quiet``, else 1
QUIET_FACTOR = "(1 - quiet * (g_sample + g_teach + g_idle))"
VALUE_TEMPLATE = {
    "softplus": "{name} = ({pre}) * int({pre} > 0) + log(1 + exp(-abs({pre}))) : 1   # softplus",
    "sigmoid": "{name} = 1 / (1 + exp(-({pre}))) : 1   # sigmoid",
}


def encoder_eqs(activation: str, *, learning: bool = False) -> str:
    """A map's area: filtered input, bias and value ``act(z + b)``; with ``learning`` the bias is
    learned, a teaching nudge n enters the value, ``act(z + b + n)``, and the nudge compares
    the target with the value of the sampled input, ``u_held = act(zs + b + n)``."""
    pre = "z + b + n" if learning else "z + b"
    parts = [ENCODER_INPUT, BIAS_LEARNED if learning else BIAS_FIXED,
             VALUE_TEMPLATE[activation].format(name="u", pre=pre) + "\n"]
    if learning:
        parts += [VALUE_TEMPLATE[activation].format(name="u_held", pre="zs + b + n") + "\n",
                  TEACHING_EQS]
    return "".join(parts)


HIDDEN1_EQS = """
dh/dt = relax / tau_ff + g_infer * (delta * (z_up - z_down) + alpha * (centre + z_top - h)) / tau_it : 1  # h1
relax = g_ff * (centre + z_up - h) + g_anc * (centre + z_top - h) : 1   # ff / ancestral relaxation
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f1(x) - centre, from F1X
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f1(g1(h1)) - centre, from F1XR
dz_top/dt = (zin_top - z_top) / tau_syn : 1     # g2(h2) - centre, from G2H2
zin_up : 1
zin_down : 1
zin_top : 1
u = h : 1                                       # the value carried by the rates
delta : 1 (shared, constant)                    # INFERENCE step size
g_ff : 1 (shared)                               # 1 in feed-forward slots (set at slot starts)
g_anc : 1 (shared)                              # 1 in ancestral slots
g_infer : 1 (shared)                            # 1 in INFERENCE slots
alpha : 1 (shared)                              # top-down step size of the slot
"""
HIDDEN2_EQS = """
dh/dt = relax / tau_ff + g_infer * delta * (z_up - z_down) / tau_it : 1   # state h2
relax = g_ff * (centre + z_up - h) + g_anc * (h_init - h) : 1            # ff / ancestral relaxation
dz_up/dt = (zin_up - z_up) / tau_syn : 1        # f2(h1) - centre, from F2H1
dz_down/dt = (zin_down - z_down) / tau_syn : 1  # f2(g2(h2)) - centre, from F2G2
zin_up : 1
zin_down : 1
u = h : 1
h_init : 1                                      # prior sample of h2 (ancestral slots)
delta : 1 (shared, constant)
g_ff : 1 (shared)
g_anc : 1 (shared)
g_infer : 1 (shared)
"""
VISIBLE_EQS = """
x_val = c * int(c >= 0) + int(c < 0) * (g_free * x_hold + (1 - g_free) * z_fb) : 1   # pixel value driving the area
dz_fb/dt = (zin_fb - z_fb) / tau_syn : 1              # reconstruction g1(h1), from XR
zin_fb : 1
dx_hold/dt = g_hold * (z_fb - x_hold) / tau_hold : 1   # held copy of g1(h1) (GENERATE)
u = clip(x_val, 0, 1) : 1                             # the value carried by the rate
gain : Hz (constant)                                  # firing rate per unit of value
r : Hz                                                # the pixel's rate, gain * u (every step)
c : 1                                                 # clamped pixel value, or < 0 if unclamped
g_free : 1 (shared)                                   # 1: unclamped pixels use the held copy
g_hold : 1 (shared)                                   # 1 in hold slots
"""
#: the code's parameters and the drive currents, in every coded dendrite group
CODE_EQS = """
centre : 1 (constant)           # value at which the unit's neurons are silent
gain : Hz (constant)            # firing rate per unit of value
I_on : 1                        # current of the ON neurons (threshold units)
"""
CODE_OFF_EQS = """
I_off : 1                       # current of the OFF neurons
"""
#: the input variable that a rate synapse writes beside each trace
TRACE_INPUT = {"z": "zin", "z_up": "zin_up", "z_down": "zin_down", "z_top": "zin_top",
               "z_fb": "zin_fb"}


def drive_code(kind: str, *, sampling: bool = False, quiet: bool = False) -> str:
    """The drive of an area's neurons: ``"pixel"`` (the Poisson neurons' rate), ``"on"`` (the
    current of an unsigned code's neurons) or ``"signed"`` (the current of the active
    polarity; the other gets none: one exponential per unit and step); with ``sampling`` the
    rates are scaled by :data:`RATE_FACTOR`, with ``quiet`` by :data:`QUIET_FACTOR`."""
    factor = f" * {RATE_FACTOR}" if sampling else f" * {QUIET_FACTOR}" if quiet else ""
    if kind == "pixel":
        return f"r = gain * u{factor}"
    if kind == "on":
        return "I_on = " + DRIVE_EXPRESSION.format(rate=f"gain{factor} * (u - centre)")
    rate = f"gain{factor} * abs(u - centre)"
    return "\n".join(["I_on = " + DRIVE_EXPRESSION.format(rate=rate),
                      "I_off = I_on * int(u < centre)",
                      "I_on = I_on * int(u >= centre)"])


#: a time inside the slot that starts now, at which the slot's TimedArray values are read
SLOT_TIME = "t + 0.25 * slot"


def at_slot(array: str, *, per_unit: bool = False) -> str:
    """Brian2 expression: TimedArray ``<array>_ta`` at the current slot (per unit: ``i``)."""
    return f"{array}_ta({SLOT_TIME}, i)" if per_unit else f"{array}_ta({SLOT_TIME})"


#: 1 at presentation starts, else 0
AT_RESET = at_slot("reset")


def slot_start_code(*, gates: tuple[str, ...] = (), traces: tuple[str, ...] = (),
                    state: str | None = None, per_unit: tuple[tuple[str, str], ...] = ()) -> str:
    """Code run at every slot start.

    gates : shared variables ``g_<name>`` (or ``alpha``) read from ``<name>_ta``; Brian2 wants
        the shared variables written before the per-unit ones.
    traces : set to 0 at presentation starts.
    state : set to the code's centre at presentation starts.
    per_unit : (variable, TimedArray) pairs read per unit.
    """
    lines = [f"{'alpha' if g == 'alpha' else 'g_' + g} = {at_slot(g)}" for g in gates]
    if state is not None:
        lines.append(f"{state} = {state} + (centre - {state}) * {AT_RESET}")
    lines += [f"{v} = {v} * (1 - {AT_RESET})" for v in traces]
    lines += [f"{v} = {at_slot(arr, per_unit=True)}" for v, arr in per_unit]
    return "\n".join(lines)


@dataclass(frozen=True)
class AreaEquations:
    """The dendrite equations of one kind of area and what it runs at slot starts.

    coded : whether the area's neurons carry its value by a rate code (ON/OFF currents);
        the visible area instead drives Poisson neurons at ``gain * u``.
    """

    body: str
    slot_start: str
    coded: bool = True


#: per kind of area: its dendrite equations and what its slot starts do
_SLOT_START = {
    "softplus": dict(traces=("z",)),
    "sigmoid": dict(traces=("z",)),
    "hidden1": dict(gates=("ff", "anc", "infer", "alpha"), state="h",
                    traces=("z_up", "z_down", "z_top")),
    "hidden2": dict(gates=("ff", "anc", "infer"), state="h", traces=("z_up", "z_down"),
                    per_unit=(("h_init", "h2_init"),)),
    "visible": dict(gates=("free", "hold"), traces=("z_fb", "x_hold"),
                    per_unit=(("c", "clamp"),)),
}
_BODY = {"softplus": encoder_eqs("softplus"), "sigmoid": encoder_eqs("sigmoid"),
         "hidden1": HIDDEN1_EQS, "hidden2": HIDDEN2_EQS, "visible": VISIBLE_EQS}

AREA_EQUATIONS = {kind: AreaEquations(_BODY[kind], slot_start_code(**_SLOT_START[kind]),
                                      coded=kind != "visible") for kind in _BODY}


def sampling_area_equations(kind: str) -> AreaEquations:
    """A source area of a learning network (visible, hidden1, hidden2): as in
    :data:`AREA_EQUATIONS`, plus the sample gate and the sample phase's rate factor ``rho``."""
    start = dict(_SLOT_START[kind])
    start["gates"] = tuple(start.get("gates", ())) + ("sample", "idle")
    return AreaEquations(_BODY[kind] + SAMPLING_EQS, slot_start_code(**start),
                         coded=kind != "visible")


def learning_area_equations(activation: str) -> AreaEquations:
    """A map's area while it learns: its slot starts also read the teaching and sample gates
    and, at presentation starts, clear the box counts and the nudge; it can be quiet
    (:data:`QUIET_EQS`)."""
    return AreaEquations(encoder_eqs(activation, learning=True) + QUIET_EQS,
                         slot_start_code(gates=("teach", "sample", "idle"),
                                         traces=("z", "zs", "zt", "n")))


def quiet_area_equations(kind: str) -> AreaEquations:
    """An area of a learning network that neither learns nor samples (F1XR, F2G2): as in
    :data:`AREA_EQUATIONS`, plus the sample and teaching gates that can quiet it."""
    start = dict(_SLOT_START[kind])
    start["gates"] = tuple(start.get("gates", ())) + ("teach", "sample", "idle")
    return AreaEquations(_BODY[kind] + QUIET_GATE_EQS + QUIET_EQS, slot_start_code(**start))
