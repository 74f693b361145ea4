"""Each figure script runs in --quick mode and writes a PNG and a JSON with finite numbers."""
import importlib.util
import json
import math
from pathlib import Path

import pytest

SIMS = Path(__file__).resolve().parents[1] / "simulations"


def load(name):
    import sys
    sys.path.insert(0, str(SIMS))
    spec = importlib.util.spec_from_file_location(name, SIMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def finite_numbers(obj):
    if isinstance(obj, dict):
        return all(finite_numbers(v) for v in obj.values())
    if isinstance(obj, list):
        return all(finite_numbers(v) for v in obj)
    return not isinstance(obj, float) or math.isfinite(obj)


def test_rate_model_figures_quick(tmp_path):
    assert load("rate_model_figures").main(["--quick", "--out", str(tmp_path)]) == 0
    for name in ("fig3_samples", "fig4_inference_logp", "fig5_inpainting", "parzen_table"):
        payload = json.loads((tmp_path / f"{name}.json").read_text())
        assert finite_numbers(payload)
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    fig5 = json.loads((tmp_path / "fig5_inpainting.json").read_text())
    assert fig5["inpaint_mse"]["mean"] < fig5["inpaint_mse_mean_image"]["mean"]


def test_fig1_quick_numpy(tmp_path):
    assert load("fig1_stdp_curve").main(["--quick", "--backends", "numpy", "--out", str(tmp_path)]) == 0
    payload = json.loads((tmp_path / "fig1_stdp_curve.json").read_text())
    assert payload["numpy"]["shape"]["positive_after"] and payload["numpy"]["shape"]["negative_before"]


def test_stdp_sgd_quick_numpy(tmp_path):
    assert load("stdp_sgd").main(["--quick", "--backends", "numpy", "--out", str(tmp_path)]) == 0
    payload = json.loads((tmp_path / "stdp_sgd.json").read_text())
    assert payload["numpy"]["cosine_rule_vs_gradient"] > 0.9
    assert payload["numpy"]["loss_reduction"] > 0.5


@pytest.mark.standalone
def test_stdp_sgd_quick_brian2(tmp_path, brian2_reset):
    assert load("stdp_sgd").main(["--quick", "--backends", "brian2", "--out", str(tmp_path)]) == 0
    payload = json.loads((tmp_path / "stdp_sgd.json").read_text())
    assert payload["brian2"]["cosine_rule_vs_gradient"] > 0.9
    assert payload["brian2"]["timing"]["n_compilations"] == 1


@pytest.mark.standalone
@pytest.mark.slow
def test_spiking_learning_quick(tmp_path, learning_run):
    # the learning network of test_spiking_learning.py (the same model and slots)
    assert load("spiking_learning").main(["--quick", "--out", str(tmp_path),
                                          "--run-dir", str(learning_run)]) == 0
    payload = json.loads((tmp_path / "spiking_learning.json").read_text())
    assert finite_numbers(payload)
    for name, m in payload["stdp_sgd"]["maps"].items():
        assert m["cosine_matching_loss"] > 0.5, (name, m)   # 8 digits: the right sign
    cont = payload["continued"]
    assert cont["presentations"] == 40 and cont["speed"]["compilations"] == 1
    assert cont["history"][-1]["presentations"] == 40
    assert (tmp_path / "spiking_learning.png").stat().st_size > 1000
