"""A spike corruption between the weak sample and the paper-sized one, for the long run's
learner.

The weak sample (rate factor 1: rms x 0.05, h1 0.02, h2 0.02) makes a near-identity
auto-encoder whose GENERATE decays after 10,000 digits; the paper-sized sample with the floor
(rms 0.49, 0.40, 0.19) makes blurred, few-shaped samples 50-100 nats below numpy's. This
module builds the learner in between: every area's sample corrupted by a ``fraction`` of the
``paper`` preset's rms (the rate factors read off the measured curve of rms against rate
factor with the floor, ``floor.curve`` in figures/spiking_denoising.json, by log-log
interpolation), the floor of half a spike, and the pixels' baseline carried by X's OFF
neurons (:mod:`spiking_em.experiments.pixel_baseline`), so that the only change from the
pixel-baseline learner is the size of the corruption.

The other learners' rows at the same counts come from their committed results
(figures/spiking_at_scale.json, spiking_pixel_baseline.json, spiking_noise_size.json): they
saw the same digits in the same order from the same start model.
"""
from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

#: the fraction of the paper's rms per area: half (a quarter of its variance), between the
#: weak sample (~0.01 of the paper's variance) and the paper-sized one (1)
FRACTION = 0.5
#: expected floor spikes per H1 / H2 neuron in the sample (the curve's, the long run's)
FLOOR = 0.5
#: the committed learners beside this one (:func:`committed_rows`): (key, label)
OTHERS = (("spiking_paper_noise", "spiking, paper-sized noise (long run)"),
          ("spiking_paper_noise_pixel_baseline", "spiking, paper-sized + pixel baseline 0.1"),
          ("spiking_weak_noise", "spiking, weak noise"),
          ("numpy", "numpy, batch 1 (long run)"))
#: the issue's target: within this many nats of numpy's GENERATE at every checkpoint
TARGET_GAP_NATS = 25.0


def rates_for_rms(curve: list[dict], rms: dict[str, float]) -> dict[str, float]:
    """The rate factor per area ("x", "h1", "h2") whose sample has rms ``rms[area]``, read off
    ``curve`` (points ``{"rate": ρ, "rms": {area: value}}``, rms falling as ρ falls) by
    log-log interpolation between the two points that bracket it; ``ValueError`` if a target
    lies outside the measured range."""
    out = {}
    for area, target in rms.items():
        points = sorted((p["rate"], p["rms"][area]) for p in curve)
        for (r1, s1), (r2, s2) in pairwise(points):
            if min(s1, s2) <= target <= max(s1, s2):
                f = math.log(target / s1) / math.log(s2 / s1)
                out[area] = math.exp(math.log(r1) + f * math.log(r2 / r1))
                break
        else:
            lo, hi = min(s for _, s in points), max(s for _, s in points)
            raise ValueError(f"rms {target:.3g} for {area} is outside the measured curve's "
                             f"range [{lo:.3g}, {hi:.3g}]")
    return out


def sample_between(denoising_json: Path, fraction: float = FRACTION):
    """The :class:`SampleConfig` (10 slots, floor ½ spike on H1 and H2) whose rms is
    ``fraction`` of the paper's on every area, from the floor curve and the paper's rms kept
    in ``denoising_json`` (``simulations/spiking_denoising.py``'s results)."""
    from spiking_em.spiking.replay import SampleConfig
    results = json.loads(Path(denoising_json).read_text())
    curve, paper = results["floor"]["curve"], results["paper_rms"]
    if any(p["sample"]["floor_h1"] != FLOOR or p["sample"]["floor_h2"] != FLOOR
           for p in curve):
        raise ValueError(f"{denoising_json}: the floor curve was not measured at a floor of "
                         f"{FLOOR} spike")
    rates = rates_for_rms(curve, {a: fraction * paper[a] for a in ("x", "h1", "h2")})
    return SampleConfig(slots=10, rate_x=round(rates["x"], 4), rate_h1=round(rates["h1"], 4),
                        rate_h2=round(rates["h2"], 4), floor_h1=FLOOR, floor_h2=FLOOR)


def committed_rows(figures: Path, n: int) -> dict[str, dict]:
    """The other learners' rows at ``n`` digits from their committed results in ``figures``
    (those evaluated there), each with ``parzen_generate, parzen_generate_se,
    frechet_generate, classes, inpaint_mse, parzen_ancestral``."""
    figures, rows = Path(figures), {}

    def checkpoint(name: str) -> dict:
        path = figures / name
        if not path.exists():
            return {}
        found = [c for c in json.loads(path.read_text())["checkpoints"]
                 if c["presentations"] == n]
        return found[0] if found else {}

    long_run = checkpoint("spiking_at_scale.json")
    for key, source in (("spiking_paper_noise", "spiking"), ("numpy", "numpy")):
        if source in long_run:
            rows[key] = long_run[source]
    if "spiking_baseline" in (base := checkpoint("spiking_pixel_baseline.json")):
        rows["spiking_paper_noise_pixel_baseline"] = base["spiking_baseline"]
    if "spiking_weak_noise" in (weak := checkpoint("spiking_noise_size.json")):
        rows["spiking_weak_noise"] = weak["spiking_weak_noise"]
    keep = ("parzen_generate", "parzen_generate_se", "frechet_generate", "inpaint_mse",
            "parzen_ancestral", "valid_reconstruction")
    return {key: {**{k: row[k] for k in keep if k in row},
                  "classes": row.get("classes", row.get("classes_generate"))}
            for key, row in rows.items()}


def gaps(row: dict) -> dict:
    """Numpy's GENERATE minus every spiking learner's at one checkpoint (nats), and whether
    each is within the long-run issue's 25 nats."""
    if "numpy" not in row:
        return {}
    reference = row["numpy"]["parzen_generate"]
    out = {}
    for key, value in row.items():
        if key.startswith("spiking") and isinstance(value, dict):
            gap = reference - value["parzen_generate"]
            out[key] = {"gap_nats": gap, "within_25": gap <= TARGET_GAP_NATS}
    return out
