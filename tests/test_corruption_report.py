"""The corruption study's table and figure from per-run result files."""
import json

from spiking_em.experiments.corruption_report import collect, plot_study, table_markdown


def _write_run(run, parzen, spiking_mse):
    run.mkdir(parents=True)
    metrics = {"settings": {"train_config": {"corruptions": {}}},
               "parzen_ll_generate": {"mean": parzen, "se": 1.5},
               "parzen_ll_ancestral": {"mean": parzen - 120, "se": 1.2},
               "inpaint_mse": {"mean": 0.015},
               "logp_curve": {"mean": [-1640.0, -1639.0, -1638.5],
                              "alpha_sweep": {"0.1": {"gain": 2.5}}}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    (run / "spiking").mkdir()
    spiking = {"inpainting": {"spiking": {"mse": {"mean": spiking_mse, "n": 200},
                                          "numpy_on_same_digits": {"mean": 0.014},
                                          "ratio_to_numpy": spiking_mse / 0.014}},
               "generation": {"spiking": {"parzen_ll": {"mean": parzen - 30}, "n_samples": 200,
                                          "numpy_same_count": {"mean": parzen - 20},
                                          "difference_to_numpy": -10.0}},
               "inference": {"spiking": {"gain": {"mean": 1.0}, "state": {"gain": {"mean": 3.0}}}}}
    (run / "spiking" / "rate_vs_spike.json").write_text(json.dumps(spiking))


def test_table_and_figure_from_run_directories(tmp_path):
    _write_run(tmp_path / "paper", 250.0, 0.018)
    _write_run(tmp_path / "poisson", 240.0, 0.016)
    (tmp_path / "mixed").mkdir()                       # not evaluated yet: shown as missing
    study = collect({k: tmp_path / k for k in ("paper", "poisson", "mixed")},
                    sweep={"0.1": {"parzen_valid": 130.0}}, window=0.1, settings={"seed": 1})
    assert study["schemes"]["poisson"]["inpaint_gap_ratio"] == 0.016 / 0.014
    assert "parzen_generate" not in study["schemes"]["mixed"]
    table = table_markdown(study)
    assert "| paper | 250.0 ± 1.5 | 130.0 | 0.0150 | 0.0180 (×1.29) | 220.0 (-10.0) |" in table
    assert "| mixed | — ± —" in table
    assert plot_study(study, tmp_path / "study.png").stat().st_size > 1000
