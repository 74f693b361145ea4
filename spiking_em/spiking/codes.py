"""Rate codes: how an area's values are carried by the firing rates of its neurons.

A code has a per-unit *centre* c (the value at which the unit's neurons are silent), a per-unit
*gain* (Hz per unit of value) and one or two *polarities*:

- unsigned (ON only, c = 0): one neuron per unit fires at ``gain * max(u, 0)`` (pixels);
- signed (ON/OFF, push-pull): an ON neuron fires at ``gain * max(u - c, 0)`` and an OFF neuron
  at ``gain * max(c - u, 0)``; the value is ``c + (r_on - r_off) / gain``.

Signed codes centred on the model's typical values spend spikes on deviations only (the mean
|h1 - c| of the paper's MNIST model is a third of the mean h1), can carry values below zero
(GENERATE starts from prior samples of h2 far outside the sigmoid's [0, 1]), and leave units
that sit at their centre silent, so that they are decoded exactly. Those include the "dead"
units of h2 whose fitted prior is 0.007 wide: a decoding error of 0.01 on them costs more
log p(x, h) than an error of 0.1 on all the others.

Centres and gains are derived from the model's own values (never hand-tuned). Every gain maps
a quantile of |value - c| to the neurons' maximum rate, so that a fixed small fraction of
values is clipped. h1-type areas (unit-variance Gaussians in log p(x, h): every unit needs the
same precision) share one gain, from |h1 - c| on training data with c the mean of h1 after
INFERENCE. h2-type areas are centred on the prior's mean and each unit's gain comes from its
own prior, |N(0, std_k)|: a spike then moves a unit by a fixed fraction of its prior width
(each neuron's gain matched to the range of its signal, as in adaptive rescaling for efficient
coding, Brenner et al. 2000). A dead unit 0.007 wide gets a thousandfold gain and its stray
spikes stay harmless.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

#: which value each area's rates carry; areas of one kind share one code (their one-to-one
#: pathways then carry deviations from a common centre in common units)
AREA_KIND = {"X": "pixel", "XR": "pixel", "F1X": "h1", "F1XR": "h1", "H1": "h1", "G2H2": "h1",
             "F2H1": "h2", "F2G2": "h2", "H2": "h2"}
KINDS = ("pixel", "h1", "h2")


@dataclass(frozen=True)
class RateCode:
    """Centre and gain (Hz per unit value) of each unit, shape (n_units,), and whether OFF
    neurons carry c - u."""

    centre: np.ndarray
    gain_hz: np.ndarray
    signed: bool

    def __post_init__(self):
        if np.ndim(self.centre) != 1 or np.shape(self.gain_hz) != np.shape(self.centre):
            raise ValueError(f"centre and gain_hz must be 1-d of one shape, got "
                             f"{np.shape(self.centre)} and {np.shape(self.gain_hz)}")
        if not np.all(np.asarray(self.gain_hz) > 0):
            raise ValueError("every gain must be > 0 Hz per unit value")
        if not self.signed and np.any(self.centre != 0):
            raise ValueError("an unsigned (ON-only) code has centre 0")

    @property
    def n_polarities(self) -> int:
        return 2 if self.signed else 1

    @property
    def signs(self) -> np.ndarray:
        """+1 for the ON neurons, -1 for the OFF neurons."""
        return np.array([1.0, -1.0]) if self.signed else np.array([1.0])

    def rates(self, values: np.ndarray, r_max_hz: float) -> np.ndarray:
        """Wanted rates (Hz), shape values.shape + (n_polarities,), clipped to [0, r_max_hz]."""
        deviation = np.asarray(values) - self.centre
        return np.clip((self.gain_hz * deviation)[..., None] * self.signs, 0.0, r_max_hz)

    def decode(self, signed_rate_hz: np.ndarray) -> np.ndarray:
        """Value from the ON-minus-OFF rate (Hz) of each unit."""
        return self.centre + np.asarray(signed_rate_hz) / self.gain_hz

    def as_dict(self) -> dict:
        return {"gain_hz_median": float(np.median(self.gain_hz)),
                "gain_hz_range": [float(np.min(self.gain_hz)), float(np.max(self.gain_hz))],
                "signed": self.signed, "centre_mean": float(np.mean(self.centre)),
                "centre_range": [float(np.min(self.centre)), float(np.max(self.centre))]}


def derive_codes(reference: dict[str, np.ndarray], r_max_hz: float, quantile: float, *,
                 pixel_rate_hz: float = 200.0, signed: bool = True) -> dict[str, RateCode]:
    """One code per kind of value ("pixel", "h1", "h2") from the model's values.

    Parameters
    ----------
    reference : "x" (pixels, (n, n_x)), "h1" and "h2" (INFERENCE on training data,
        (n, n_units)), "prior_mean" and "prior_std" (the fitted p(h2), (n_h2,)).
    r_max_hz : the rate that the ``quantile`` of |value - centre| is mapped to.
    quantile : in (0, 1); lower spends more spikes per unit value and clips more values.
    pixel_rate_hz : rate of a white pixel (pixels are in [0, 1], nothing to clip); it sets the
        Poisson noise of the input and the cost of the two densest pathways.
    signed : False gives every kind the plain code (ON only, centre 0, one gain mapping the
        quantile of the values on data to ``r_max_hz``), for comparison.
    """
    if not 0 < pixel_rate_hz <= r_max_hz:
        raise ValueError(f"need 0 < pixel_rate_hz <= r_max_hz, got {pixel_rate_hz} and {r_max_hz}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    n_x = np.shape(reference["x"])[1]
    codes = {"pixel": RateCode(np.zeros(n_x), np.full(n_x, float(pixel_rate_hz)), False)}
    for kind in ("h1", "h2"):
        values = np.asarray(reference[kind], dtype=np.float64)
        n = values.shape[1]
        if not signed:
            centre = np.zeros(n)
            top = np.full(n, np.quantile(np.abs(values), quantile))
        elif kind == "h1":
            centre = values.mean(axis=0)
            top = np.full(n, np.quantile(np.abs(values - centre), quantile))
        else:
            centre = np.asarray(reference["prior_mean"], dtype=np.float64)
            std = np.asarray(reference["prior_std"], dtype=np.float64)
            top = std * norm.ppf((1 + quantile) / 2)       # the quantile of |N(0, std)|
        if not np.all(top > 0):
            raise ValueError(f"the {quantile} quantile of |{kind} - centre| is not > 0 for every "
                             "unit; a rate code needs values that vary")
        codes[kind] = RateCode(centre, r_max_hz / top, signed)
    return codes
