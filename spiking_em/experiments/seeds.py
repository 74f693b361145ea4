"""Headline numbers over training seeds: one sweep run per seed, then mean ± sd across seeds.

A seed's run (:func:`seed_run`, a :mod:`spiking_em.sweep` task) trains the rate model with the
``paper`` preset (or keeps the one already in its folder), evaluates it (Parzen LL of GENERATE
and ancestral samples beside that of as many real training images, in-painting), runs the
rate-vs-spike comparison for the LIF and the stochastic (Poisson) networks with spike-borne
read-outs, and scores every sample set by Fréchet distance and class coverage in the feature
space of the package's MNIST classifier. Each step keeps its result in the seed's folder, so a
killed sweep resumes without redoing finished steps (training resumes from its checkpoint).
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from spiking_em.atomic import write_json

#: (name, path into a seed's result) of every number reported with an across-seed spread
HEADLINES = (
    ("parzen_generate", ("rate_model", "parzen_ll_generate")),
    ("parzen_ancestral", ("rate_model", "parzen_ll_ancestral")),
    ("parzen_real_data", ("rate_model", "parzen_ll_real_data")),
    ("inpaint_mse", ("rate_model", "inpaint_mse")),
    ("lif_inpaint_ratio_to_numpy", ("spiking", "inpaint_ratio_to_numpy")),
    ("lif_parzen_minus_numpy", ("spiking", "parzen_minus_numpy")),
    ("lif_end_state_minus_target", ("spiking", "end_state_minus_target")),
    ("stochastic_inpaint_ratio_to_numpy", ("stochastic", "inpaint_ratio_to_numpy")),
    ("stochastic_parzen_minus_numpy", ("stochastic", "parzen_minus_numpy")),
    ("stochastic_end_state_minus_target", ("stochastic", "end_state_minus_target")),
    ("frechet_generate", ("frechet", "generate")),
    ("frechet_ancestral", ("frechet", "ancestral")),
    ("frechet_real_train", ("frechet", "real_train")),
    ("frechet_lif_samples", ("frechet", "spiking")),
    ("frechet_stochastic_samples", ("frechet", "stochastic")),
    ("frechet_numpy_same_count", ("frechet", "numpy_same_count")),
    ("frechet_real_same_count", ("frechet", "real_same_count")),
)


def _cached(path: Path, compute):
    if path.is_file():
        return json.loads(path.read_text())
    value = compute()
    write_json(path, value)
    return value


def seed_run(seed: int, run_dir: str, data_dir: str | None = None, *, quick: bool = False,
             compare_digits: int = 300, compare_samples: int = 500) -> dict:
    """Train (or keep), evaluate and compare the rate model of one seed; see the module doc."""
    from spiking_em import data
    from spiking_em.evaluation.classifier import mnist_classifier
    from spiking_em.evaluation.evaluate import (
        EvalConfig,
        evaluate_model,
        real_training_images,
    )
    from spiking_em.evaluation.frechet import sample_quality
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    from spiking_em.model.config import TrainConfig
    from spiking_em.model.trained import TrainedModel
    from spiking_em.model.training import CHECKPOINT_FILE, train
    from spiking_em.spiking.areas import NetworkConfig

    run = Path(run_dir)
    dataset = data.load("mnist", data_dir)
    if quick:
        dataset = replace(dataset, train=dataset.train[:2000],
                          train_labels=dataset.train_labels[:2000])
    if not (run / TrainedModel.FILE).exists():
        config = TrainConfig.paper(n_hidden1=64, n_hidden2=16, epochs=2, optimizer="adam",
                                   learning_rate=1e-3, batch_size=50) if quick \
            else TrainConfig.paper()
        train(dataset.train, dataset.valid, config, seed=seed, out_dir=run,
              resume=(run / CHECKPOINT_FILE).exists(), dataset_name=dataset.name,
              blas_threads=1)
    model = TrainedModel.load(run)
    eval_config = EvalConfig.quick() if quick else EvalConfig(
        n_samples=10_000, n_parzen_valid=10_000, n_parzen_test=10_000, n_logp=1_000,
        n_inpaint=2_000, n_nearest=300)
    samples = {}

    def evaluate():
        metrics, arrays = evaluate_model(model, dataset, seed=seed, config=eval_config)
        np.savez_compressed(run / "seed_samples.npz", generate=arrays["samples_generate"],
                            ancestral=arrays["samples_ancestral"])
        return {k: metrics[k] for k in ("parzen_ll_generate", "parzen_ll_ancestral",
                                        "parzen_ll_real_data", "inpaint_mse",
                                        "inpaint_mse_mean_image")}
    rate_model = _cached(run / "seed_evaluation.json", evaluate)
    compare_config = CompareConfig(
        n_digits=20 if quick else compare_digits, n_rate_digits=0,
        n_samples=20 if quick else compare_samples, variants=("spiking", "stochastic"),
        network=NetworkConfig(n_slots=220 if quick else 546))

    def comparison():
        results, arrays = compare(model, dataset, compare_config, seed=seed)
        np.savez_compressed(run / "seed_compare_samples.npz", **arrays["generation_samples"])
        return results
    compared = _cached(run / "seed_compare.json", comparison)
    with np.load(run / "seed_samples.npz") as f:
        samples.update(generate=f["generate"], ancestral=f["ancestral"])
    with np.load(run / "seed_compare_samples.npz") as f:
        net_samples = {k: f[k] for k in f.files}
    n_small = len(net_samples["numpy"])
    classifier = mnist_classifier(dataset)
    quality = sample_quality(classifier, {
        "generate": samples["generate"], "ancestral": samples["ancestral"],
        "real_train": real_training_images(dataset, len(samples["generate"]), seed),
        "spiking": net_samples["spiking"], "stochastic": net_samples["stochastic"],
        "numpy_same_count": net_samples["numpy"],
        "real_same_count": real_training_images(dataset, n_small, seed)}, dataset.test)
    inf, inp, gen = compared["inference"], compared["inpainting"], compared["generation"]
    networks = {}
    for v in ("spiking", "stochastic"):
        end = inf[v]["end_state"]
        networks[v] = {
            "inpaint_mse": inp[v]["mse"]["mean"], "inpaint_mse_dendrite":
            inp[v]["mse_dendrite"]["mean"], "inpaint_ratio_to_numpy": inp[v]["ratio_to_numpy"],
            "parzen_ll": gen[v]["parzen_ll"]["mean"],
            "parzen_minus_numpy": gen[v]["difference_to_numpy"],
            "parzen_minus_numpy_dendrite": gen[f"{v}_dendrite"]["difference_to_numpy"],
            "end_state": end["spike_read"]["mean"],
            "end_state_target": end["target_numpy_start_plus_half_gain"],
            "end_state_minus_target": end["spike_read"]["mean"]
            - end["target_numpy_start_plus_half_gain"],
            "end_state_target_met": end["target_met"],
            "fano_factor": {a: f["pooled"] for a, f in inf[v]["fano_factor"].items()
                            if isinstance(f, dict)}}
    return {"seed": seed, "run_dir": str(run),
            "rate_model": {k: v["mean"] for k, v in rate_model.items()},
            "rate_model_detail": rate_model,
            "compare_numpy": {"inpaint_mse": inp["numpy"]["mse"]["mean"],
                              "parzen_ll": gen["numpy"]["parzen_ll"]["mean"],
                              "parzen_real_same_count":
                              gen["real_training_images"]["parzen_ll"]["mean"],
                              "logp_start": inf["numpy"]["mean"][0],
                              "logp_end": inf["numpy"]["mean"][-1]},
            **networks,
            "frechet": {k: q["frechet_distance"] for k, q in quality.items()},
            "sample_quality": quality, "classifier_test_accuracy": classifier.test_accuracy,
            "settings": {"evaluation": {k: v for k, v in eval_config.__dict__.items()
                                        if k != "sigmas"},
                         "compare": compare_config.as_dict(), "quick": quick}}


def across_seeds(results: list[dict]) -> dict:
    """Mean, sd (ddof 1) and per-seed values of every headline number."""
    out = {}
    for name, (group, key) in HEADLINES:
        values = [r[group][key] for r in results if key in r.get(group, {})]
        if not values:
            continue
        v = np.asarray(values, dtype=np.float64)
        out[name] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else None,
                     "values": v.tolist(), "seeds": [r["seed"] for r in results]}
    for v in ("spiking", "stochastic"):
        met = [bool(r[v]["end_state_target_met"]) for r in results if v in r]
        out[f"{v}_end_state_target_met_in"] = f"{sum(met)}/{len(met)} seeds"
    return out
