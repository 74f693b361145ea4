"""The demo: class coverage tells a diverse sampler from a collapsed one, and a scaled-down demo
run writes its numbers, figures and coverage."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from spiking_em.evaluation.metrics import class_coverage
from spiking_em.experiments.demo import DemoConfig, demo_glyphs, run_demo


def test_class_coverage_separates_real_collapsed_and_random_samples(glyphs):
    real = class_coverage(glyphs.test, glyphs.train, glyphs.train_labels)
    assert real["classes_present"] == 10 and real["normalised_entropy"] > 0.95
    collapsed = class_coverage(np.repeat(glyphs.test[:1], 300, axis=0), glyphs.train,
                               glyphs.train_labels)
    assert collapsed["classes_present"] == 1 and collapsed["normalised_entropy"] == 0.0
    noise = class_coverage(np.random.default_rng(0).random((300, 784)), glyphs.train,
                           glyphs.train_labels)
    assert noise["normalised_entropy"] < 0.8   # noise lands on a few ink-heavy class means
    assert sum(real["counts"].values()) == len(glyphs.test)


@pytest.mark.slow
def test_scaled_down_demo_learns_monotonically_and_reports_coverage(tmp_path):
    # the spiking part is compare()'s, tested in test_rate_vs_spike.py on a smaller network
    config = replace(DemoConfig(), n_train=3000, epochs=4, n_glyph_train=3000,
                     n_glyph_valid=300, n_glyph_test=300, spiking_digits=0)
    lines = []
    metrics = run_demo(demo_glyphs(config), out_dir=tmp_path, seed=0, print_fn=lines.append,
                       config=config)
    recon = metrics["demo"]["valid_reconstruction"]
    assert all(b < a for a, b in zip(recon, recon[1:], strict=False)), recon   # the decayed rate: no rise
    cov = metrics["class_coverage_generate"]
    assert cov["n_classes"] == 10 and cov["classes_present"] >= 1
    assert any("classes" in line for line in lines)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["class_coverage_generate"] == cov
    for name in ("fig3_samples", "fig4_inference_logp", "fig5_inpainting", "parzen_table"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
