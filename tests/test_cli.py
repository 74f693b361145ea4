import json

import pytest

from spiking_em.cli import main


def test_evaluate_without_model_is_a_clear_error(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "spiking-em train" in capsys.readouterr().err


def test_train_with_missing_data_names_the_places(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SPIKING_EM_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code = main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"),
                 "--no-download", "--out", str(tmp_path / "run")])
    assert code == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "SPIKING_EM_DATA" in err


def test_bad_settings_from_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--dataset", "glyphs", "--epochs", "0", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "argument --epochs: expected an integer >= 1, got '0'" in capsys.readouterr().err


def test_train_then_evaluate_on_glyphs(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "glyphs", "--epochs", "1", "--n-hidden1", "32",
                 "--n-hidden2", "8", "--n-train", "1000", "--optimizer", "adam",
                 "--learning-rate", "1e-3", "--out", str(run)]) == 0
    assert "epoch   1" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--quick"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    for key in ("parzen_ll_generate", "parzen_ll_ancestral", "logp_curve", "inpaint_mse",
                "inpaint_mse_mean_image", "nearest_train_distance"):
        assert key in metrics
    assert len(metrics["logp_curve"]["mean"]) == 21
    assert set(metrics["parzen_ll_generate_by_prior_spread"]) == {"std", "variance"}
    for name in ("fig3_samples", "fig4_inference_logp", "fig5_inpainting", "parzen_table"):
        assert (run / f"{name}.png").stat().st_size > 1000
        assert (run / f"{name}.json").exists()


def test_stdp_curve_command_writes_png_and_json(tmp_path):
    assert main(["stdp-curve", "--backend", "numpy", "--quick", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "stdp_curve.json").read_text())
    assert {"dt_ms", "mean_dw", "se_dw", "n", "fit"} <= set(res)
    assert {"a_plus", "tau_plus_ms", "a_minus", "tau_minus_ms", "tau_plus_ms_err"} <= set(res["fit"])
    assert (tmp_path / "stdp_curve.png").exists()


def test_unknown_backend_is_rejected():
    with pytest.raises(SystemExit):
        main(["stdp-sgd", "--backend", "nest", "--out", "x"])
